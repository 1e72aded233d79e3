/**
 * Validators for the individual fields of a check. Each reports its problems
 * through `problem` (which names the check and the field) and returns the
 * parsed value, or a fallback when the value is invalid.
 */
import { HEADER_VALUE_ACCEPTED, headerValueProblem, isHeaderName } from '../headers.js';
import { isRecord } from '../record.js';
import { parsePath, PathSyntaxError } from './jsonpath.js';
import {
  GRAPHQL_KEYS,
  MANAGED_HEADERS,
  METHODS,
  type GraphqlRequest,
  type JsonExpectation,
  type StatusMatcher,
} from './model.js';

export type Problem = (field: string, message: string) => void;

/** Describes a value's YAML kind for a problem message. */
export function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

/** The HTTP method: POST for a GraphQL check and GET otherwise unless set; a GraphQL check accepts only GET or POST. */
export function validateMethod(value: unknown, isGraphql: boolean, problem: Problem): string {
  let method = isGraphql ? 'POST' : 'GET';
  if (value !== undefined) {
    if (typeof value !== 'string' || !(METHODS as readonly string[]).includes(value.trim().toUpperCase()))
      problem('method', `must be one of ${METHODS.join(', ')}, got ${kind(value)}`);
    else method = value.trim().toUpperCase();
  }
  if (isGraphql && method !== 'GET' && method !== 'POST')
    problem('method', `must be POST (default) or GET for a GraphQL check, got ${method}`);
  return method;
}

export function validatePath(value: unknown, fallback: string, problem: Problem): string {
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

export function validateHeaders(value: unknown, problem: Problem): Record<string, string> {
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
    else {
      const wrong = headerValueProblem(String(v));
      if (wrong) problem('headers', `value of ${name} ${wrong}: ${HEADER_VALUE_ACCEPTED} are accepted`);
      else headers[name] = String(v);
    }
  }
  return headers;
}

/** Whether `headers` has `name` in any letter case. */
export function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  return Object.keys(headers).some((n) => n.toLowerCase() === name);
}

/**
 * The body to send, serialised: a string as is, a mapping or list as JSON
 * (adding `content-type: application/json` to `headers` unless one is set).
 */
export function validateBody(
  value: unknown,
  context: { isGraphql: boolean; method: string; headers: Record<string, string> },
  problem: Problem,
): string | undefined {
  if (value === undefined) return undefined;
  let body: string | undefined;
  if (context.isGraphql) problem('body', 'cannot be combined with graphql (the GraphQL request is the body)');
  else if (typeof value === 'string') body = value;
  else if (value !== null && typeof value === 'object') {
    body = JSON.stringify(value);
    if (!hasHeader(context.headers, 'content-type')) context.headers['content-type'] = 'application/json';
  } else problem('body', `must be a string or a mapping/list (sent as JSON), got ${kind(value)}`);
  if (body !== undefined && (context.method === 'GET' || context.method === 'HEAD'))
    problem('body', `cannot be sent with ${context.method}; set method: POST (or PUT, PATCH, DELETE)`);
  return body;
}

export function validateGraphql(value: unknown, problem: Problem): GraphqlRequest | undefined {
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

export function validateStatus(value: unknown, problem: Problem): StatusMatcher[] {
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

export function validateContains(value: unknown, problem: Problem): string[] {
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

export function validateJson(value: unknown, problem: Problem): JsonExpectation[] {
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

/** `allow-errors`: a boolean, and only for GraphQL checks (default false). */
export function validateAllowErrors(value: unknown, isGraphql: boolean, problem: Problem): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') problem('allow-errors', `must be true or false, got ${kind(value)}`);
  else if (!isGraphql) problem('allow-errors', 'only applies to GraphQL checks (with graphql:)');
  else return value;
  return false;
}

/** `load`: whether the load phase replays the check (default true). */
export function validateLoad(value: unknown, problem: Problem): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') {
    problem('load', `must be true or false, got ${kind(value)}`);
    return true;
  }
  return value;
}
