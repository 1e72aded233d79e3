/**
 * The `checks` format's model (a public interface: extend it, never rename a
 * key): the parsed check and the accepted keys. smoke-test's `checks` input and
 * deploy-k8s's `canary-analysis` checks are this one format.
 */
import type { Segment } from './jsonpath.js';
import type { PromqlQuery } from './threshold.js';

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
