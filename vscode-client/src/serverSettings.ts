/**
 * The client's settings model: the values read from `rulescope.*`, the trust rule for the
 * restricted ones, and the payload sent to the server in `initializationOptions` and
 * `workspace/didChangeConfiguration`. Pure: no `vscode` import.
 */

export interface RulescopeSettings {
  readonly interpreter: string;
  readonly indexPath: string;
  readonly noisyThreshold: number;
  readonly validatorsEnabled: boolean;
  readonly inlayHintsEnabled: boolean;
  readonly sigmaGlobs: readonly string[];
}

/** The server's view of the settings, as its CLI contract names them. */
export interface ServerSettingsPayload {
  readonly rulescope: {
    readonly indexPath: string | null;
    readonly noisyThreshold: number;
    readonly validators: { readonly enabled: boolean };
    readonly inlayHints: boolean;
  };
}

/** The parts of `WorkspaceConfiguration.inspect()` the trust rule reads. */
export interface SettingInspection<T> {
  readonly globalValue?: T | undefined;
  readonly workspaceValue?: T | undefined;
  readonly workspaceFolderValue?: T | undefined;
}

/**
 * The effective value of a restricted setting: in an untrusted workspace only the user's own
 * (global) value counts, so a cloned repository cannot choose which program runs.
 */
export function restrictedSettingValue<T>(
  inspection: SettingInspection<T> | undefined,
  trusted: boolean,
): T | undefined {
  if (!inspection) {
    return undefined;
  }
  if (!trusted) {
    return inspection.globalValue;
  }
  return inspection.workspaceFolderValue ?? inspection.workspaceValue ?? inspection.globalValue;
}

export function serverSettingsPayload(settings: RulescopeSettings): ServerSettingsPayload {
  return {
    rulescope: {
      indexPath: settings.indexPath.trim() || null,
      noisyThreshold: settings.noisyThreshold,
      validators: { enabled: settings.validatorsEnabled },
      inlayHints: settings.inlayHintsEnabled,
    },
  };
}

/** Settings whose change needs a new server process rather than a notification. */
export const RESTART_SETTINGS = ['rulescope.interpreter', 'rulescope.indexPath'] as const;
