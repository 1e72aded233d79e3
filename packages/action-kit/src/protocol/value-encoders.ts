/**
 * The other spellings of a secret the runner masks too: the value encoders
 * actions/runner registers in HostContext.cs (implemented in
 * src/Sdk/DTLogging/Logging/ValueEncoders.cs), in the same order. An encoder
 * that yields '' adds nothing.
 */

export type ValueEncoder = (value: string) => string;

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const utf8 = (value: string): Buffer => Buffer.from(value, 'utf8');

/**
 * base64 of the value with its first `shift` bytes dropped: inside a longer
 * base64 text (`base64("user:" + secret)`) the secret's encoding depends on
 * its byte offset modulo 3. A value not longer than `shift` is encoded whole.
 */
function base64Shifted(value: string, shift: number): string {
  const bytes = utf8(value);
  return base64(bytes.length > shift ? bytes.subarray(shift) : bytes);
}

// Newtonsoft's JsonConvert.ToString escapes what JSON.stringify does and also U+0085, U+2028, U+2029.
function jsonEscape(value: string): string {
  return JSON.stringify(value)
    .slice(1, -1)
    .replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// .NET Uri.EscapeDataString keeps only RFC 3986 unreserved characters; encodeURIComponent also keeps !'()*.
function uriDataEscape(value: string): string {
  try {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return ''; // a lone surrogate: nothing sensible to register
  }
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '&': '&amp;' };

/** PowerShell colours parts of an erroring command split at `&` (or after `&+` and one more character). */
function ampersandSection(value: string, part: 'before' | 'after'): string {
  if (!value.includes('&')) return '';
  const plus = value.indexOf('&+');
  let section: string;
  if (part === 'before') section = plus >= 0 ? value.slice(0, plus + 2) : value.slice(0, value.lastIndexOf('&') + 1);
  else if (plus >= 0) section = value.length > plus + 3 ? value.slice(plus + 3) : '';
  else section = value.slice(value.lastIndexOf('&') + 1);
  return section.length >= 6 ? section : '';
}

export const VALUE_ENCODERS: readonly ValueEncoder[] = [
  (v) => base64(utf8(v)),
  (v) => base64Shifted(v, 1),
  (v) => base64Shifted(v, 2),
  (v) => v.replaceAll('"', '\\"'), // command-line argument escape
  (v) => v.replaceAll("'", "''"), // expression string literal
  jsonEscape,
  uriDataEscape,
  (v) => v.replace(/[<>"'&]/g, (c) => XML_ENTITIES[c] ?? c),
  (v) => (v.length > 8 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : ''),
  (v) => ampersandSection(v, 'before'),
  (v) => ampersandSection(v, 'after'),
];
