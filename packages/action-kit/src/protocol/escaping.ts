/**
 * The escaping of workflow commands, as actions/runner's ActionCommand.cs
 * undoes it (and @actions/core applies it). `%25` is undone last, so an
 * escaped `%0A` written as `%250A` comes back as the four characters `%0A`.
 */

type Mapping = readonly [token: string, escaped: string];

const DATA: readonly Mapping[] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25'],
];
const PROPERTY: readonly Mapping[] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25'],
];
/** The older `##[name k=v;k=v]data` form escapes `;` and `]` instead of `:` and `,`. */
const LEGACY: readonly Mapping[] = [
  [';', '%3B'],
  ['\r', '%0D'],
  ['\n', '%0A'],
  [']', '%5D'],
  ['%', '%25'],
];

const unescapeWith = (mappings: readonly Mapping[], text: string): string =>
  mappings.reduce((result, [token, escaped]) => result.split(escaped).join(token), text);
// Escaping runs the table backwards so `%` is escaped before the escapes that introduce it.
const escapeWith = (mappings: readonly Mapping[], text: string): string =>
  [...mappings].reverse().reduce((result, [token, escaped]) => result.split(token).join(escaped), text);

export const unescapeData = (text: string): string => unescapeWith(DATA, text);
export const unescapeProperty = (text: string): string => unescapeWith(PROPERTY, text);
export const unescapeLegacy = (text: string): string => unescapeWith(LEGACY, text);
export const escapeData = (text: string): string => escapeWith(DATA, text);
export const escapeProperty = (text: string): string => escapeWith(PROPERTY, text);

/** A `::name k=v,...::message` line with every part escaped: untrusted text cannot start another command. */
export function formatWorkflowCommand(
  name: string,
  properties: Record<string, string | number | undefined>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${name}${props === '' ? '' : ` ${props}`}::${escapeData(message)}`;
}
