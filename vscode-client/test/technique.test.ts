import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  isTechniqueId,
  parseTechniqueList,
  techniqueArgument,
  techniqueAt,
} from '../src/technique';
import { readCorpusFile } from './corpus';
import { recorded } from './serverAids';

const SEVEN_ZIP_RULE =
  'sigma/rules/windows/process_creation/proc_creation_win_7zip_password_compression.yml';

function tagLine(): string {
  const lines = readCorpusFile(SEVEN_ZIP_RULE).split('\n');
  const line = lines.find((text) => text.includes('attack.t1560.001'));
  assert.ok(line !== undefined);
  return line;
}

test('test_technique_under_cursor_in_sigma_tag', () => {
  // The cursor anywhere on `attack.t1560.001` in the 7-Zip rule gives T1560.001.
  const line = tagLine();
  const start = line.indexOf('attack.');
  assert.equal(techniqueAt(line, start), 'T1560.001');
  assert.equal(techniqueAt(line, start + 'attack.t1560.00'.length), 'T1560.001');
  assert.equal(techniqueAt(line, 0), undefined);
});

test('test_technique_not_found_on_tactic_tag', () => {
  // `attack.collection` is a tactic, not a technique.
  assert.equal(techniqueAt('    - attack.collection', 10), undefined);
});

test('test_technique_id_validation', () => {
  // Technique ids are T and four digits, with an optional three-digit sub-technique.
  assert.ok(isTechniqueId('T1059') && isTechniqueId('t1059.001') && isTechniqueId(' T1685 '));
  assert.ok(!isTechniqueId('T105') && !isTechniqueId('TA0002') && !isTechniqueId('T1059.1'));
});

test('test_technique_list_accepts_documented_shapes', () => {
  // Lists of ids, lists of objects and id-keyed mappings all give sorted technique items.
  assert.deepEqual(parseTechniqueList(['T1059.001', 't1003', 'attack.x']), [
    { id: 'T1003' },
    { id: 'T1059.001' },
  ]);
  assert.deepEqual(
    parseTechniqueList([{ id: 'T1003', name: 'OS Credential Dumping', rules: 120 }]),
    [{ id: 'T1003', name: 'OS Credential Dumping', rules: 120 }],
  );
  assert.deepEqual(
    parseTechniqueList({ techniques: { T1560: { name: 'Archive Collected Data' } } }),
    [{ id: 'T1560', name: 'Archive Collected Data', rules: undefined }],
  );
  assert.deepEqual(parseTechniqueList('not json of techniques'), []);
});

test('test_technique_list_reads_coverage_list_output', () => {
  // `coverage --list --json` prints {id, name, rules} objects; ATLAS ids and empty names drop.
  const printed = [
    { id: 'AML.T0029', name: '', rules: 1 },
    { id: 'T1082', name: 'System Information Discovery', rules: 180 },
    { id: 'T1685', name: '', rules: 12 },
  ];
  assert.deepEqual(parseTechniqueList(printed), [
    { id: 'T1082', name: 'System Information Discovery', rules: 180 },
    { id: 'T1685', name: undefined, rules: 12 },
  ]);
});

test('test_technique_argument_from_code_lens', () => {
  // The server's lens on the systeminfo rule's tags passes T1082; the LSASS rule's T1003.001.
  const { rules } = recorded();
  const [systeminfo] = rules.systeminfo.codeLenses;
  const [lsass] = rules.lsass.codeLenses;
  assert.ok(systeminfo && lsass);
  assert.match(systeminfo.title, /^T1082: \d+ rules \(sigma \d+ · elastic \d+/);
  assert.equal(systeminfo.command, 'rulescope.showCoverage');
  assert.equal(techniqueArgument(systeminfo.arguments[0]), 'T1082');
  assert.equal(techniqueArgument(lsass.arguments[0]), 'T1003.001');
});

test('test_technique_argument_ignores_what_else_a_command_gets', () => {
  // The palette passes nothing and an editor menu a URI: neither is a technique.
  assert.equal(techniqueArgument(undefined), undefined);
  assert.equal(techniqueArgument({ scheme: 'file', path: '/rules/x.yml' }), undefined);
  assert.equal(techniqueArgument('attack.t1082'), undefined);
  assert.equal(techniqueArgument('TA0007'), undefined);
  assert.equal(techniqueArgument(' t1560.001 '), 'T1560.001');
});
