/**
 * The `checks` format (a public interface: extend it, never rename a key).
 * A YAML list; every item is validated and every problem is reported at once,
 * each naming the check and the field.
 */
import { parseDocument } from 'yaml';
import { ActionError, isHeaderName, isRecord } from '@pipeline/action-kit';
import { parsePath, PathSyntaxError, type Segment } from './jsonpath.js';

export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface JsonExpectation {
  path: string;
  segments: Segment[];
  expected: unknown;
}

/** An expected status: an exact code or a class such as `2xx`. */
export type StatusMatcher = { code: number } | { class: number };

export interface Check {
  name: string;
  method: string;
  /** As written (joined to `url` later); `/graphql` by default for GraphQL checks, `` (the base URL itself) otherwise. */
  path: string;
  headers: Readonly<Record<string, string>>;
  /** The body to send, already serialised. */
  body?: string;
  status: readonly StatusMatcher[];
  contains: readonly string[];
  json: readonly JsonExpectation[];
  graphql?: GraphqlRequest;
  allowErrors: boolean;
  /** Whether the load phase replays this check's request (default true). */
  load: boolean;
}

export const CHECK_KEYS = [
  'name',
  'method',
  'path',
  'headers',
  'body',
  'status',
  'contains',
  'json',
  'graphql',
  'allow-errors',
  'load',
] as const;
const GRAPHQL_KEYS = ['query', 'variables', 'operationName'] as const;
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** Headers the HTTP client manages itself (connection handling and framing): setting them would break keep-alive or the body. */
export const MANAGED_HEADERS = [
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
] as const;

export class ChecksError extends ActionError {
  override readonly name = 'ChecksError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Input 'checks' (${source}) is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

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
  if (!Array.isArray(data))
    throw new ChecksError(source, [
      `expected a YAML list of checks (items starting with "- name: ..."), got ${kind(data)}`,
    ]);
  const problems: string[] = [];
  const checks: Check[] = [];
  const seen = new Map<string, number>();
  data.forEach((item: unknown, index: number) => {
    const check = validateCheck(item, index, problems);
    if (!check) return;
    const first = seen.get(check.name);
    if (first !== undefined)
      problems.push(`checks[${index}] ("${check.name}"): name must be unique; checks[${first}] has the same name`);
    else seen.set(check.name, index);
    checks.push(check);
  });
  if (problems.length > 0) throw new ChecksError(source, problems);
  return checks;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

function validateCheck(item: unknown, index: number, problems: string[]): Check | undefined {
  if (!isRecord(item)) {
    problems.push(`checks[${index}]: each check must be a mapping with at least a name, got ${kind(item)}`);
    return undefined;
  }
  const rawName = item['name'];
  const named = typeof rawName === 'string' && rawName.trim() !== '';
  const label = named ? `checks[${index}] ("${rawName.trim()}")` : `checks[${index}]`;
  const before = problems.length;
  const problem = (field: string, message: string): void => {
    problems.push(`${label}: field '${field}' ${message}`);
  };
  if (!named)
    problem(
      'name',
      rawName === undefined
        ? 'is required (a unique, non-empty string)'
        : `must be a non-empty string, got ${kind(rawName)}`,
    );

  for (const key of Object.keys(item)) {
    if (!(CHECK_KEYS as readonly string[]).includes(key))
      problems.push(`${label}: unknown field '${key}'; accepted fields: ${CHECK_KEYS.join(', ')}`);
  }

  const graphql = validateGraphql(item['graphql'], problem);
  const isGraphql = item['graphql'] !== undefined;

  let method = isGraphql ? 'POST' : 'GET';
  if (item['method'] !== undefined) {
    const m = item['method'];
    if (typeof m !== 'string' || !(METHODS as readonly string[]).includes(m.trim().toUpperCase()))
      problem('method', `must be one of ${METHODS.join(', ')}, got ${kind(m)}`);
    else method = m.trim().toUpperCase();
  }
  if (isGraphql && method !== 'GET' && method !== 'POST')
    problem('method', `must be POST (default) or GET for a GraphQL check, got ${method}`);

  const path = validatePath(item['path'], isGraphql ? '/graphql' : '', problem);
  const headers = validateHeaders(item['headers'], problem);

  let body: string | undefined;
  if (item['body'] !== undefined) {
    const b = item['body'];
    if (isGraphql) problem('body', 'cannot be combined with graphql (the GraphQL request is the body)');
    else if (typeof b === 'string') body = b;
    else if (b !== null && typeof b === 'object') {
      body = JSON.stringify(b);
      if (!Object.keys(headers).some((n) => n.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    } else problem('body', `must be a string or a mapping/list (sent as JSON), got ${kind(b)}`);
    if (body !== undefined && (method === 'GET' || method === 'HEAD'))
      problem('body', `cannot be sent with ${method}; set method: POST (or PUT, PATCH, DELETE)`);
  }

  const status = validateStatus(item['status'], problem);
  const contains = validateContains(item['contains'], problem);
  const json = validateJson(item['json'], problem);

  let allowErrors = false;
  if (item['allow-errors'] !== undefined) {
    if (typeof item['allow-errors'] !== 'boolean')
      problem('allow-errors', `must be true or false, got ${kind(item['allow-errors'])}`);
    else if (!isGraphql) problem('allow-errors', 'only applies to GraphQL checks (with graphql:)');
    else allowErrors = item['allow-errors'];
  }
  let load = true;
  if (item['load'] !== undefined) {
    if (typeof item['load'] !== 'boolean') problem('load', `must be true or false, got ${kind(item['load'])}`);
    else load = item['load'];
  }

  if (problems.length > before || !named) return undefined;
  if (graphql) {
    if (method === 'POST') {
      body = JSON.stringify(graphql);
      if (!Object.keys(headers).some((n) => n.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    if (!Object.keys(headers).some((n) => n.toLowerCase() === 'accept')) headers['accept'] = 'application/json';
  }
  const check: Check = { name: rawName.trim(), method, path, headers, status, contains, json, allowErrors, load };
  if (body !== undefined) check.body = body;
  if (graphql) check.graphql = graphql;
  return check;
}

type Problem = (field: string, message: string) => void;

function validatePath(value: unknown, fallback: string, problem: Problem): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') problem('path', `must be a string such as /health/ready, got ${kind(value)}`);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(value.trim()) || value.trim().startsWith('//'))
    problem(
      'path',
      `must be a path joined to 'url' (such as /health/ready), not an absolute URL: ${JSON.stringify(value)} (headers could be sent to another host)`,
    );
  else if (/\s/.test(value.trim()))
    problem('path', `must not contain spaces (percent-encode them): ${JSON.stringify(value)}`);
  else return value.trim();
  return fallback;
}

function validateHeaders(value: unknown, problem: Problem): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined) return headers;
  if (!isRecord(value)) {
    problem('headers', `must be a mapping of header names to values, got ${kind(value)}`);
    return headers;
  }
  for (const [name, v] of Object.entries(value)) {
    if (!isHeaderName(name)) problem('headers', `has an invalid header name ${JSON.stringify(name)}`);
    else if ((MANAGED_HEADERS as readonly string[]).includes(name.toLowerCase()))
      problem('headers', `cannot set ${name}: the HTTP client manages ${MANAGED_HEADERS.join(', ')}`);
    else if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      problem('headers', `value of ${name} must be a string, got ${kind(v)}`);
    else if (/[\r\n\0]/.test(String(v))) problem('headers', `value of ${name} must not contain line breaks`);
    else headers[name] = String(v);
  }
  return headers;
}

function validateGraphql(value: unknown, problem: Problem): GraphqlRequest | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    problem('graphql', `must be a mapping with query (and optionally variables, operationName), got ${kind(value)}`);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!(GRAPHQL_KEYS as readonly string[]).includes(key)) {
      problem('graphql', `has an unknown key '${key}'; accepted keys: ${GRAPHQL_KEYS.join(', ')}`);
      ok = false;
    }
  }
  const query = value['query'];
  if (typeof query !== 'string' || query.trim() === '') {
    problem(
      'graphql.query',
      `is required (a GraphQL document such as "{ books(first: 1) { id } }"), got ${kind(query)}`,
    );
    ok = false;
  }
  const variables = value['variables'];
  if (variables !== undefined && !isRecord(variables)) {
    problem('graphql.variables', `must be a mapping of variable names to values, got ${kind(variables)}`);
    ok = false;
  }
  const operationName = value['operationName'];
  if (operationName !== undefined && (typeof operationName !== 'string' || operationName.trim() === '')) {
    problem('graphql.operationName', `must be a non-empty string, got ${kind(operationName)}`);
    ok = false;
  }
  if (!ok) return undefined;
  const request: GraphqlRequest = { query: query as string };
  if (variables !== undefined) request.variables = variables as Record<string, unknown>;
  if (operationName !== undefined) request.operationName = operationName as string;
  return request;
}

function validateStatus(value: unknown, problem: Problem): StatusMatcher[] {
  if (value === undefined) return [{ code: 200 }];
  const items = Array.isArray(value) ? value : [value];
  const accepted = 'an HTTP status code (100-599), a class such as 2xx, or a list of them';
  if (items.length === 0) {
    problem('status', `must be ${accepted}, got an empty list`);
    return [];
  }
  const matchers: StatusMatcher[] = [];
  for (const item of items) {
    if (typeof item === 'number' && Number.isInteger(item) && item >= 100 && item <= 599) matchers.push({ code: item });
    else if (typeof item === 'string' && /^\d{3}$/.test(item.trim()) && Number(item) >= 100 && Number(item) <= 599)
      matchers.push({ code: Number(item) });
    else if (typeof item === 'string' && /^[1-5]xx$/i.test(item.trim()))
      matchers.push({ class: Number(item.trim()[0]) });
    else problem('status', `must be ${accepted}, got ${kind(item)}`);
  }
  return matchers;
}

function validateContains(value: unknown, problem: Problem): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const result: string[] = [];
  for (const item of items) {
    if (typeof item === 'string' && item !== '') result.push(item);
    else if (typeof item === 'number' || typeof item === 'boolean') result.push(String(item));
    else problem('contains', `must be a non-empty string (or a list of them) to find in the body, got ${kind(item)}`);
  }
  return result;
}

function validateJson(value: unknown, problem: Problem): JsonExpectation[] {
  if (value === undefined) return [];
  if (!isRecord(value)) {
    problem(
      'json',
      `must be a mapping from a JSON path (such as data.books[0].id) to the expected value, got ${kind(value)}`,
    );
    return [];
  }
  const result: JsonExpectation[] = [];
  for (const [path, expected] of Object.entries(value)) {
    try {
      result.push({ path, segments: parsePath(path), expected });
    } catch (error: unknown) {
      if (!(error instanceof PathSyntaxError)) throw error;
      problem('json', `has an invalid path ${JSON.stringify(path)}: ${error.message}`);
    }
  }
  return result;
}

export function statusMatches(matchers: readonly StatusMatcher[], status: number): boolean {
  return matchers.some((m) => ('code' in m ? m.code === status : Math.floor(status / 100) === m.class));
}

export function describeStatus(matchers: readonly StatusMatcher[]): string {
  const parts = matchers.map((m) => ('code' in m ? String(m.code) : `${m.class}xx`));
  return parts.length === 1 ? (parts[0] as string) : `one of ${parts.join(', ')}`;
}

/** The check run when `checks` is empty: GET the base URL, expect 200. */
export function defaultCheck(): Check {
  return {
    name: 'GET url',
    method: 'GET',
    path: '',
    headers: {},
    status: [{ code: 200 }],
    contains: [],
    json: [],
    allowErrors: false,
    load: true,
  };
}

/** Joins a check path to the base URL, keeping the base URL's own path prefix and query. */
export function joinUrl(base: URL, path: string): URL {
  if (path === '') return new URL(base.href);
  const url = new URL(base.href);
  const [pathPart, query] = splitQuery(path);
  const prefix = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  const suffix = pathPart === '' ? '' : pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  url.pathname = `${prefix}${suffix}` || '/';
  if (query !== undefined) url.search = query;
  url.hash = '';
  return url;
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf('?');
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q + 1)];
}

/** The URL a check requests: for a GraphQL GET, the query travels in the query string. */
export function checkUrl(base: URL, check: Check): URL {
  const url = joinUrl(base, check.path);
  if (check.graphql && check.method === 'GET') {
    url.searchParams.set('query', check.graphql.query);
    if (check.graphql.variables) url.searchParams.set('variables', JSON.stringify(check.graphql.variables));
    if (check.graphql.operationName) url.searchParams.set('operationName', check.graphql.operationName);
  }
  return url;
}
