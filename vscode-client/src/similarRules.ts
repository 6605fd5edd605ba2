/**
 * The answer of the server's `rulescope.similarRules` command: the rules whose indicators
 * overlap the open rule's, as quick pick entries that name the file to open. Pure: no `vscode`
 * import.
 */

/** The server's `workspace/executeCommand` id for the ten closest rules of a document. */
export const SIMILAR_RULES_COMMAND = 'rulescope.similarRules';

export interface SimilarRule {
  readonly title: string;
  /** `sigma`, `elastic`, `splunk`, `sentinel`, or `workspace` for a rule of the workspace. */
  readonly vendor: string;
  /** The file: a `file:` URI, or '' when the server knows none. */
  readonly uri: string;
  readonly path: string;
  /** The path as the index knows it, relative to the vendor's corpus root. */
  readonly where: string;
  /** Jaccard index of the two rules' positive indicator keys, 0–1. */
  readonly overlap: number;
  /** The shared indicators, e.g. `Image ends_with systeminfo.exe`. */
  readonly shared: readonly string[];
  readonly theirIndicators: number;
}

export interface SimilarRuleItem {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  /** The URI to open when the entry is chosen; undefined when the rule has no file. */
  readonly uri: string | undefined;
}

/** Shared indicators named in an entry's detail line; the rest are counted. */
const SHOWN_INDICATORS = 3;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function similarRule(entry: unknown): SimilarRule | undefined {
  if (!isRecord(entry) || typeof entry.title !== 'string' || typeof entry.overlap !== 'number') {
    return undefined;
  }
  const shared = Array.isArray(entry.shared)
    ? entry.shared.filter((key): key is string => typeof key === 'string')
    : [];
  return {
    title: entry.title,
    vendor: text(entry.vendor),
    uri: text(entry.uri),
    path: text(entry.path),
    where: text(entry.where),
    overlap: entry.overlap,
    shared,
    theirIndicators: typeof entry.their_indicators === 'number' ? entry.their_indicators : 0,
  };
}

/** The rules of the command's answer, in the server's order (most overlapping first). */
export function parseSimilarRules(json: unknown): SimilarRule[] {
  if (!Array.isArray(json)) {
    return [];
  }
  return json.map(similarRule).filter((rule): rule is SimilarRule => rule !== undefined);
}

/** `32 %`, `3.2 %` below ten per cent: small overlaps keep a digit so they stay apart. */
export function formatOverlap(overlap: number): string {
  const percent = overlap * 100;
  return percent < 10 && percent > 0 ? `${percent.toFixed(1)} %` : `${Math.round(percent)} %`;
}

/** The quick pick entry: title; vendor and overlap; where it is and the shared indicators. */
export function similarRuleItem(rule: SimilarRule): SimilarRuleItem {
  const shown = rule.shared.slice(0, SHOWN_INDICATORS).join('; ');
  const more = rule.shared.length - SHOWN_INDICATORS;
  const indicators = `${rule.shared.length} shared of their ${rule.theirIndicators}: ${shown}`;
  return {
    label: rule.title,
    description: `${rule.vendor} · ${formatOverlap(rule.overlap)} overlap`,
    detail: `${rule.where || rule.path} · ${indicators}${more > 0 ? ` and ${more} more` : ''}`,
    uri: rule.uri !== '' ? rule.uri : undefined,
  };
}

/** What to say when no rule comes back for the file `name`. */
export function noSimilarRulesMessage(name: string): string {
  return (
    `rulescope: no similar rules for ${name}: no indexed or workspace rule shares ` +
    'two of its indicators'
  );
}
