/**
 * The one parser for http(s) URL inputs. A URL may carry credentials
 * (`https://user:token@host/`): they are either refused or registered as
 * secrets, and every text this module produces shows them as `***`, so a
 * URL with credentials never reaches a log line, summary or error unmasked.
 */
import { InputError } from './errors.js';
import { hasControlCharacters } from './untrusted.js';
import { maskSecret } from './redaction.js';
import { redactUrlCredentials } from './url-credentials.js';

export { redactUrlCredentials };

export interface HttpUrlOptions {
  /** `reject` (default): a URL with user or password fails. `mask`: allowed, and the password (or a user name given alone, a token) is masked. */
  credentials?: 'reject' | 'mask';
  /** Why credentials are refused and where they go instead, for the error (with `credentials: 'reject'`). */
  credentialsHint?: string;
  /** The whole URL is secret (a webhook URL): errors show `***` instead of it. */
  secret?: boolean;
  /** What the error says is accepted. Default: "an absolute http:// or https:// URL". */
  accepted?: string;
}

const ACCEPTED = 'an absolute http:// or https:// URL';
/** The same for one value that is meant to be a URL: there a space does not end it (URL parsing encodes it). */
const VALUE_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\\]*@/i;

/** A URL for display: its href with any credentials shown as `***`. */
export function displayUrl(url: URL | string): string {
  if (typeof url === 'string') return redactUrlCredentials(url);
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '***';
  copy.password = '';
  return copy.href;
}

export function parseHttpUrl(name: string, raw: string, options: HttpUrlOptions = {}): URL {
  const value = raw.trim();
  const shown = options.secret ? '***' : value.replace(VALUE_USERINFO, '$1***@');
  const accepted = options.accepted ?? ACCEPTED;
  // URL parsing drops tabs and line breaks silently and keeps a bad % escape: both are refused here, by name.
  if (hasControlCharacters(value))
    throw new InputError(name, shown, `${accepted}, without line breaks or other control characters`);
  if (/%(?![0-9a-f]{2})/i.test(value))
    throw new InputError(
      name,
      shown,
      `${accepted} whose percent-encoding is correct (% followed by two hex digits; write a literal % as %25)`,
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(name, shown, accepted);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError(name, shown, accepted);
  if (url.username === '' && url.password === '') return url;
  if ((options.credentials ?? 'reject') === 'reject') {
    const hint = options.credentialsHint ? ` (${options.credentialsHint})` : '';
    throw new InputError(name, shown, `a URL without user:password${hint}`);
  }
  const decoded = decodeUrlPart(name, shown, credentialOf(url));
  for (const secret of [credentialOf(url), decoded]) maskSecret(secret);
  return url;
}

/** With a password, the password is the secret; `https://token@host` puts it in the user name. */
function credentialOf(url: URL): string {
  return url.password !== '' ? url.password : url.username;
}

/** The secret in a URL's credentials as it stands in the URL and decoded, for redact(); [] without credentials. */
export function urlSecrets(url: URL): string[] {
  const raw = credentialOf(url);
  if (raw === '') return [];
  try {
    return [...new Set([raw, decodeURIComponent(raw)])];
  } catch {
    return [raw];
  }
}

function decodeUrlPart(name: string, shown: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InputError(
      name,
      shown,
      'a URL whose user and password are percent-encoded correctly (% followed by two hex digits; write a literal % as %25)',
    );
  }
}
