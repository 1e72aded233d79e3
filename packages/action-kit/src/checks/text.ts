/** Small text helpers for failure messages: safe truncation and value rendering. */
import { redact } from '../redaction.js';

/**
 * Cuts `text` to at most `max` characters without splitting a surrogate pair,
 * replaces control characters (other than newline and tab) so a hostile body
 * cannot inject workflow commands or terminal escapes, and says how much was cut.
 * The masked secrets (header values) are redacted first: a service echoing one
 * past the cut would otherwise leave its first half unmasked.
 */
export function truncate(text: string, max: number): string {
  let clean = '';
  for (const c of redact(text)) {
    const code = c.charCodeAt(0);
    clean +=
      (code < 0x20 && c !== '\n' && c !== '\t') || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  const points = Array.from(clean);
  if (points.length <= max) return clean;
  const cut = Math.max(0, max);
  return `${points.slice(0, cut).join('')}... (${points.length - cut} more characters)`;
}

/** One line for a log or table: newlines and runs of spaces collapse, `::` at a line start cannot become a workflow command. */
export function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), max);
}

/** Renders a JSON-ish value with its type, e.g. `"1" (string)`, `1 (number)`, `null`. */
export function showValue(value: unknown, max = 200): string {
  if (value === undefined) return '(nothing)';
  if (value === null) return 'null';
  const json = JSON.stringify(value);
  const type = Array.isArray(value) ? 'array' : typeof value;
  return `${truncate(json, max)} (${type})`;
}

/**
 * Type-aware deep equality over JSON values: `"1"` and `1` differ, key order
 * in objects does not matter, array order does.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(bo, key) && jsonEqual(ao[key], bo[key]));
}

/** A hint when the values would be equal but for their type ("1" vs 1, "true" vs true). */
export function typeHint(expected: unknown, actual: unknown): string {
  const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (scalar(expected) && scalar(actual) && typeof expected !== typeof actual && String(expected) === String(actual)) {
    return ` (same text, different type: ${typeof expected === 'string' ? 'unquote' : 'quote'} the expected value in checks to compare as ${typeof actual})`;
  }
  return '';
}
