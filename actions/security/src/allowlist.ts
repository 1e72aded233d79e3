/**
 * The allow-list: accepted findings with a reason and an expiry date.
 *
 *   - id: GHSA-29mw-wpgm-hmr9        # advisory id, CVE, GHSA, npm:<number>, Snyk id or rule id
 *     package: lodash                # optional: only this package
 *     reason: trim() never sees user input here
 *     expires: 2026-12-31            # the last day the entry applies (UTC)
 *
 * The file is a YAML list, or a mapping with an `allowlist:` list. An expired
 * entry stops applying (its findings count again) and is reported.
 */
import { ActionError } from '@pipeline/action-kit';
import type { Finding } from './model.js';
import { allIds } from './model.js';

export interface AllowlistEntry {
  id: string;
  package?: string;
  reason: string;
  /** YYYY-MM-DD, inclusive. */
  expires: string;
}

export interface AllowedFinding {
  finding: Finding;
  entry: AllowlistEntry;
}

export interface ExpiredEntry {
  entry: AllowlistEntry;
  /** Findings it would have covered (they count again). */
  matched: number;
}

export interface AllowlistResult {
  /** Findings not covered by a current entry: these are gated and counted. */
  active: Finding[];
  allowed: AllowedFinding[];
  expired: ExpiredEntry[];
  /** Current entries that matched nothing (stale entries worth removing). */
  unused: AllowlistEntry[];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Validates a parsed YAML document; `file` names the file in error messages. */
export function validateAllowlist(document: unknown, file: string): AllowlistEntry[] {
  const fail = (message: string): never => {
    throw new ActionError(`Allow-list ${file}: ${message}`);
  };
  if (document === null || document === undefined) return [];
  let items: unknown = document;
  if (typeof document === 'object' && !Array.isArray(document)) {
    const keys = Object.keys(document);
    if (keys.length !== 1 || keys[0] !== 'allowlist')
      fail('expected a list of entries (or a mapping with one key, allowlist:, holding that list)');
    items = (document as { allowlist: unknown }).allowlist ?? [];
  }
  if (!Array.isArray(items)) fail('expected a list of entries with id, package, reason and expires');
  const allowed = new Set(['id', 'package', 'reason', 'expires']);
  return (items as unknown[]).map((item, index) => {
    const where = `entry ${index + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      return fail(`${where} is not a mapping of id, package, reason and expires`);
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record))
      if (!allowed.has(key)) fail(`${where} has an unknown field '${key}' (accepted: id, package, reason, expires)`);
    const id = record['id'];
    if (typeof id !== 'string' || id.trim() === '')
      return fail(`${where} needs an id (an advisory id such as GHSA-xxxx-xxxx-xxxx, a CVE, or a rule id)`);
    const label = `${where} (${id})`;
    const reason = record['reason'];
    if (typeof reason !== 'string' || reason.trim() === '')
      return fail(`${label} needs a reason: say why the finding is accepted`);
    const pkg = record['package'];
    if (pkg !== undefined && pkg !== null && (typeof pkg !== 'string' || pkg.trim() === ''))
      return fail(`${label} has a package that is not a name`);
    const expires = record['expires'];
    if (expires === undefined || expires === null || expires === '')
      return fail(`${label} needs an expiry date: expires: YYYY-MM-DD (the last day it applies)`);
    const text =
      expires instanceof Date
        ? expires.toISOString().slice(0, 10)
        : typeof expires === 'string'
          ? expires.trim()
          : JSON.stringify(expires);
    if ((typeof expires !== 'string' && !(expires instanceof Date)) || !isIsoDate(text)) {
      return fail(
        `${label} has a malformed expiry date ${JSON.stringify(typeof expires === 'number' ? String(expires) : text)}: write it as YYYY-MM-DD, for example 2026-12-31`,
      );
    }
    return {
      id: id.trim(),
      ...(typeof pkg === 'string' ? { package: pkg.trim() } : {}),
      reason: reason.trim(),
      expires: text,
    };
  });
}

/** Parses the allow-list YAML text (YAML is loaded only when an allow-list is given). */
export async function parseAllowlist(text: string, file: string): Promise<AllowlistEntry[]> {
  const { parse } = await import('yaml');
  let document: unknown;
  try {
    document = parse(text);
  } catch (error: unknown) {
    throw new ActionError(
      `Allow-list ${file} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  return validateAllowlist(document, file);
}

export function entryMatches(entry: AllowlistEntry, finding: Finding): boolean {
  if (!allIds(finding).includes(entry.id.toLowerCase())) return false;
  return entry.package === undefined || entry.package.toLowerCase() === (finding.package ?? '').toLowerCase();
}

/** Splits findings into active and allowed; `today` is YYYY-MM-DD (UTC). */
export function applyAllowlist(
  findings: readonly Finding[],
  entries: readonly AllowlistEntry[],
  today: string,
): AllowlistResult {
  const current = entries.filter((entry) => entry.expires >= today);
  const expiredEntries = entries.filter((entry) => entry.expires < today);
  const active: Finding[] = [];
  const allowed: AllowedFinding[] = [];
  const used = new Set<AllowlistEntry>();
  for (const finding of findings) {
    const entry = current.find((candidate) => entryMatches(candidate, finding));
    if (entry) {
      allowed.push({ finding, entry });
      used.add(entry);
    } else {
      active.push(finding);
    }
  }
  return {
    active,
    allowed,
    expired: expiredEntries.map((entry) => ({
      entry,
      matched: findings.filter((finding) => entryMatches(entry, finding)).length,
    })),
    unused: current.filter((entry) => !used.has(entry)),
  };
}
