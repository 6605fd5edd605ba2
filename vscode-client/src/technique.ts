/**
 * ATT&CK technique ids: the one under the cursor in a Sigma tag (`attack.t1059.001`), the one a
 * code lens passes, and the list printed by `rulescope coverage --list --json`. Pure: no `vscode`
 * import.
 */

const TECHNIQUE_TAG = /attack\.(t\d{4}(?:\.\d{3})?)\b/gi;
const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/i;

export interface TechniqueItem {
  readonly id: string;
  readonly name?: string | undefined;
  readonly rules?: number | undefined;
}

/** The technique id (upper case) of the `attack.tNNNN[.NNN]` tag that spans `character`. */
export function techniqueAt(lineText: string, character: number): string | undefined {
  for (const match of lineText.matchAll(TECHNIQUE_TAG)) {
    const start = match.index;
    const end = start + match[0].length;
    if (character >= start && character <= end && match[1] !== undefined) {
      return match[1].toUpperCase();
    }
  }
  return undefined;
}

/** Whether `text` is a technique id such as `T1059` or `t1059.001`. */
export function isTechniqueId(text: string): boolean {
  return TECHNIQUE_ID.test(text.trim());
}

/**
 * The technique id a command was given (the server's code lens passes `T1082`), upper case.
 * Anything else, such as the file URI an editor menu passes, is no technique.
 */
export function techniqueArgument(argument: unknown): string | undefined {
  return typeof argument === 'string' && isTechniqueId(argument)
    ? argument.trim().toUpperCase()
    : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function techniqueFromEntry(entry: unknown, key?: string): TechniqueItem | undefined {
  if (typeof entry === 'string' && isTechniqueId(entry)) {
    return { id: entry.toUpperCase() };
  }
  if (!isRecord(entry)) {
    return key !== undefined && isTechniqueId(key) ? { id: key.toUpperCase() } : undefined;
  }

  const rawId = entry.id ?? entry.technique ?? entry.technique_id ?? key;
  if (typeof rawId !== 'string' || !isTechniqueId(rawId)) {
    return undefined;
  }
  const name = typeof entry.name === 'string' && entry.name !== '' ? entry.name : undefined;
  const rules = typeof entry.rules === 'number' ? entry.rules : undefined;
  return { id: rawId.toUpperCase(), name, rules };
}

/**
 * Techniques from the JSON of `coverage --list --json`. The server side has not fixed its
 * shape, so this accepts a list of ids or of objects with `id`/`name`/`rules`, a mapping from
 * id to such an object, or either of those under a `techniques` key.
 */
export function parseTechniqueList(json: unknown): TechniqueItem[] {
  const root = isRecord(json) && 'techniques' in json ? json.techniques : json;
  const entries: [unknown, string | undefined][] = Array.isArray(root)
    ? root.map((entry: unknown) => [entry, undefined])
    : isRecord(root)
      ? Object.entries(root).map(([key, entry]) => [entry, key])
      : [];

  const techniques = entries
    .map(([entry, key]) => techniqueFromEntry(entry, key))
    .filter((item): item is TechniqueItem => item !== undefined);
  return techniques.sort((a, b) => a.id.localeCompare(b.id));
}
