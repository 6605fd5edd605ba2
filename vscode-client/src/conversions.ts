/**
 * The answer of the server's `rulescope.convertRule` command: each pySigma backend's queries
 * for the rule, or the one-line reason it could not convert it; as quick pick entries and as the
 * text and name of a read-only document per backend. Pure: no `vscode` import.
 */

/** The server's `workspace/executeCommand` id for a document's conversions. */
export const CONVERT_RULE_COMMAND = 'rulescope.convertRule';

export interface Conversion {
  /** `splunk`, `lucene`, `eql` or `kusto`. */
  readonly backend: string;
  /** e.g. `Splunk SPL`. */
  readonly label: string;
  /** The processing pipeline, e.g. `splunk_windows`; undefined when none applies. */
  readonly pipeline: string | undefined;
  readonly queries: readonly string[];
  /** Why the backend could not convert the rule; '' when it did. */
  readonly error: string;
}

export interface ConversionItem {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  readonly backend: string;
}

/**
 * File extensions of the preview documents, so an installed SPL, Lucene, EQL or KQL extension
 * highlights them; the server does not name a language.
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  splunk: 'spl',
  lucene: 'lucene',
  eql: 'eql',
  kusto: 'kql',
};

/** Characters of a query or an error shown in a quick pick entry's detail line. */
const DETAIL_LENGTH = 160;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function conversion(entry: unknown): Conversion | undefined {
  if (!isRecord(entry) || typeof entry.backend !== 'string' || entry.backend === '') {
    return undefined;
  }
  const queries = Array.isArray(entry.queries)
    ? entry.queries.filter((query): query is string => typeof query === 'string')
    : [];
  const error = typeof entry.error === 'string' ? entry.error : '';
  return {
    backend: entry.backend,
    label: typeof entry.label === 'string' && entry.label !== '' ? entry.label : entry.backend,
    pipeline: typeof entry.pipeline === 'string' ? entry.pipeline : undefined,
    queries,
    // A backend with neither queries nor a reason still could not convert the rule.
    error: queries.length === 0 && error === '' ? 'the backend gave no query' : error,
  };
}

/** The backends of the command's answer (`{conversions: [...], markdown}`), in its order. */
export function parseConversions(json: unknown): Conversion[] {
  const entries = isRecord(json) && Array.isArray(json.conversions) ? json.conversions : [];
  return entries.map(conversion).filter((entry): entry is Conversion => entry !== undefined);
}

/** `text` on one line, cut to `length` characters with an ellipsis. */
export function oneLine(text: string, length: number = DETAIL_LENGTH): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

/** The quick pick entry: label; pipeline and query count; the first query or the reason. */
export function conversionItem(conversion: Conversion): ConversionItem {
  const pipeline = conversion.pipeline !== undefined ? `pipeline ${conversion.pipeline}` : '';
  const count = conversion.queries.length;
  const outcome =
    conversion.error !== '' ? 'cannot convert' : `${count} quer${count === 1 ? 'y' : 'ies'}`;
  return {
    label: conversion.label,
    description: [outcome, pipeline].filter((part) => part !== '').join(' · '),
    detail: oneLine(conversion.error !== '' ? conversion.error : (conversion.queries[0] ?? '')),
    backend: conversion.backend,
  };
}

/** The preview document's text: the queries, a blank line apart, ending with a newline. */
export function conversionText(conversion: Conversion): string {
  return conversion.queries.map((query) => `${query}\n`).join('\n');
}

/** What to say when the backend could not convert the rule in the file `name`. */
export function conversionErrorMessage(conversion: Conversion, name: string): string {
  return `rulescope: ${conversion.label} cannot convert ${name}: ${conversion.error}`;
}

/**
 * The preview document's path: the rule's name without its extension, the backend's label, and
 * the backend's file extension, e.g. `/proc_creation_win_whoami · Splunk SPL.spl`.
 */
export function conversionPath(ruleFileName: string, conversion: Conversion): string {
  const stem = ruleFileName.replace(/\.(sigma\.)?ya?ml$/i, '');
  const label = conversion.label.replace(/[/\\]/g, '-');
  return `/${stem} · ${label}.${EXTENSIONS[conversion.backend] ?? 'txt'}`;
}
