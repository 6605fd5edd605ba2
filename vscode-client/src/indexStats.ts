/**
 * The index summary shown in the status bar, read from `rulescope index stats --json`:
 * rules and vendors in the index and how old it is. Pure: no `vscode` import.
 */

export interface VendorStats {
  readonly files: number;
  readonly rules: number;
}

export interface IndexStats {
  readonly vendors: ReadonlyMap<string, VendorStats>;
  readonly builtAt?: Date | undefined;
  readonly path?: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Read the stats JSON; `undefined` when it is not the documented shape. */
export function parseIndexStats(json: unknown): IndexStats | undefined {
  if (!isRecord(json) || !isRecord(json.vendors)) {
    return undefined;
  }

  const vendors = new Map<string, VendorStats>();
  for (const [vendor, stats] of Object.entries(json.vendors)) {
    if (isRecord(stats)) {
      vendors.set(vendor, { files: count(stats.files), rules: count(stats.rules) });
    }
  }

  const builtAt = typeof json.built_at === 'string' ? new Date(json.built_at) : undefined;
  const validBuiltAt = builtAt && !Number.isNaN(builtAt.getTime()) ? builtAt : undefined;
  const path = typeof json.path === 'string' ? json.path : undefined;
  return { vendors, builtAt: validBuiltAt, path };
}

export function totalRules(stats: IndexStats): number {
  let total = 0;
  for (const vendor of stats.vendors.values()) {
    total += vendor.rules;
  }
  return total;
}

/** A short age such as `40 s`, `12 min`, `3 h` or `9 d`. */
export function formatAge(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) {
    return `${seconds} s`;
  }

  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

/** Status bar text, e.g. `8,412 rules · 4 vendors · 3 h old`. */
export function summarizeStats(stats: IndexStats, now: Date): string {
  const rules = totalRules(stats).toLocaleString('en-US');
  const vendorCount = stats.vendors.size;
  const parts = [`${rules} rules`, `${vendorCount} ${vendorCount === 1 ? 'vendor' : 'vendors'}`];
  if (stats.builtAt) {
    parts.push(`${formatAge(now.getTime() - stats.builtAt.getTime())} old`);
  }
  return parts.join(' · ');
}

/** Tooltip lines: one per vendor, then the build time and the index file. */
export function describeStats(stats: IndexStats): string[] {
  const lines = [...stats.vendors.entries()].map(
    ([vendor, s]) => `${vendor}: ${s.rules.toLocaleString('en-US')} rules from ${s.files} files`,
  );
  if (stats.builtAt) {
    lines.push(`built ${stats.builtAt.toISOString()}`);
  }
  if (stats.path !== undefined) {
    lines.push(stats.path);
  }
  return lines;
}
