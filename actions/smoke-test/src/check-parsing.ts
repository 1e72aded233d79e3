/**
 * Parsing the YAML text of `checks`: a YAML list; every item is validated and
 * every problem is reported at once, each naming the check and the field.
 */
import { parseDocument } from 'yaml';
import { kind, validateCheckList, type Check } from '@pipeline/action-kit/checks';
import { ChecksError } from './check-model.js';

/**
 * The issue's own example writes `json: { data.books[0].id: "1" }`, which is
 * not valid YAML (`[` and `]` are syntax inside `{ }`). On a `json:` line
 * whose whole value is one flow mapping, quote the keys that contain a
 * bracket. Used only as a second try when the text does not parse as written;
 * returns the line numbers it changed.
 */
export function quoteBracketKeys(text: string): { text: string; lines: number[] } {
  const lines: number[] = [];
  const out = text.split('\n').map((line, i) => {
    const m = /^(\s*(?:-\s+)?json:\s*)(\{.*\})(\s*(?:#.*)?\r?)$/.exec(line);
    if (!m) return line;
    const fixed = (m[2] as string).replace(/([{,]\s*)([^\s"'{}[\],:#][^\s"'{},:]*\[[^\s"'{},:]*)(\s*:)/g, '$1"$2"$3');
    if (fixed === m[2]) return line;
    lines.push(i + 1);
    return `${m[1]}${fixed}${m[3]}`;
  });
  return { text: out.join('\n'), lines };
}

const kindOnly = (value: unknown): string => kind(value).replace(/ \(.*\)$/s, '');

const YAML_OPTIONS = { prettyErrors: true, uniqueKeys: true } as const;

/**
 * Parses the YAML text of `checks`. `source` names where it came from
 * (`inline` or the file path); `notices` receives what was tolerated.
 */
export function parseChecks(text: string, source: string, notices: string[] = []): Check[] {
  let document = parseDocument(text, YAML_OPTIONS);
  if (document.errors.length > 0) {
    const repaired = quoteBracketKeys(text);
    const second = repaired.lines.length > 0 ? parseDocument(repaired.text, YAML_OPTIONS) : undefined;
    if (second && second.errors.length === 0) {
      notices.push(
        `checks (${source}): quoted the JSON path key(s) with [ ] inside json: { ... } on line(s) ${repaired.lines.join(', ')}; YAML itself needs them quoted, e.g. json: { "data.books[0].id": "1" }`,
      );
      document = second;
    }
  }
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => error.message.split('\n')[0] ?? error.message);
    if (document.errors.some((e) => /flow map|flow collection|between flow/i.test(e.message))) {
      problems.push(
        'hint: inside { } a JSON path with brackets must be quoted, e.g. json: { "data.books[0].id": "1" }; or write it without brackets (data.books.0.id), or use block style (one "path: value" per line)',
      );
    }
    throw new ChecksError(source, problems);
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) return [];
  // Of a file, only the kind is named: a checks path pointing at a secret (an env file) must not print it.
  if (!Array.isArray(data))
    throw new ChecksError(source, [
      `expected a YAML list of checks (items starting with "- name: ..."), got ${source === 'inline' ? kind(data) : kindOnly(data)}${source === 'inline' ? '' : ' (the file is not shown)'}`,
    ]);
  const problems: string[] = [];
  const checks = validateCheckList(data, problems);
  if (problems.length > 0) throw new ChecksError(source, problems);
  return checks;
}
