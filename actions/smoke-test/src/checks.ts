/**
 * The `checks` format (a public interface: extend it, never rename a key).
 * A YAML list; every item is validated and every problem is reported at once,
 * each naming the check and the field.
 *
 * This module gathers the format's public surface; the code lives in
 * check-model (types, keys, errors), check-parsing (YAML), check-validation
 * and check-fields (one check and its fields), check-status and check-url.
 */
export {
  CHECK_KEYS,
  ChecksError,
  defaultCheck,
  MANAGED_HEADERS,
  METHODS,
  type Check,
  type GraphqlRequest,
  type JsonExpectation,
  type StatusMatcher,
} from './check-model.js';
export { parseChecks, quoteBracketKeys } from './check-parsing.js';
export { describeStatus, statusMatches } from './check-status.js';
export { checkUrl, joinUrl } from './check-url.js';
