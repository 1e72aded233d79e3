/**
 * HTTP checks in smoke-test's `checks` format (the same keys and meaning;
 * re-used by format, not by import, since no action imports another): the
 * parsed check, its validation, and the verdict on one answer. Pure.
 * `promql` checks are not run here: the analysis's `metrics` are the
 * place for Prometheus queries, so a smoke-test list's promql checks are
 * left out (the pipeline passes the service's smoke checks as they are).
 */
import { isRecord } from '@pipeline/action-kit';
import { str } from '../records.js';

export type StatusMatcher = { code: number } | { class: number };

export interface HttpCheck {
  name: string;
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  status: readonly StatusMatcher[];
  contains: readonly string[];
  json: readonly { path: string; expected: unknown }[];
  graphql: boolean;
  allowErrors: boolean;
  /** Replayed by the load of each step (default true). */
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
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const describe = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'a list'
      : typeof value === 'object'
        ? 'a mapping'
        : JSON.stringify(value);

function parseStatus(value: unknown, problem: (m: string) => void): StatusMatcher[] {
  if (value === undefined) return [{ code: 200 }];
  const items = Array.isArray(value) ? value : [value];
  const result: StatusMatcher[] = [];
  for (const item of items) {
    const text = String(item).trim().toLowerCase();
    if (/^[1-5]xx$/.test(text)) result.push({ class: Number(text[0]) });
    else if (/^[1-5]\d\d$/.test(text)) result.push({ code: Number(text) });
    else problem(`field 'status' must be a code (200), a class (2xx) or a list of them, got ${describe(item)}`);
  }
  return result;
}

function stringMap(value: unknown, field: string, problem: (m: string) => void): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problem(`field '${field}' must be a mapping, got ${describe(value)}`);
    return {};
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function parseGraphql(item: Record<string, unknown>, problem: (m: string) => void): string | undefined {
  const graphql = item['graphql'];
  if (!isRecord(graphql) || typeof graphql['query'] !== 'string' || graphql['query'].trim() === '') {
    problem("field 'graphql' must be a mapping with a non-empty 'query'");
    return undefined;
  }
  const body: Record<string, unknown> = { query: graphql['query'] };
  if (graphql['variables'] !== undefined) body['variables'] = graphql['variables'];
  if (graphql['operationName'] !== undefined) body['operationName'] = graphql['operationName'];
  return JSON.stringify(body);
}

function parseBody(item: Record<string, unknown>, method: string, problem: (m: string) => void): string | undefined {
  const body = item['body'];
  if (body === undefined) return undefined;
  if (method === 'GET' || method === 'HEAD') problem(`field 'body' is not allowed with ${method}`);
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** One item of the list into a check, or problems naming the check and the field. */
export function parseCheck(item: unknown, index: number, problems: string[]): HttpCheck | undefined {
  if (!isRecord(item)) {
    problems.push(`checks[${index}]: each check must be a mapping with at least a name, got ${describe(item)}`);
    return undefined;
  }
  const name = typeof item['name'] === 'string' ? item['name'].trim() : '';
  const label = name ? `checks[${index}] ("${name}")` : `checks[${index}]`;
  const before = problems.length;
  const problem = (message: string): void => void problems.push(`${label}: ${message}`);
  if (!name) problem("field 'name' is required (a non-empty string)");
  for (const key of Object.keys(item))
    if (!(CHECK_KEYS as readonly string[]).includes(key))
      problem(`unknown field '${key}'; accepted fields: ${CHECK_KEYS.join(', ')}`);
  const graphql = item['graphql'] !== undefined;
  const method = (str(item['method']) || (graphql ? 'POST' : 'GET')).toUpperCase();
  if (!METHODS.includes(method))
    problem(`field 'method' must be one of ${METHODS.join(', ')}, got ${describe(item['method'])}`);
  const rawPath = str(item['path']) || (graphql ? '/graphql' : '/');
  // smoke-test joins paths to its URL; here they go to the pod: '' is its root, 'x' is '/x'.
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(rawPath))
    problem(`field 'path' must be a path, not an absolute URL, got ${JSON.stringify(rawPath)}`);
  const headers = stringMap(item['headers'], 'headers', problem);
  const body = graphql ? parseGraphql(item, problem) : parseBody(item, method, problem);
  if (
    body !== undefined &&
    !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type') &&
    (graphql || typeof item['body'] !== 'string')
  )
    headers['content-type'] = 'application/json';
  const status = parseStatus(item['status'], problem);
  const rawContains = item['contains'];
  const contains =
    rawContains === undefined ? [] : (Array.isArray(rawContains) ? rawContains : [rawContains]).map(String);
  const json = Object.entries(stringMap(item['json'], 'json', problem)).map(([p]) => ({
    path: p,
    expected: isRecord(item['json']) ? item['json'][p] : undefined,
  }));
  const allowErrors = item['allow-errors'] === true;
  const load = item['load'] !== false;
  if (problems.length > before) return undefined;
  return {
    name,
    method,
    path,
    headers,
    ...(body !== undefined ? { body } : {}),
    status,
    contains,
    json,
    graphql,
    allowErrors,
    load,
  };
}

/** The list (already YAML-parsed) into checks; problems are collected, not thrown. */
export function parseCheckList(value: unknown, problems: string[]): HttpCheck[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`'checks' must be a list of checks in smoke-test's format, got ${describe(value)}`);
    return [];
  }
  const checks: HttpCheck[] = [];
  value.forEach((item: unknown, index) => {
    // smoke-test's promql checks ask Prometheus, not the pods: the analysis's query metrics do that here.
    if (isRecord(item) && item['promql'] !== undefined) return;
    const check = parseCheck(item, index, problems);
    if (!check) return;
    if (checks.some((c) => c.name === check.name))
      problems.push(`checks[${index}] ("${check.name}"): name must be unique`);
    checks.push(check);
  });
  return checks;
}

/** The value at a JSON path such as `data.books[0].id` (or `data.books.0.id`). */
export function valueAt(data: unknown, path: string): unknown {
  let current = data;
  for (const segment of path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isRecord(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function statusMatches(status: number, matchers: readonly StatusMatcher[]): boolean {
  return matchers.some((m) => ('code' in m ? m.code === status : Math.floor(status / 100) === m.class));
}

/** Why an answer fails the check, or undefined when it passes. */
export function checkAnswer(check: HttpCheck, status: number, body: string): string | undefined {
  if (!statusMatches(status, check.status))
    return `status ${status}, expected ${check.status.map((m) => ('code' in m ? m.code : `${m.class}xx`)).join(' or ')}`;
  for (const text of check.contains)
    if (!body.includes(text)) return `the body does not contain ${JSON.stringify(text)}`;
  if (check.json.length === 0 && !check.graphql) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  if (check.graphql && !check.allowErrors && Array.isArray(valueAt(data, 'errors')))
    return 'the GraphQL answer has errors';
  for (const { path, expected } of check.json) {
    const actual = valueAt(data, path);
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      return `${path} is ${JSON.stringify(actual) ?? 'missing'}, expected ${JSON.stringify(expected)}`;
  }
  return undefined;
}
