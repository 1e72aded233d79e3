/**
 * Validating a `checks` list (already parsed from YAML) into `Check`s: every
 * problem is collected (naming the check and the field) rather than stopping
 * at the first.
 */
import { isRecord } from '../record.js';
import { CHECK_KEYS, type Check, type GraphqlRequest } from './model.js';
import {
  hasHeader,
  kind,
  validateAllowErrors,
  validateBody,
  validateContains,
  validateGraphql,
  validateHeaders,
  validateJson,
  validateLoad,
  validateMethod,
  validatePath,
  validateStatus,
  type Problem,
} from './fields.js';
import { validatePromql } from './threshold.js';

/**
 * Validates every item of a `checks` list, appending to `problems` (each names
 * the check and the field); a name used twice is a problem too.
 */
export function validateCheckList(items: readonly unknown[], problems: string[]): Check[] {
  const checks: Check[] = [];
  const seen = new Map<string, number>();
  items.forEach((item: unknown, index: number) => {
    const check = validateCheck(item, index, problems);
    if (!check) return;
    const first = seen.get(check.name);
    if (first !== undefined)
      problems.push(`checks[${index}] ("${check.name}"): name must be unique; checks[${first}] has the same name`);
    else seen.set(check.name, index);
    checks.push(check);
  });
  return checks;
}

/** Validates `checks[index]`, appending to `problems`; undefined when the item has any problem. */
export function validateCheck(item: unknown, index: number, problems: string[]): Check | undefined {
  if (!isRecord(item)) {
    problems.push(`checks[${index}]: each check must be a mapping with at least a name, got ${kind(item)}`);
    return undefined;
  }
  const rawName = item['name'];
  const name = typeof rawName === 'string' && rawName.trim() !== '' ? rawName.trim() : undefined;
  const label = name !== undefined ? `checks[${index}] ("${name}")` : `checks[${index}]`;
  const before = problems.length;
  const problem: Problem = (field, message) => {
    problems.push(`${label}: field '${field}' ${message}`);
  };
  if (name === undefined) problem('name', nameProblem(rawName));
  if (item['promql'] !== undefined || item['threshold'] !== undefined)
    return promqlCheck(item, name, problem, problems.length > before);
  for (const key of unknownKeys(item))
    problems.push(`${label}: unknown field '${key}'; accepted fields: ${CHECK_KEYS.join(', ')}`);

  const graphql = validateGraphql(item['graphql'], problem);
  const isGraphql = item['graphql'] !== undefined;
  const method = validateMethod(item['method'], isGraphql, problem);
  const path = validatePath(item['path'], isGraphql ? '/graphql' : '', problem);
  const headers = validateHeaders(item['headers'], problem);
  let body = validateBody(item['body'], { isGraphql, method, headers }, problem);
  const status = validateStatus(item['status'], problem);
  const contains = validateContains(item['contains'], problem);
  const json = validateJson(item['json'], problem);
  const allowErrors = validateAllowErrors(item['allow-errors'], isGraphql, problem);
  const load = validateLoad(item['load'], problem);

  if (problems.length > before || name === undefined) return undefined;
  if (graphql) body = prepareGraphqlRequest(graphql, method, headers) ?? body;
  const check: Check = { name, method, path, headers, status, contains, json, allowErrors, load };
  if (body !== undefined) check.body = body;
  if (graphql) check.graphql = graphql;
  return check;
}

/** A promql check: its own fields only; never replayed by the load phase. */
function promqlCheck(
  item: Record<string, unknown>,
  name: string | undefined,
  problem: Problem,
  hadProblems: boolean,
): Check | undefined {
  const promql = validatePromql(item, problem);
  const headers = validateHeaders(item['headers'], problem);
  if (hadProblems || name === undefined || !promql) return undefined;
  return {
    name,
    method: 'GET',
    path: '',
    headers,
    status: [],
    contains: [],
    json: [],
    allowErrors: false,
    load: false,
    promql,
  };
}

function nameProblem(rawName: unknown): string {
  return rawName === undefined
    ? 'is required (a unique, non-empty string)'
    : `must be a non-empty string, got ${kind(rawName)}`;
}

function unknownKeys(item: Record<string, unknown>): string[] {
  return Object.keys(item).filter((key) => !(CHECK_KEYS as readonly string[]).includes(key));
}

/**
 * Sets the headers a GraphQL request needs (`accept`, and `content-type` for a
 * POST, unless set) and returns the POST body (undefined for a GET, whose
 * query travels in the URL).
 */
function prepareGraphqlRequest(
  graphql: GraphqlRequest,
  method: string,
  headers: Record<string, string>,
): string | undefined {
  let body: string | undefined;
  if (method === 'POST') {
    body = JSON.stringify(graphql);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  if (!hasHeader(headers, 'accept')) headers['accept'] = 'application/json';
  return body;
}
