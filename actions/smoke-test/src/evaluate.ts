/**
 * What a request that got no answer failed with (the verdict on an answer is
 * the kit's evaluateResponse, `@pipeline/action-kit/checks`).
 */
import { oneLine } from '@pipeline/action-kit/checks';

/** A failure for a request that got no response at all. */
export function transportFailure(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's DOMException and errors from another realm are not `instanceof Error` everywhere.
  if (isErrorLike(error)) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `request: no response within ${timeoutMs} ms (request-timeout)`;
    const cause = isErrorLike(error.cause) ? error.cause : undefined;
    const code = typeof cause?.code === 'string' || typeof cause?.code === 'number' ? String(cause.code) : undefined;
    const detail = cause ? `${code ? `${code}: ` : ''}${cause.message}` : error.message;
    return `request: no response (${oneLine(detail, 300)})`;
  }
  return `request: no response (${oneLine(String(error), 300)})`;
}

interface ErrorLike {
  name: string;
  message: string;
  code?: unknown;
  cause?: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as ErrorLike).name === 'string' &&
    typeof (value as ErrorLike).message === 'string'
  );
}
