import assert from 'node:assert/strict';
import { test } from 'node:test';

import { looksLikeSigma, topLevelKeysByDocument } from '../src/sigmaDetect';
import { corpusFiles, readCorpusFile } from './corpus';
import * as fs from 'node:fs';

const SEVEN_ZIP_RULE =
  'sigma/rules/windows/process_creation/proc_creation_win_7zip_password_compression.yml';
const SPLUNK_LSASS = 'splunk/detections/endpoint/access_lsass_memory_for_dump_creation.yml';
const SENTINEL_DNS = 'sentinel/Detections/ASimDNS/imDNS_Miners.yaml';

test('test_sigmaDetect_recognises_process_creation_rule', () => {
  // The 7-Zip password-compression rule has top-level title and detection: it is Sigma.
  const text = readCorpusFile(SEVEN_ZIP_RULE);
  const [keys] = topLevelKeysByDocument(text);
  assert.ok(keys?.has('title') && keys.has('detection') && keys.has('logsource'));
  assert.equal(looksLikeSigma(text), true);
});

test('test_sigmaDetect_leaves_splunk_detection_alone', () => {
  // A Splunk detection is YAML with name/search, no title/detection: not Sigma.
  const text = readCorpusFile(SPLUNK_LSASS);
  assert.match(text, /^search: /m);
  assert.equal(looksLikeSigma(text), false);
});

test('test_sigmaDetect_leaves_sentinel_rule_alone', () => {
  // A Microsoft Sentinel analytic rule is YAML with name/query: not Sigma.
  const text = readCorpusFile(SENTINEL_DNS);
  assert.match(text, /^query: /m);
  assert.equal(looksLikeSigma(text), false);
});

test('test_sigmaDetect_every_sigma_rule_and_no_splunk_detection', () => {
  // Across the corpus every SigmaHQ rule under rules/ is recognised and no Splunk detection is.
  const sigma = corpusFiles('sigma/rules', '.yml');
  const missed = sigma.filter((file) => !looksLikeSigma(fs.readFileSync(file, 'utf8')));
  assert.ok(sigma.length > 3000, `only ${sigma.length} Sigma rules found`);
  assert.deepEqual(missed, []);

  const splunk = corpusFiles('splunk/detections', '.yml');
  const taken = splunk.filter((file) => looksLikeSigma(fs.readFileSync(file, 'utf8')));
  assert.ok(splunk.length > 1500, `only ${splunk.length} Splunk detections found`);
  assert.deepEqual(taken, []);
});

test('test_sigmaDetect_recognises_correlation_rule', () => {
  // A Sigma correlation rule has correlation: instead of detection: (the corpus has none).
  const text = [
    'title: Many failed logons from one source',
    'correlation:',
    '    type: event_count',
    '    rules:',
    '        - failed_logon',
    '    group-by:',
    '        - IpAddress',
    '    timespan: 5m',
    '    condition:',
    '        gte: 10',
  ].join('\n');
  assert.equal(looksLikeSigma(text), true);
});

test('test_sigmaDetect_ignores_nested_title_and_detection', () => {
  // Keys indented under another mapping are not top-level, so this YAML is not a rule.
  const text = ['name: pipeline', 'steps:', '  title: build', '  detection: off'].join('\n');
  assert.equal(looksLikeSigma(text), false);
});

test('test_sigmaDetect_pools_keys_of_action_global_collection', () => {
  // A rule collection puts title in the global document and detection in the next one.
  const text = [
    'action: global',
    'title: Suspicious service',
    'logsource:',
    '    product: windows',
    '---',
    'logsource:',
    '    service: system',
    'detection:',
    '    selection:',
    '        EventID: 7045',
    '    condition: selection',
  ].join('\n');
  assert.equal(looksLikeSigma(text), true);
});

test('test_sigmaDetect_requires_title_in_same_document', () => {
  // Title and detection in different documents of a plain multi-document file do not count.
  const text = ['title: notes', '---', 'detection: not a rule'].join('\n');
  assert.equal(looksLikeSigma(text), false);
});
