/** The URL a check requests, joined to the base URL. */
import type { Check } from './model.js';

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
