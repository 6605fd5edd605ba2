/**
 * Sigma detection by content: a YAML document with a top-level `title:` and a top-level
 * `detection:` or `correlation:` is a Sigma rule. This reads top-level keys line by line
 * rather than parsing YAML, so a file with a syntax error is still recognised while it is
 * being written. Pure: no `vscode` import.
 */

/** Read no further than this: rules are small and the check runs on every YAML file opened. */
const SCAN_LIMIT_CHARS = 256 * 1024;

const DOCUMENT_SEPARATOR = /^---(?:\s.*)?$/;
const DOCUMENT_END = /^\.\.\.\s*$/;
const TOP_LEVEL_KEY = /^(?:"([^"]+)"|'([^']+)'|([A-Za-z_][\w.-]*))\s*:(?:\s|$)/;

/** The top-level mapping keys of each YAML document in `text`. */
export function topLevelKeysByDocument(text: string): Set<string>[] {
  const documents: Set<string>[] = [new Set()];
  for (const line of text.slice(0, SCAN_LIMIT_CHARS).split(/\r?\n/)) {
    if (DOCUMENT_SEPARATOR.test(line) || DOCUMENT_END.test(line)) {
      documents.push(new Set());
      continue;
    }

    const match = TOP_LEVEL_KEY.exec(line);
    const key = match?.[1] ?? match?.[2] ?? match?.[3];
    if (key !== undefined) {
      documents[documents.length - 1]?.add(key);
    }
  }
  return documents.filter((keys) => keys.size > 0);
}

function isRuleDocument(keys: ReadonlySet<string>): boolean {
  return keys.has('title') && (keys.has('detection') || keys.has('correlation'));
}

/**
 * Whether `text` looks like a Sigma rule. A rule collection whose first document carries
 * `action: global` spreads title and detection over documents, so its keys are pooled.
 */
export function looksLikeSigma(text: string): boolean {
  const documents = topLevelKeysByDocument(text);
  if (documents.some(isRuleDocument)) {
    return true;
  }

  const first = documents[0];
  if (first?.has('action') !== true || !/^action:\s*global\s*$/m.test(text)) {
    return false;
  }
  const pooled = new Set(documents.flatMap((keys) => [...keys]));
  return isRuleDocument(pooled);
}
