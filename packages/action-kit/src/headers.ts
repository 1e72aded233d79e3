/**
 * HTTP header names are RFC 9110 tokens: letters, digits and
 * !#$%&'*+-.^_`|~ ; no spaces, colons or other separators.
 */
import { hasControlCharacters } from './untrusted.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const HEADER_NAME_ACCEPTED = "a header name of letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)";

export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * The longest header value accepted. Servers refuse longer header lines (8 KiB
 * is a common limit, Node's whole header block is 16 KiB), and the refusal
 * (431, a reset) would look like the service failing rather than the input.
 */
export const MAX_HEADER_VALUE_CHARS = 8192;

/** What the header-value checks accept, for an InputError. */
export const HEADER_VALUE_ACCEPTED = `header values of printable ASCII on one line, at most ${MAX_HEADER_VALUE_CHARS} characters`;

/**
 * Why `value` cannot be sent as a header value, or undefined when it can.
 * fetch refuses a character past U+00FF as a TypeError ("Cannot convert
 * argument to a ByteString") and a line break outright; a lone CR would also
 * split a masked secret. So only printable ASCII (and tabs) is accepted.
 */
export function headerValueProblem(value: string): string | undefined {
  if (value.length > MAX_HEADER_VALUE_CHARS)
    return `is ${value.length} characters long (at most ${MAX_HEADER_VALUE_CHARS})`;
  if (hasControlCharacters(value)) return 'holds a line break or another control character';
  if (!/^[\t\x20-\x7e]*$/.test(value)) return 'holds a character outside printable ASCII';
  return undefined;
}
