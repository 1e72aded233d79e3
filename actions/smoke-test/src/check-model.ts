/**
 * The `checks` format's model (a public interface: extend it, never rename a key):
 * the parsed check, the accepted keys, and the error that lists every problem.
 */
import { ActionError } from '@pipeline/action-kit';
import type { Segment } from './jsonpath.js';
import type { PromqlQuery } from './promql.js';

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
  /** A promql check: the query sent to `prometheus-url` and the threshold its samples must meet. */
  promql?: PromqlQuery;
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
  'promql',
  'threshold',
] as const;
export const GRAPHQL_KEYS = ['query', 'variables', 'operationName'] as const;
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
