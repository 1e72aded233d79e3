/**
 * The analysis's HTTP checks: smoke-test's `checks` format, validated and
 * judged by the kit's model (`@pipeline/action-kit/checks`), so a check list
 * means, and is refused with, the same words in both actions. What is this
 * action's: checks go to a pod (a relative path is rooted at the pod), and
 * `promql` checks are not run here: the analysis's `metrics` are the place for
 * Prometheus queries, so a smoke-test list's promql checks are left out (the
 * pipeline passes the service's smoke checks as they are).
 */
import { checkUrl, evaluateResponse, kind, validateCheckList, type Check } from '@pipeline/action-kit/checks';

export type HttpCheck = Check;

/** The list (already YAML-parsed) into checks; problems are collected, not thrown. */
export function parseCheckList(value: unknown, problems: string[]): HttpCheck[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`'checks' must be a list of checks in smoke-test's format, got ${kind(value)}`);
    return [];
  }
  return validateCheckList(value, problems)
    .filter((check) => check.promql === undefined)
    .map((check) => ({ ...check, path: check.path.startsWith('/') ? check.path : `/${check.path}` }));
}

/** The path and query a check requests on the pod (a GraphQL GET carries its query in the URL). */
export function requestPath(check: HttpCheck): string {
  const url = checkUrl(new URL('http://pod/'), check);
  return `${url.pathname}${url.search}`;
}

/** Why an answer fails the check (its first failure), or undefined when it passes. */
export function checkAnswer(check: HttpCheck, status: number, body: string): string | undefined {
  return evaluateResponse(check, { status, headers: {}, body, bodyTruncated: false, durationMs: 0 })[0];
}
