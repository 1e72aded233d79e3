/**
 * Planted secrets and the oracle that finds them again. The forms are
 * computed here independently of the kit's masker (an oracle that shared the
 * code under test could not fail): plain, base64 at each of the 3 byte
 * offsets it can have inside a longer base64 text, base64url, URL-encoded,
 * JSON-escaped, and each piece of a value split by CR or LF.
 */

/** Pieces shorter than this are not searched for: they would match by chance. */
export const MIN_FORM_LENGTH = 8;

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * The part of base64(prefix + secret) that depends only on the secret, for a
 * prefix of `offset` bytes: the 4-character groups that hold no prefix byte and
 * no byte after the secret.
 */
export function base64Core(secret: string, offset: 0 | 1 | 2, url = false): string {
  const bytes = Buffer.concat([Buffer.alloc(offset, 0x41), utf8(secret)]);
  const encoded = bytes.toString(url ? 'base64url' : 'base64');
  const start = offset === 0 ? 0 : 4;
  const end = Math.floor(bytes.length / 3) * 4;
  return encoded.slice(start, end);
}

function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function urlEncoded(text: string): string[] {
  try {
    const component = encodeURIComponent(text);
    // Lower-case hex and `+` for spaces are as common as the canonical form.
    return [component, component.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), component.replace(/%20/g, '+')];
  } catch {
    return [];
  }
}

export interface SecretForm {
  /** plain, base64@0, base64url@1, url, json, line-piece... */
  encoding: string;
  text: string;
}

/** Every form of `secret` that must never be seen. */
export function secretForms(secret: string): SecretForm[] {
  const forms: SecretForm[] = [{ encoding: 'plain', text: secret }];
  for (const offset of [0, 1, 2] as const) {
    forms.push({ encoding: `base64@${offset}`, text: base64Core(secret, offset) });
    forms.push({ encoding: `base64url@${offset}`, text: base64Core(secret, offset, true) });
  }
  for (const text of urlEncoded(secret)) forms.push({ encoding: 'url-encoded', text });
  forms.push({ encoding: 'json-escaped', text: jsonEscaped(secret) });
  const pieces = secret.split(/\r\n|\r|\n/);
  if (pieces.length > 1) {
    for (const piece of pieces) {
      forms.push({ encoding: 'line-piece', text: piece });
      forms.push({ encoding: 'line-piece-base64', text: base64Core(piece, 0) });
    }
  }
  const seen = new Set<string>();
  return forms.filter((form) => {
    if (form.text.length < MIN_FORM_LENGTH || seen.has(form.text)) return false;
    seen.add(form.text);
    return true;
  });
}

export interface Leak {
  /** Where: stdout, summary, output <name>, file <path>. */
  channel: string;
  /** Which planted secret (its label, never its value). */
  secret: string;
  encoding: string;
  /** Text around the finding with the secret form replaced by <SECRET>, for the report. */
  context: string;
}

export interface PlantedSecret {
  label: string;
  value: string;
}

/** Every planted secret, in every form, found in `text`. */
export function findLeaks(channel: string, text: string, secrets: readonly PlantedSecret[]): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    for (const form of secretForms(secret.value)) {
      const at = text.indexOf(form.text);
      if (at < 0) continue;
      const context = text
        .slice(Math.max(0, at - 60), at + form.text.length + 60)
        .replace(form.text, '<SECRET>')
        .replace(/[\r\n]/g, (c) => (c === '\r' ? '\\r' : '\\n'));
      leaks.push({ channel, secret: secret.label, encoding: form.encoding, context });
      break; // one finding per secret and channel is enough
    }
  }
  return leaks;
}
