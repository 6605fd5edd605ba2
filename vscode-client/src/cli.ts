/**
 * Running the `rulescope` command line (`python -m rulescope ...`) for the client's commands:
 * index stats, index build and coverage pages. Pure: node only, no `vscode` import.
 */
import { spawn } from 'node:child_process';

import { splitLines } from './buildProgress';

export interface CliOptions {
  /** Called with each whole stderr line as it arrives. */
  readonly onStderrLine?: ((line: string) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly cwd?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface CliResult {
  /** The exit code; `null` when a signal ended the process. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly result?: CliResult,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** `args` with `--index FILE` appended when an index path is set. */
export function withIndex(args: readonly string[], indexPath: string | undefined): string[] {
  return indexPath ? [...args, '--index', indexPath] : [...args];
}

/** Run `<python> -m rulescope <args>` and collect its output; never rejects for a bad exit. */
export function runRulescope(
  python: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-P', '-m', 'rulescope', ...args], {
      cwd: options.cwd,
      signal: options.signal,
      timeout: options.timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    let pending = '';

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const { lines, rest } = splitLines(pending, chunk);
      pending = rest;
      for (const line of lines) {
        options.onStderrLine?.(line);
      }
    });

    child.on('error', (error) => {
      reject(new CliError(`could not run ${python}: ${error.message}`));
    });
    child.on('close', (code) => {
      if (pending !== '') {
        options.onStderrLine?.(pending);
      }
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr });
    });
  });
}

/** The last non-blank stderr line, the one that usually says what went wrong. */
export function lastErrorLine(result: CliResult): string {
  const lines = result.stderr.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.at(-1) ?? `exit code ${String(result.code)}`;
}

/** Run a command that prints JSON on stdout and parse it; rejects with a one-line reason. */
export async function runRulescopeJson(
  python: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<unknown> {
  const result = await runRulescope(python, args, options);
  if (result.code !== 0) {
    throw new CliError(`rulescope ${args.join(' ')} failed: ${lastErrorLine(result)}`, result);
  }
  try {
    return JSON.parse(result.stdout) as unknown;
  } catch {
    throw new CliError(`rulescope ${args.join(' ')} printed no JSON`, result);
  }
}
