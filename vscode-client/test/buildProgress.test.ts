import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseBuildSummary, parseProgressLine, splitLines } from '../src/buildProgress';

test('test_buildProgress_reads_summary_line', () => {
  // The final line of `index build` gives rules, files, milliseconds and failures.
  const line = 'indexed 8,412 rules from 9,031 files in 3,120 ms, 17 failures';
  assert.deepEqual(parseBuildSummary(line), {
    rules: 8412,
    files: 9031,
    milliseconds: 3120,
    failures: 17,
  });
  assert.equal(parseBuildSummary('sigma: 120/3780 files'), undefined);
});

test('test_buildProgress_counts_and_percentages', () => {
  // A done/total count or a percentage in a stderr line becomes a percent.
  assert.deepEqual(parseProgressLine('sigma: 945/3780 files'), {
    message: 'sigma: 945/3780 files',
    percent: 25,
  });
  assert.equal(parseProgressLine('elastic 40% done')?.percent, 40);
  assert.deepEqual(parseProgressLine('INFO rulescope.index.build: reading sentinel'), {
    message: 'reading sentinel',
  });
  assert.equal(parseProgressLine('   '), undefined);
});

test('test_buildProgress_splits_chunks_into_lines', () => {
  // Lines split across stream chunks are joined before they are parsed.
  const first = splitLines('', 'sigma: 1/2\nsigma: 2');
  assert.deepEqual(first, { lines: ['sigma: 1/2'], rest: 'sigma: 2' });
  assert.deepEqual(splitLines(first.rest, '/2\n'), { lines: ['sigma: 2/2'], rest: '' });
});
