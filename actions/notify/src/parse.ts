/**
 * Parsers for notify's own input formats (fields, mentions, message
 * timestamps). Pure functions: they take the input's name and raw
 * value and return typed values or throw an InputError naming the input.
 */
import { InputError, parseKeyValueMap, parseList } from '@pipeline/action-kit';

export const STATUSES = ['started', 'success', 'failure', 'cancelled', 'rolled-back'] as const;
export type Status = (typeof STATUSES)[number];

/** One shown fact: key and value exactly as given (values may span lines). */
export type Field = readonly [key: string, value: string];

const HEREDOC = /^\s*([^=<\s](?:[^=<]*[^=<\s])?)\s*<<\s*(\S+)\s*$/;

/**
 * `key=value` lines (through the kit's parseKeyValueMap, so the first `=`
 * splits, values are trimmed, `#` lines are comments), plus multi-line values
 * written like GITHUB_OUTPUT: `key<<EOF`, the lines kept verbatim, `EOF`.
 * Order is kept; a key may appear once.
 */
export function parseFields(name: string, raw: string): Field[] {
  const lines = raw.split(/\r?\n/);
  const fields: Field[] = [];
  const seen = new Set<string>();
  const add = (key: string, value: string, line: string): void => {
    if (seen.has(key)) throw new InputError(name, line, `each key once (key '${key}' appears twice)`);
    seen.add(key);
    fields.push([key, value]);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = HEREDOC.exec(line);
    if (heredoc && !line.trim().startsWith('#')) {
      const [, key, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if ((lines[i] as string).trim() === delimiter) {
          closed = true;
          break;
        }
        body.push(lines[i] as string);
      }
      if (!closed)
        throw new InputError(name, line.trim(), `a line '${delimiter}' that ends the multi-line value of '${key}'`);
      add(key, body.join('\n'), line.trim());
      continue;
    }
    for (const [key, value] of parseKeyValueMap(name, line)) add(key, value, line.trim());
  }
  return fields;
}

export type Mention =
  { kind: 'user'; id: string } | { kind: 'group'; id: string } | { kind: 'special'; name: 'here' | 'channel' };

const MENTION_ACCEPTED =
  'Slack user IDs (U0123ABCD or W0123ABCD), user group IDs (S0123ABCD), here or channel, separated by commas or new lines';

/** `U…`/`W…` users, `S…` user groups, `here`/`channel` (an optional leading @ or ! is accepted). */
export function parseMentions(name: string, raw: string): Mention[] {
  const mentions: Mention[] = [];
  const keys = new Set<string>();
  for (const item of parseList(name, raw)) {
    const bare = item.replace(/^[@!]/, '');
    let mention: Mention;
    if (bare === 'here' || bare === 'channel') mention = { kind: 'special', name: bare };
    else if (/^[UW][A-Z0-9]{2,}$/.test(bare)) mention = { kind: 'user', id: bare };
    else if (/^S[A-Z0-9]{2,}$/.test(bare)) mention = { kind: 'group', id: bare };
    else throw new InputError(name, item, MENTION_ACCEPTED);
    const key = mention.kind === 'special' ? mention.name : mention.id;
    if (!keys.has(key)) mentions.push(mention);
    keys.add(key);
  }
  return mentions;
}

/** A Slack message timestamp such as 1712345678.123456, or undefined when empty. */
export function parseMessageTs(name: string, raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (!/^\d{1,12}\.\d{1,9}$/.test(value)) {
    throw new InputError(
      name,
      raw,
      'a Slack message ts such as 1712345678.123456 (the ts output of the step that posted)',
    );
  }
  return value;
}
