/**
 * Typed parsers for action inputs. Each takes the input's name and raw string
 * (as core.getInput returns it) and either returns a typed value or throws an
 * InputError naming the input, the bad value and what is accepted.
 * They never read the environment themselves: each action's src/inputs.ts
 * reads every input once and passes the raw strings here.
 */
import { InputError } from './errors.js';

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0']);

export function parseBoolean(name: string, raw: string, fallback?: boolean): boolean {
  const value = raw.trim();
  if (value === '' && fallback !== undefined) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, raw, 'true or false');
}

export interface IntegerRange {
  min?: number;
  max?: number;
}

export function parseInteger(name: string, raw: string, range: IntegerRange = {}, fallback?: number): number {
  const value = raw.trim();
  if (value === '' && fallback !== undefined) return fallback;
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  const accepted = `a whole number${describeRange(min, max)}`;
  if (!/^[+-]?\d+$/.test(value)) throw new InputError(name, raw, accepted);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(name, raw, accepted);
  return n;
}

export function parseNumber(name: string, raw: string, range: IntegerRange = {}, fallback?: number): number {
  const value = raw.trim();
  if (value === '' && fallback !== undefined) return fallback;
  const { min = -Infinity, max = Infinity } = range;
  const accepted = `a number${describeRange(min, max)}`;
  const n = Number(value);
  if (value === '' || !Number.isFinite(n) || n < min || n > max) throw new InputError(name, raw, accepted);
  return n;
}

function describeRange(min: number, max: number): string {
  const hasMin = Number.isFinite(min) && min !== Number.MIN_SAFE_INTEGER;
  const hasMax = Number.isFinite(max) && max !== Number.MAX_SAFE_INTEGER;
  if (hasMin && hasMax) return ` from ${min} to ${max}`;
  if (hasMin) return ` of at least ${min}`;
  if (hasMax) return ` of at most ${max}`;
  return '';
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_ACCEPTED = 'a duration such as 500ms, 90s, 5m, 1h or 1m30s (a bare number means seconds)';

/** Parses `90s`, `5m`, `1h30m`, `250ms` or a bare number of seconds; returns milliseconds. */
export function parseDuration(
  name: string,
  raw: string,
  range: { minMs?: number; maxMs?: number } = {},
  fallbackMs?: number,
): number {
  const value = raw.trim().toLowerCase();
  if (value === '' && fallbackMs !== undefined) return fallbackMs;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
    ms = 0;
    let consumed = 0;
    for (let match = part.exec(value); match; match = part.exec(value)) {
      ms += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
      consumed = part.lastIndex;
    }
    if (consumed === 0 || consumed !== value.length) throw new InputError(name, raw, DURATION_ACCEPTED);
  }
  const { minMs = 0, maxMs = Number.MAX_SAFE_INTEGER } = range;
  if (ms < minMs || ms > maxMs) {
    throw new InputError(
      name,
      raw,
      `${DURATION_ACCEPTED}, between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`,
    );
  }
  return Math.round(ms);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

export function parseEnum<T extends string>(name: string, raw: string, allowed: readonly T[], fallback?: T): T {
  const value = raw.trim();
  if (value === '' && fallback !== undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(name, raw, `one of ${allowed.join(', ')}`);
}

/**
 * A list given one item per line or separated by commas (or both). Blank
 * entries and `#` comment lines are dropped; surrounding whitespace is trimmed.
 * Every list is valid, so the input name is unused; it is kept so that all
 * parsers share one signature.
 */
export function parseList(
  _name: string,
  raw: string,
  options: { separator?: 'newline' | 'comma-or-newline' } = {},
): string[] {
  const separator = options.separator ?? 'comma-or-newline';
  const lines = raw.split(/\r?\n/).filter((line) => !line.trim().startsWith('#'));
  const items = separator === 'newline' ? lines : lines.flatMap(splitTopLevelCommas);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** Splits on commas that are not inside `{...}`, so glob alternatives like `*.{ts,js}` stay whole. */
function splitTopLevelCommas(line: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '{') depth++;
    else if (char === '}' && depth > 0) depth--;
    else if (char === ',' && depth === 0) {
      parts.push(line.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(line.slice(start));
  return parts;
}

/** A list whose every item must come from `allowed`; duplicates are removed, order kept. */
export function parseEnumList<T extends string>(name: string, raw: string, allowed: readonly T[]): T[] {
  const result: T[] = [];
  for (const item of parseList(name, raw)) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new InputError(name, item, `a comma-separated list of ${allowed.join(', ')}`);
    }
    if (!result.includes(item as T)) result.push(item as T);
  }
  return result;
}

/**
 * `key=value` pairs, one per line (the first `=` splits; values may contain `=`).
 * Keys must be unique and non-empty.
 */
export function parseKeyValueMap(name: string, raw: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of raw.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    const key = eq > 0 ? trimmed.slice(0, eq).trim() : '';
    if (key === '') throw new InputError(name, trimmed, 'one key=value pair per line, with a non-empty key');
    if (map.has(key)) throw new InputError(name, trimmed, `each key once (key '${key}' appears twice)`);
    map.set(key, trimmed.slice(eq + 1).trim());
  }
  return map;
}

/** Throws when a required input is empty. */
export function requireValue(name: string, raw: string, accepted: string): string {
  if (raw.trim() === '') throw new InputError(name, raw, accepted);
  return raw;
}

/** Reads one input's raw string by its name (core.getInput on the runner, a table in tests). */
export type ReadInput = (name: string) => string;
