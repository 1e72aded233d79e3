/** `scheme://userinfo@`: userinfo runs to the last `@` before the path, as WHATWG URL parsing has it. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s]*@/gi;

/** `text` with the user:password part of every URL in it replaced by `***`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@');
}
