/**
 * A small JSON path evaluator for check expectations such as
 * `data.books[0].id`. Accepted syntax (documented in the README):
 *
 *   data.books[0].id        dot names and bracketed indexes
 *   data.books.0.id         a numeric dot segment indexes an array (handy inside YAML `{ }`)
 *   data.books[-1].id       a negative index counts from the end
 *   data["odd.key"]['x y']  quoted names for keys with dots, spaces or brackets
 *   $.data.books[0]         an optional leading `$` (JSONPath style)
 *
 * There are no wildcards, filters or script expressions: a path names exactly
 * one value, so a failed expectation can say exactly where it stopped.
 */
import { plural } from '../plural.js';

export type Segment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'name-or-index'; key: string; index: number };

export class PathSyntaxError extends Error {
  override readonly name = 'PathSyntaxError';
}

const NAME = /[^.[\]\s"']/;

export function parsePath(path: string): Segment[] {
  const text = path.trim();
  if (text === '') throw new PathSyntaxError('the path is empty');
  const segments: Segment[] = [];
  let i = 0;
  if (text[0] === '$') {
    i = 1;
    if (i < text.length && text[i] !== '.' && text[i] !== '[')
      throw new PathSyntaxError(`unexpected ${JSON.stringify(text[i])} after '$' at position ${i}`);
    if (text[i] === '.') i++;
    if (i >= text.length) return segments;
  }
  let expectName = true; // at the start or after a dot, a name must follow
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '[') {
      const close = findClose(text, i);
      segments.push(parseBracket(text.slice(i + 1, close), i));
      i = close + 1;
      expectName = false;
      continue;
    }
    if (ch === '.') {
      if (expectName) throw new PathSyntaxError(`empty name at position ${i}`);
      i++;
      expectName = true;
      if (i >= text.length) throw new PathSyntaxError('the path ends with a dot');
      continue;
    }
    if (!expectName) throw new PathSyntaxError(`expected '.' or '[' at position ${i}, found ${JSON.stringify(ch)}`);
    let end = i;
    while (end < text.length && NAME.test(text[end] as string)) end++;
    if (end === i) throw new PathSyntaxError(`unexpected ${JSON.stringify(ch)} at position ${i}`);
    const name = text.slice(i, end);
    segments.push(
      /^\d+$/.test(name) ? { kind: 'name-or-index', key: name, index: Number(name) } : { kind: 'key', key: name },
    );
    i = end;
    expectName = false;
  }
  return segments;
}

function findClose(text: string, open: number): number {
  const quote = text[open + 1];
  if (quote === '"' || quote === "'") {
    for (let j = open + 2; j < text.length; j++) {
      if (text[j] === '\\') {
        j++;
        continue;
      }
      if (text[j] === quote) {
        if (text[j + 1] !== ']') throw new PathSyntaxError(`expected ']' after the quoted name at position ${j + 1}`);
        return j + 1;
      }
    }
    throw new PathSyntaxError(`unterminated quoted name starting at position ${open + 1}`);
  }
  const close = text.indexOf(']', open);
  if (close < 0) throw new PathSyntaxError(`missing ']' for the '[' at position ${open}`);
  return close;
}

function parseBracket(inner: string, position: number): Segment {
  const trimmed = inner.trim();
  if (/^-?\d+$/.test(trimmed)) return { kind: 'index', index: Number(trimmed) };
  const quote = trimmed[0];
  if ((quote === '"' || quote === "'") && trimmed.endsWith(quote) && trimmed.length >= 2) {
    const body = trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
    return { kind: 'key', key: body };
  }
  throw new PathSyntaxError(
    `[${inner}] at position ${position} is neither an index like [0] nor a quoted name like ["key"]`,
  );
}

export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (segment.kind === 'index') out += `[${segment.index}]`;
    else if (segment.kind === 'name-or-index') out += `${out === '' ? '' : '.'}${segment.key}`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment.key)) out += `${out === '' ? '' : '.'}${segment.key}`;
    else out += `[${JSON.stringify(segment.key)}]`;
  }
  return out === '' ? '$' : out;
}

export type PathResult = { found: true; value: unknown } | { found: false; at: string; reason: string };

/** Follows `segments` into `root`; when a step fails, says where and why. */
export function evaluatePath(root: unknown, segments: readonly Segment[]): PathResult {
  let current: unknown = root;
  for (let n = 0; n < segments.length; n++) {
    const segment = segments[n] as Segment;
    const at = formatPath(segments.slice(0, n));
    if (Array.isArray(current)) {
      if (segment.kind === 'key')
        return {
          found: false,
          at,
          reason: `${at} is an array (${current.length} items), not an object with key ${JSON.stringify(segment.key)}`,
        };
      const index = segment.index < 0 ? current.length + segment.index : segment.index;
      if (index < 0 || index >= current.length) {
        return {
          found: false,
          at,
          reason: `${at} has ${plural(current.length, 'item')}, so index ${segment.index} does not exist`,
        };
      }
      current = current[index];
      continue;
    }
    if (current !== null && typeof current === 'object') {
      if (segment.kind === 'index')
        return { found: false, at, reason: `${at} is an object, not an array (index ${segment.index})` };
      if (!Object.prototype.hasOwnProperty.call(current, segment.key)) {
        const keys = Object.keys(current);
        const shown = keys
          .slice(0, 10)
          .map((k) => JSON.stringify(k))
          .join(', ');
        return {
          found: false,
          at,
          reason: `${at} has no key ${JSON.stringify(segment.key)} (keys: ${keys.length === 0 ? 'none' : shown}${keys.length > 10 ? ', ...' : ''})`,
        };
      }
      current = (current as Record<string, unknown>)[segment.key];
      continue;
    }
    return {
      found: false,
      at,
      reason: `${at} is ${describeType(current)}, so it has no ${segment.kind === 'index' ? `index ${segment.index}` : `key ${JSON.stringify(segment.key)}`}`,
    };
  }
  return { found: true, value: current };
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
