/**
 * The one redaction for everything an action writes: the log (through the
 * runner's masks), the job summary, outputs, annotations, the failure message
 * and every file (SARIF, JSON reports). maskSecret registers a value with the
 * runner (`::add-mask::`) and in this process's registry; redact replaces
 * every registered value, and each spelling of it, with `***`.
 *
 * Spellings are the runner's own (protocol/value-encoders.ts: base64 at three
 * byte offsets, JSON, URI-data, XML...) plus what a server or scanner echoing a
 * secret also produces and the runner does not mask: base64url, base64 of the
 * secret inside a longer base64 text (only the groups the secret fills, since
 * the last group depends on what follows), form encoding, ASCII-only JSON and
 * a Markdown table cell. Multi-line values are also masked piece by piece,
 * split at CR, LF or CRLF (secret-fragments.ts), so a lone CR cannot hide one.
 * The extra spellings are registered with the runner too, so the log is
 * masked the same way.
 */
import * as core from '@actions/core';
import { cell } from './cell.js';
import { SecretMasker } from './protocol/secret-masker.js';
import { secretFragments } from './protocol/secret-fragments.js';
import { VALUE_ENCODERS, type ValueEncoder } from './protocol/value-encoders.js';
import { redactUrlCredentials } from './url-credentials.js';

export { secretFragments };

const shifted = (value: string, shift: number): Buffer => {
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length > shift ? bytes.subarray(shift) : bytes;
};

/** The complete 3-byte groups of the value from byte `shift` on: what any base64 text containing it at that alignment holds. */
function base64Groups(shift: number, alphabet: 'base64' | 'base64url'): ValueEncoder {
  return (value) => {
    const bytes = Buffer.from(value, 'utf8').subarray(shift);
    const whole = bytes.length - (bytes.length % 3);
    return whole < 3 ? '' : bytes.subarray(0, whole).toString(alphabet);
  };
}

const asciiJson = (value: string): string =>
  JSON.stringify(value)
    .slice(1, -1)
    .replace(/[^\u0020-\u007e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const formEncoded = (value: string): string => {
  try {
    return new URLSearchParams({ v: value }).toString().slice(2);
  } catch {
    return '';
  }
};

/** The spellings this kit masks on top of the runner's. */
export const EXTRA_ENCODERS: readonly ValueEncoder[] = [
  (v) => shifted(v, 0).toString('base64url'),
  (v) => shifted(v, 1).toString('base64url'),
  (v) => shifted(v, 2).toString('base64url'),
  ...[0, 1, 2].flatMap((shift) => [base64Groups(shift, 'base64'), base64Groups(shift, 'base64url')]),
  formEncoded,
  asciiJson,
  (v) => cell(v),
];

export const REDACTION_ENCODERS: readonly ValueEncoder[] = [...VALUE_ENCODERS, ...EXTRA_ENCODERS];

const registered: string[] = [];
let registry: SecretMasker | undefined;

/** Every spelling of `value` and of its fragments that the runner would not mask by itself. */
function extraSpellings(value: string): string[] {
  const spellings = new Set<string>();
  for (const part of [value, ...secretFragments(value)])
    for (const encode of EXTRA_ENCODERS) {
      const encoded = encode(part);
      if (encoded !== '' && encoded !== part) spellings.add(encoded);
    }
  return [...spellings];
}

/** Registers a secret: masked in the log by the runner and redacted from everything redact() sees. Empty values are ignored. */
export function maskSecret(value: string | undefined): void {
  if (!value || value.trim() === '') return;
  core.setSecret(value);
  for (const fragment of secretFragments(value)) core.setSecret(fragment);
  for (const spelling of extraSpellings(value)) core.setSecret(spelling);
  registered.push(value);
  registry = undefined;
}

/** The values maskSecret registered in this process (for tests and for checks on what an action wrote). */
export function registeredSecrets(): readonly string[] {
  return [...registered];
}

/**
 * `text` with every registered secret, each given in `secrets`, and the user:password part
 * of every URL replaced by `***`, in all the spellings above.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  const extra = [...secrets].filter((s): s is string => s !== undefined && s.trim() !== '');
  const masker =
    extra.length === 0
      ? (registry ??= new SecretMasker(registered, REDACTION_ENCODERS))
      : new SecretMasker([...registered, ...extra], REDACTION_ENCODERS);
  return redactUrlCredentials(masker.mask(text));
}

/** A JSON value with every string in it (keys too) redacted: for reports and SARIF, which stay valid JSON. */
export function redactJson<T>(value: T, secrets: Iterable<string | undefined> = []): T {
  const list = [...secrets];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redact(node, list);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[redact(key, list)] = walk(child);
      return out;
    }
    return node;
  };
  return walk(value) as T;
}
