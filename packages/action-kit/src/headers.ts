/**
 * HTTP header names are RFC 9110 tokens: letters, digits and
 * !#$%&'*+-.^_`|~ ; no spaces, colons or other separators.
 */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const HEADER_NAME_ACCEPTED = "a header name of letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)";

export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}
