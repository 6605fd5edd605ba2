import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import {
  checkImportable,
  expandPath,
  importFailureMessage,
  resolveInterpreter,
} from '../src/interpreter';
import { restrictedSettingValue } from '../src/serverSettings';
import { REPO_ROOT } from './corpus';

const context = { home: '/home/ana', workspaceFolder: '/work/rules', env: { VENV: '/opt/venv' } };
const VENV_PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');

test('test_interpreter_setting_wins_over_python_extension', () => {
  // The rulescope.interpreter setting is used even when the Python extension has a choice.
  const chosen = resolveInterpreter(
    { setting: '/opt/py/bin/python', pythonExtension: '/usr/bin/python3.12' },
    context,
  );
  assert.deepEqual(chosen, { path: '/opt/py/bin/python', source: 'setting' });
});

test('test_interpreter_python_extension_when_setting_blank', () => {
  // A blank setting falls through to the Python extension's selected interpreter.
  const chosen = resolveInterpreter(
    { setting: '   ', pythonExtension: '/work/rules/.venv/bin/python' },
    context,
  );
  assert.deepEqual(chosen, { path: '/work/rules/.venv/bin/python', source: 'python-extension' });
});

test('test_interpreter_defaults_to_python3', () => {
  // With no setting and no Python extension, python3 from PATH is used.
  assert.deepEqual(resolveInterpreter({}, context), { path: 'python3', source: 'default' });
});

test('test_interpreter_expands_home_workspace_and_env', () => {
  // Paths in the setting may use ~, ${workspaceFolder}, ${userHome} and ${env:NAME}.
  assert.equal(expandPath('~/venv/bin/python', context), '/home/ana/venv/bin/python');
  assert.equal(
    expandPath('${workspaceFolder}/.venv/bin/python', context),
    '/work/rules/.venv/bin/python',
  );
  assert.equal(expandPath('${userHome}/py', context), '/home/ana/py');
  assert.equal(expandPath('${env:VENV}/bin/python', context), '/opt/venv/bin/python');
});

test('test_interpreter_untrusted_workspace_reads_user_setting_only', () => {
  // In an untrusted workspace a workspace-level interpreter is ignored; the user's value counts.
  const inspection = { globalValue: '/usr/bin/python3', workspaceValue: './evil/python' };
  assert.equal(restrictedSettingValue(inspection, false), '/usr/bin/python3');
  assert.equal(restrictedSettingValue({ workspaceValue: './evil/python' }, false), undefined);
});

test('test_interpreter_trusted_workspace_prefers_most_specific_setting', () => {
  // In a trusted workspace the folder value beats the workspace value, which beats the user's.
  const all = { globalValue: 'g', workspaceValue: 'w', workspaceFolderValue: 'f' };
  assert.equal(restrictedSettingValue(all, true), 'f');
  assert.equal(restrictedSettingValue({ globalValue: 'g', workspaceValue: 'w' }, true), 'w');
  assert.equal(restrictedSettingValue({ globalValue: 'g' }, true), 'g');
});

test('test_interpreter_import_check_reports_missing_executable', async () => {
  // An interpreter path that does not exist is reported as not found, with a fix to apply.
  const python = '/nonexistent/bin/python';
  const check = await checkImportable(python);
  assert.ok(!check.ok);
  assert.equal(check.reason, 'not-found');
  assert.match(
    importFailureMessage(python, check) ?? '',
    /was not found: .*rulescope\.interpreter/,
  );
});

test('test_interpreter_import_check_names_pip_fix', async (t) => {
  // The machine's python3 has no rulescope (the project installs it in .venv only): the
  // message says how to install it there.
  const check = await checkImportable('python3');
  if (check.ok) {
    t.skip('python3 on PATH has rulescope installed');
    return;
  }
  assert.equal(check.reason, 'not-importable');
  assert.match(check.detail, /No module named 'rulescope'/);
  assert.equal(
    importFailureMessage('/usr/bin/python3', check),
    "rulescope is not installed for /usr/bin/python3: run '/usr/bin/python3 -m pip install rulescope'" +
      ' or set rulescope.interpreter',
  );
});

test(
  'test_interpreter_import_check_accepts_project_venv',
  { skip: !fs.existsSync(VENV_PYTHON) },
  async () => {
    // The project's own venv has rulescope installed editable, so the check passes there.
    assert.deepEqual(await checkImportable(VENV_PYTHON), { ok: true });
  },
);
