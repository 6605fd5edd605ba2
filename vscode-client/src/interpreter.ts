/**
 * Interpreter discovery: which Python runs `python -m rulescope serve`, and whether rulescope
 * imports there. Order: the `rulescope.interpreter` setting, then the Python extension's
 * selected interpreter, then `python3`. Pure: no `vscode` import, so it is unit-tested in node.
 */
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

export const DEFAULT_INTERPRETER = 'python3';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface Interpreter {
  readonly path: string;
  readonly source: InterpreterSource;
}

export interface InterpreterCandidates {
  /** The trust-filtered `rulescope.interpreter` value; empty means unset. */
  readonly setting?: string | undefined;
  /** The executable the Python extension has selected, when it is installed. */
  readonly pythonExtension?: string | undefined;
}

export interface PathContext {
  readonly home: string;
  readonly workspaceFolder?: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** Pick the interpreter by the documented order; blank values count as unset. */
export function resolveInterpreter(
  candidates: InterpreterCandidates,
  context: PathContext,
): Interpreter {
  const setting = candidates.setting?.trim();
  if (setting) {
    return { path: expandPath(setting, context), source: 'setting' };
  }

  const fromExtension = candidates.pythonExtension?.trim();
  if (fromExtension) {
    return { path: fromExtension, source: 'python-extension' };
  }
  return { path: DEFAULT_INTERPRETER, source: 'default' };
}

/** Expand `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` as VS Code users write them. */
export function expandPath(raw: string, context: PathContext): string {
  let expanded = raw.replace(/\$\{userHome\}/g, context.home);
  expanded = expanded.replace(/\$\{env:([^}]+)\}/g, (_match, name: string) => {
    return context.env[name] ?? '';
  });
  if (context.workspaceFolder !== undefined) {
    expanded = expanded.replace(/\$\{workspaceFolder\}/g, context.workspaceFolder);
  }

  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = path.join(context.home, expanded.slice(1));
  }
  return expanded;
}

/** The context of the running process, for callers outside tests. */
export function processPathContext(workspaceFolder?: string): PathContext {
  return { home: os.homedir(), workspaceFolder, env: process.env };
}

export type ImportCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'not-found' | 'not-importable';
      readonly detail: string;
    };

/** Run `<python> -c "import rulescope"` and say whether the package imports there. */
export function checkImportable(python: string, timeoutMs = 20_000): Promise<ImportCheck> {
  return new Promise((resolve) => {
    execFile(
      python,
      ['-P', '-c', 'import rulescope'],
      { timeout: timeoutMs },
      (error, _out, stderr) => {
        if (!error) {
          resolve({ ok: true });
          return;
        }

        const notFound = 'code' in error && error.code === 'ENOENT';
        const detail = stderr.trim() || error.message;
        resolve({ ok: false, reason: notFound ? 'not-found' : 'not-importable', detail });
      },
    );
  });
}

/** The one-line message that tells the user how to fix a failed import check. */
export function importFailureMessage(python: string, check: ImportCheck): string | undefined {
  if (check.ok) {
    return undefined;
  }
  if (check.reason === 'not-found') {
    return `Python interpreter '${python}' was not found: install Python or set rulescope.interpreter`;
  }
  return (
    `rulescope is not installed for ${python}: ` +
    `run '${python} -m pip install rulescope' or set rulescope.interpreter`
  );
}
