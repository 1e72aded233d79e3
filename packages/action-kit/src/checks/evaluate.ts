/**
 * Judges one response against one check. Pure: every failure says what was
 * expected and what came back (status, JSON path and actual value, GraphQL
 * error messages), with body excerpts truncated.
 */
import { isRecord } from '../record.js';
import type { Check } from './model.js';
import { describeStatus, statusMatches } from './status.js';
import { evaluatePath } from './jsonpath.js';
import { jsonEqual, oneLine, showValue, typeHint } from './text.js';

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** True when the body was longer than the client reads and was cut. */
  bodyTruncated: boolean;
  durationMs: number;
}

export const EXCERPT_CHARS = 300;
const MESSAGE_CHARS = 500;

/** Returns the failures of `response` for `check` (an empty list means it passed). */
export function evaluateResponse(check: Check, response: HttpResponse): string[] {
  const failures: string[] = [];
  const excerpt = (): string =>
    response.body === '' ? '(empty body)' : `body: ${oneLine(response.body, EXCERPT_CHARS)}`;

  if (!statusMatches(check.status, response.status)) {
    failures.push(`status: expected ${describeStatus(check.status)}, got ${response.status}; ${excerpt()}`);
  }
  for (const needle of check.contains) {
    if (!response.body.includes(needle)) {
      const cut = response.bodyTruncated ? ' (the body was cut at the read limit)' : '';
      failures.push(
        `contains: expected the body to contain ${JSON.stringify(oneLine(needle, 100))}${cut}; ${excerpt()}`,
      );
    }
  }

  const needsJson = check.json.length > 0 || check.graphql !== undefined;
  if (!needsJson) return failures;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    const why = response.bodyTruncated ? 'the body was cut at the read limit' : 'the body is not JSON';
    failures.push(
      `json: expected a JSON body (${why}; content-type: ${response.headers['content-type'] ?? 'none'}); ${excerpt()}`,
    );
    return failures;
  }

  if (check.graphql && !check.allowErrors) {
    const messages = graphqlErrors(parsed);
    if (messages.length > 0) {
      const shown = messages.slice(0, 5).map((m) => oneLine(m, 200));
      const more = messages.length > 5 ? ` and ${messages.length - 5} more` : '';
      failures.push(`graphql: expected no errors, got ${messages.length}: ${shown.join(' | ')}${more}`);
    } else if (!isRecord(parsed) || !('data' in parsed)) {
      failures.push(`graphql: expected a response with "data", got ${showValue(parsed, 200)}`);
    }
  }

  for (const expectation of check.json) {
    const result = evaluatePath(parsed, expectation.segments);
    if (!result.found) {
      failures.push(
        `json ${expectation.path}: expected ${showValue(expectation.expected)}, but the path does not exist: ${result.reason}`,
      );
    } else if (!jsonEqual(result.value, expectation.expected)) {
      failures.push(
        `json ${expectation.path}: expected ${showValue(expectation.expected)}, got ${showValue(result.value)}${typeHint(expectation.expected, result.value)}`,
      );
    }
  }
  return failures.map((f) => (f.length > MESSAGE_CHARS ? oneLine(f, MESSAGE_CHARS) : f));
}

/** The messages of a GraphQL response's `errors` entries (a non-list `errors` counts as one). */
export function graphqlErrors(parsed: unknown): string[] {
  if (!isRecord(parsed) || !('errors' in parsed) || parsed['errors'] === null || parsed['errors'] === undefined)
    return [];
  const errors = parsed['errors'];
  if (!Array.isArray(errors)) return [`errors is not a list: ${JSON.stringify(errors)}`];
  return errors.map((error: unknown) => {
    if (isRecord(error) && typeof error['message'] === 'string') {
      const path = Array.isArray(error['path']) ? ` (at ${error['path'].map(String).join('.')})` : '';
      return `${error['message']}${path}`;
    }
    return JSON.stringify(error);
  });
}
