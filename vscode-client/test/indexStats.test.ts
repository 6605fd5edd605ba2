import assert from 'node:assert/strict';
import { test } from 'node:test';

import { describeStats, formatAge, parseIndexStats, summarizeStats } from '../src/indexStats';

const STATS_JSON = {
  vendors: {
    sigma: { files: 3780, rules: 3778, rules_with_predicates: 3600 },
    elastic: { files: 1400, rules: 1390 },
    splunk: { files: 1711, rules: 1700 },
    sentinel: { files: 1376, rules: 1370 },
  },
  built_at: '2026-11-01T10:00:00+00:00',
  path: '/root/.cache/rulescope/index.sqlite',
};

test('test_indexStats_summary_counts_rules_vendors_and_age', () => {
  // The status bar text adds up rules over vendors and shows the age since built_at.
  const stats = parseIndexStats(STATS_JSON);
  assert.ok(stats);
  const now = new Date('2026-11-01T13:05:00Z');
  assert.equal(summarizeStats(stats, now), '8,238 rules · 4 vendors · 3 h old');
});

test('test_indexStats_tooltip_lists_each_vendor_and_path', () => {
  // The tooltip names each vendor with its rules and files, then the build time and file.
  const stats = parseIndexStats(STATS_JSON);
  assert.ok(stats);
  const lines = describeStats(stats);
  assert.equal(lines[0], 'sigma: 3,778 rules from 3780 files');
  assert.equal(lines.at(-1), '/root/.cache/rulescope/index.sqlite');
});

test('test_indexStats_rejects_other_shapes', () => {
  // Output without a vendors mapping is not index stats.
  assert.equal(parseIndexStats({ error: 'no index' }), undefined);
  assert.equal(parseIndexStats([1, 2]), undefined);
});

test('test_indexStats_age_units', () => {
  // Ages read as seconds, minutes, hours, then days past two days.
  assert.equal(formatAge(42_000), '42 s');
  assert.equal(formatAge(12 * 60_000), '12 min');
  assert.equal(formatAge(5 * 3_600_000), '5 h');
  assert.equal(formatAge(9 * 86_400_000), '9 d');
});
