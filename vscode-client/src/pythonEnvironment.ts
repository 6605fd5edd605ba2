/**
 * The Python extension's selected interpreter (ms-python.python, `exports.environments`), and
 * the interpreter the client uses after applying the discovery order. The Python extension may
 * be absent or expose another API shape; then it is skipped.
 */
import * as vscode from 'vscode';

import { type Interpreter, processPathContext, resolveInterpreter } from './interpreter';
import type { RulescopeSettings } from './serverSettings';
import { firstWorkspaceFolder } from './settings';

const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface ResolvedEnvironment {
  readonly executable?: { readonly uri?: vscode.Uri | undefined } | undefined;
}

interface EnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment?(environment: EnvironmentPath): Promise<ResolvedEnvironment | undefined>;
  onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function environmentsApi(exports: unknown): EnvironmentsApi | undefined {
  if (!isRecord(exports) || !isRecord(exports.environments)) {
    return undefined;
  }
  const environments = exports.environments;
  return typeof environments.getActiveEnvironmentPath === 'function'
    ? (environments as unknown as EnvironmentsApi)
    : undefined;
}

async function pythonEnvironments(): Promise<EnvironmentsApi | undefined> {
  const extension = vscode.extensions.getExtension<unknown>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  const exports = extension.isActive ? extension.exports : await extension.activate();
  return environmentsApi(exports);
}

/** The executable the Python extension has selected for the first workspace folder. */
export async function pythonExtensionInterpreter(
  output: vscode.LogOutputChannel,
): Promise<string | undefined> {
  try {
    const api = await pythonEnvironments();
    if (!api) {
      return undefined;
    }

    const active = api.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
    const resolved = await api.resolveEnvironment?.(active);
    return resolved?.executable?.uri?.fsPath ?? active.path;
  } catch (error) {
    output.warn(`the Python extension gave no interpreter: ${String(error)}`);
    return undefined;
  }
}

/** Subscribe to the Python extension's interpreter changes, when it is installed. */
export async function onPythonInterpreterChange(
  listener: () => void,
): Promise<vscode.Disposable | undefined> {
  const api = await pythonEnvironments().catch(() => undefined);
  return api?.onDidChangeActiveEnvironmentPath?.(listener);
}

/** The interpreter to run rulescope with, by the order setting → Python extension → python3. */
export async function discoverInterpreter(
  settings: RulescopeSettings,
  output: vscode.LogOutputChannel,
): Promise<Interpreter> {
  const setting = settings.interpreter.trim();
  const pythonExtension = setting ? undefined : await pythonExtensionInterpreter(output);
  return resolveInterpreter(
    { setting, pythonExtension },
    processPathContext(firstWorkspaceFolder()),
  );
}
