import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  formatOverlap,
  noSimilarRulesMessage,
  parseSimilarRules,
  similarRuleItem,
} from '../src/similarRules';
import { recorded } from './serverAids';

const { rules } = recorded();

test('test_similarRules_bcdedit_rule_finds_elastic_twin_first', () => {
  // The bcdedit boot-configuration rule shares six of Elastic's seven indicators (75 %).
  const similar = parseSimilarRules(rules.bcdedit.similarRules);
  const first = similar[0];
  assert.ok(first);
  assert.equal(first.title, 'Modification of Boot Configuration');
  assert.equal(first.vendor, 'elastic');
  assert.equal(first.overlap, 0.75);
  assert.equal(first.theirIndicators, 7);
  assert.ok(first.shared.includes('Image ends_with bcdedit.exe'));
});

test('test_similarRules_item_names_vendor_overlap_and_three_indicators', () => {
  // The entry shows vendor and overlap, the rule's corpus path and three of six indicators.
  const [first] = parseSimilarRules(rules.bcdedit.similarRules);
  assert.ok(first);
  const item = similarRuleItem(first);
  assert.equal(item.label, 'Modification of Boot Configuration');
  assert.equal(item.description, 'elastic · 75 % overlap');
  assert.equal(
    item.detail,
    'rules/windows/impact_modification_of_boot_config.toml · 6 shared of their 7: ' +
      'CommandLine contains bootstatuspolicy; CommandLine contains ignoreallfailures; ' +
      'CommandLine contains no and 3 more',
  );
  assert.match(item.uri ?? '', /^file:\/\/\/.*\/elastic\/rules\/windows\/impact_modification/);
});

test('test_similarRules_lsass_rule_lists_ten_rules_of_two_vendors', () => {
  // The generic LSASS dump rule's closest rules share its two Security event ids.
  const similar = parseSimilarRules(rules.lsass.similarRules);
  assert.equal(similar.length, 10);
  assert.deepEqual(new Set(similar.map((rule) => rule.vendor)), new Set(['sigma', 'sentinel']));
  assert.ok(similar.every((rule) => rule.shared.join() === 'EventID eq 4656,EventID eq 4663'));
  const overlaps = similar.map((rule) => rule.overlap);
  assert.deepEqual(
    overlaps,
    [...overlaps].sort((a, b) => b - a),
  );
  const sentinel = similar.find((rule) => rule.vendor === 'sentinel');
  assert.ok(sentinel);
  assert.equal(similarRuleItem(sentinel).description, 'sentinel · 9.5 % overlap');
});

test('test_similarRules_systeminfo_rule_small_overlap_keeps_a_digit', () => {
  // The e2e rule's only match is the webshell rule, with 2 of its 62 indicators (3.2 %).
  const similar = parseSimilarRules(rules.systeminfo.similarRules);
  assert.equal(similar.length, 1);
  const item = similarRuleItem(similar[0] ?? assert.fail('no rule'));
  assert.equal(item.label, 'Webshell Detection With Command Line Keywords');
  assert.equal(item.description, 'sigma · 3.2 % overlap');
  assert.match(item.detail, /2 shared of their 62: Image ends_with systeminfo\.exe; Orig/);
  assert.equal(formatOverlap(1), '100 %');
  assert.equal(formatOverlap(0), '0 %');
});

test('test_similarRules_other_answers_give_no_rules', () => {
  // The server answers [] without an index; anything not a list of rules is no rule.
  assert.deepEqual(parseSimilarRules([]), []);
  assert.deepEqual(parseSimilarRules(null), []);
  assert.deepEqual(parseSimilarRules({ conversions: [] }), []);
  assert.deepEqual(parseSimilarRules([{ title: 3, overlap: 0.5 }]), []);
  assert.match(noSimilarRulesMessage('x.yml'), /^rulescope: no similar rules for x\.yml: /);
});
