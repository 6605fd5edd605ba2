/**
 * The server's answers recorded by fixtures/record_server_aids.py on real corpus rules:
 * `rulescope.similarRules`, `rulescope.convertRule` and the `tags` code lenses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { REPO_ROOT } from './corpus';

export interface RecordedLens {
  readonly title: string;
  readonly command: string;
  readonly arguments: unknown[];
}

export interface RecordedRule {
  /** The rule's path relative to the corpus root. */
  readonly rule: string;
  readonly uri: string;
  readonly similarRules: unknown;
  readonly convertRule: unknown;
  readonly codeLenses: RecordedLens[];
}

export interface Recorded {
  /** The server's `workspace/executeCommand` ids. */
  readonly serverCommands: string[];
  readonly rules: Record<'systeminfo' | 'lsass' | 'bcdedit', RecordedRule>;
}

export const FIXTURE = path.join(
  REPO_ROOT,
  'vscode-client',
  'test',
  'fixtures',
  'server-aids.json',
);

export function recorded(): Recorded {
  return JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Recorded;
}
