import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT } from './corpus';
import { recorded } from './serverAids';

const CLIENT = path.join(REPO_ROOT, 'vscode-client');

function contributedCommands(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(CLIENT, 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[] };
  };
  return manifest.contributes.commands.map((entry) => entry.command);
}

/** Every `registerCommand`/`register('id', ...)` with a literal id in the client's sources. */
function registeredCommands(): string[] {
  const sources = fs
    .readdirSync(path.join(CLIENT, 'src'))
    .map((name) => fs.readFileSync(path.join(CLIENT, 'src', name), 'utf8'));
  return sources.flatMap((source) =>
    [...source.matchAll(/\bregister(?:Command)?\(\s*'([\w.]+)'/g)].map((match) => match[1] ?? ''),
  );
}

test('test_package_commands_leave_server_ids_to_the_language_client', () => {
  // vscode-languageclient registers the server's executeCommand ids at start; the client
  // registering one too would fail, so neither the manifest nor the sources use them.
  const { serverCommands } = recorded();
  assert.deepEqual(serverCommands, ['rulescope.similarRules', 'rulescope.convertRule']);
  const registered = registeredCommands();
  assert.ok(registered.includes('rulescope.showSimilarRules'), registered.join());
  for (const id of [...contributedCommands(), ...registered]) {
    assert.ok(!serverCommands.includes(id), `${id} is a server command`);
  }
});

test('test_package_contributes_the_code_lens_command', () => {
  // The server's tags lens runs rulescope.showCoverage, which the client contributes and
  // registers, like every command of its manifest but the output one (a shared constant).
  const lens = recorded().rules.systeminfo.codeLenses[0];
  const contributed = contributedCommands();
  assert.ok(lens && contributed.includes(lens.command));
  const registered = new Set(registeredCommands());
  const missing = contributed.filter((id) => !registered.has(id));
  assert.deepEqual(missing, ['rulescope.showOutput']);
});
