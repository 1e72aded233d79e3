/**
 * The `checks` format (a public interface: extend it, never rename a key).
 * A YAML list; every item is validated and every problem is reported at once,
 * each naming the check and the field.
 *
 * This module gathers the format's public surface for smoke-test: the model,
 * validation, status and URL are the kit's (`@pipeline/action-kit/checks`,
 * shared with deploy-k8s's canary analysis); reading the YAML (check-parsing)
 * and the error naming the input (check-model) are smoke-test's.
 */
export {
  CHECK_KEYS,
  MANAGED_HEADERS,
  METHODS,
  checkUrl,
  describeStatus,
  joinUrl,
  statusMatches,
  type Check,
  type GraphqlRequest,
  type JsonExpectation,
  type StatusMatcher,
} from '@pipeline/action-kit/checks';
export { ChecksError, defaultCheck } from './check-model.js';
export { parseChecks, quoteBracketKeys } from './check-parsing.js';
