/**
 * Reading `rulescope index build` as it runs: progress from its stderr lines and the final
 * summary "indexed N rules from M files in T ms, K failures". The progress format is not fixed
 * by the CLI, so any `done/total` pair or percentage in a line counts. Pure: no `vscode` import.
 */

export interface BuildProgress {
  readonly message: string;
  /** 0–100 when the line carried a count or a percentage. */
  readonly percent?: number | undefined;
}

export interface BuildSummary {
  readonly rules: number;
  readonly files: number;
  readonly milliseconds: number;
  readonly failures: number;
}

const FRACTION = /(\d[\d,]*)\s*(?:\/|of)\s*(\d[\d,]*)/;
const PERCENT = /(\d+(?:\.\d+)?)\s*%/;
const SUMMARY =
  /indexed\s+([\d,]+)\s+rules?\s+from\s+([\d,]+)\s+files?\s+in\s+([\d,.]+)\s*ms,\s*([\d,]+)\s+failures?/i;
/** A Python logging prefix such as `INFO rulescope.index.build: ` carries no progress. */
const LOG_PREFIX = /^(?:\d{4}-\d\d-\d\d[ T][\d:,.]+\s+)?(?:DEBUG|INFO|WARNING|ERROR)\S*\s+\S+:\s*/;

function toNumber(text: string): number {
  return Number(text.replace(/,/g, ''));
}

/** The progress a stderr line reports; `undefined` for a blank line. */
export function parseProgressLine(line: string): BuildProgress | undefined {
  const message = line.trim().replace(LOG_PREFIX, '');
  if (message === '') {
    return undefined;
  }

  const fraction = FRACTION.exec(message);
  if (fraction?.[1] !== undefined && fraction[2] !== undefined) {
    const total = toNumber(fraction[2]);
    const percent = total > 0 ? Math.min(100, (100 * toNumber(fraction[1])) / total) : undefined;
    return { message, percent };
  }

  const percent = PERCENT.exec(message);
  if (percent?.[1] !== undefined) {
    return { message, percent: Math.min(100, Number(percent[1])) };
  }
  return { message };
}

/** The final summary, when `line` is it. */
export function parseBuildSummary(line: string): BuildSummary | undefined {
  const match = SUMMARY.exec(line);
  if (!match) {
    return undefined;
  }
  const [, rules = '0', files = '0', milliseconds = '0', failures = '0'] = match;
  return {
    rules: toNumber(rules),
    files: toNumber(files),
    milliseconds: toNumber(milliseconds),
    failures: toNumber(failures),
  };
}

/** Split a stream of chunks into whole lines; returns the lines and the unfinished rest. */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const parts = (pending + chunk).split(/\r?\n|\r/);
  const rest = parts.pop() ?? '';
  return { lines: parts, rest };
}
