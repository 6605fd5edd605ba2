import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  type Conversion,
  conversionErrorMessage,
  conversionItem,
  conversionPath,
  conversionText,
  oneLine,
  parseConversions,
} from '../src/conversions';
import { recorded } from './serverAids';

const { rules } = recorded();
const SYSTEMINFO_FILE = 'proc_creation_win_systeminfo_execution.yml';

function backend(name: 'systeminfo' | 'lsass', id: string): Conversion {
  const found = parseConversions(rules[name].convertRule).find((c) => c.backend === id);
  return found ?? assert.fail(`no ${id} conversion of ${name}`);
}

test('test_conversions_systeminfo_rule_every_backend_converts', () => {
  // The systeminfo rule converts with the four backends, in the server's order, through the
  // Windows pipelines.
  const conversions = parseConversions(rules.systeminfo.convertRule);
  assert.deepEqual(
    conversions.map((c) => [c.backend, c.pipeline, c.error, c.queries.length]),
    [
      ['splunk', 'splunk_windows', '', 1],
      ['lucene', 'ecs_windows', '', 1],
      ['eql', 'ecs_windows', '', 1],
      ['kusto', 'microsoft_xdr', '', 1],
    ],
  );
});

test('test_conversions_splunk_preview_document', () => {
  // The Splunk preview holds the SPL query alone, in a `.spl` document named after the rule.
  const splunk = backend('systeminfo', 'splunk');
  assert.equal(
    conversionText(splunk),
    'Image="*\\\\systeminfo.exe" OR OriginalFileName="sysinfo.exe"\n',
  );
  assert.equal(
    conversionPath(SYSTEMINFO_FILE, splunk),
    '/proc_creation_win_systeminfo_execution · Splunk SPL.spl',
  );
  assert.deepEqual(conversionItem(splunk), {
    label: 'Splunk SPL',
    description: '1 query · pipeline splunk_windows',
    detail: 'Image="*\\\\systeminfo.exe" OR OriginalFileName="sysinfo.exe"',
    backend: 'splunk',
  });
});

test('test_conversions_kusto_query_keeps_its_lines', () => {
  // KQL starts with the table on its own line: the document keeps it, the entry flattens it.
  const kusto = backend('systeminfo', 'kusto');
  assert.match(conversionText(kusto), /^DeviceProcessEvents\n\| where FolderPath endswith /);
  assert.match(conversionItem(kusto).detail, /^DeviceProcessEvents \| where FolderPath/);
  assert.equal(
    conversionPath('rule.sigma.yaml', kusto),
    '/rule · Microsoft Defender XDR (KQL).kql',
  );
  assert.match(
    conversionPath(SYSTEMINFO_FILE, backend('systeminfo', 'eql')),
    /Elasticsearch EQL\.eql$/,
  );
});

test('test_conversions_lsass_rule_kusto_says_why_it_cannot', () => {
  // Defender XDR has no AccessMask field: the entry and the message give the backend's reason.
  const kusto = backend('lsass', 'kusto');
  assert.deepEqual(kusto.queries, []);
  assert.match(kusto.error, /^Invalid SigmaDetectionItem field name encountered: AccessMask\./);
  const item = conversionItem(kusto);
  assert.equal(item.description, 'cannot convert · pipeline microsoft_xdr');
  assert.equal(item.detail.length, 160);
  assert.ok(item.detail.endsWith('…') && kusto.error.startsWith(item.detail.slice(0, -1)));
  assert.equal(
    conversionErrorMessage(kusto, 'win_security_susp_lsass_dump_generic.yml'),
    'rulescope: Microsoft Defender XDR (KQL) cannot convert ' +
      `win_security_susp_lsass_dump_generic.yml: ${kusto.error}`,
  );
  // The three other backends convert the same rule.
  assert.ok(['splunk', 'lucene', 'eql'].every((id) => backend('lsass', id).error === ''));
});

test('test_conversions_other_answers', () => {
  // No arguments gives no conversions; a backend with no query and no reason cannot convert.
  assert.deepEqual(parseConversions({ conversions: [], markdown: '' }), []);
  assert.deepEqual(parseConversions([]), []);
  const [empty] = parseConversions({ conversions: [{ backend: 'splunk', queries: [] }] });
  assert.equal(empty?.error, 'the backend gave no query');
  assert.equal(empty.label, 'splunk');
  assert.equal(oneLine('a\n  b\tc'), 'a b c');
});
