/** Reading `rulescope.*` settings from VS Code, with the workspace-trust rule applied. */
import * as vscode from 'vscode';

import { expandPath, processPathContext } from './interpreter';
import { restrictedSettingValue, type RulescopeSettings } from './serverSettings';

export const SECTION = 'rulescope';

/** The folder `${workspaceFolder}` expands to: the first one, as VS Code does for settings. */
export function firstWorkspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function readSettings(): RulescopeSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const trusted = vscode.workspace.isTrusted;
  const indexPath = restrictedSettingValue(config.inspect<string>('indexPath'), trusted) ?? '';

  return {
    interpreter: restrictedSettingValue(config.inspect<string>('interpreter'), trusted) ?? '',
    indexPath: indexPath.trim()
      ? expandPath(indexPath.trim(), processPathContext(firstWorkspaceFolder()))
      : '',
    noisyThreshold: config.get<number>('noisyThreshold', 20),
    validatorsEnabled: config.get<boolean>('validators.enabled', true),
    inlayHintsEnabled: config.get<boolean>('inlayHints.enabled', true),
    sigmaGlobs: config.get<string[]>('sigmaGlobs', []),
  };
}

/** Open the Settings editor at the interpreter setting, where a failed import check is fixed. */
export function openInterpreterSetting(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'rulescope.interpreter');
}
