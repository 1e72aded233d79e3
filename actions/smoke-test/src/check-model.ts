/**
 * smoke-test's side of the `checks` format (the model itself is the kit's,
 * `@pipeline/action-kit/checks`): the error naming the input, and the check
 * run when `checks` is empty.
 */
import { ActionError } from '@pipeline/action-kit';
import type { Check } from '@pipeline/action-kit/checks';

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
