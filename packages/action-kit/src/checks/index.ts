/**
 * `@pipeline/action-kit/checks`: the HTTP check format that smoke-test's
 * `checks` input and deploy-k8s's `canary-analysis` share (a public interface:
 * extend it, never rename a key). The model, the validation of a list (every
 * problem at once, naming the check and the field), the URL a check requests,
 * and the verdict on one answer. Pure; reading YAML and sending requests stay
 * with each action.
 */
export {
  CHECK_KEYS,
  GRAPHQL_KEYS,
  MANAGED_HEADERS,
  METHODS,
  type Check,
  type GraphqlRequest,
  type JsonExpectation,
  type StatusMatcher,
} from './model.js';
export { validateCheck, validateCheckList } from './validation.js';
export { kind } from './fields.js';
export { describeStatus, statusMatches } from './status.js';
export { checkUrl, joinUrl } from './url.js';
export { evaluatePath, formatPath, parsePath, PathSyntaxError, type Segment } from './jsonpath.js';
export {
  describeThreshold,
  meets,
  OPERATORS,
  parseThreshold,
  PROMQL_CHECK_KEYS,
  type Operator,
  type PromqlQuery,
  type Threshold,
} from './threshold.js';
export { EXCERPT_CHARS, evaluateResponse, graphqlErrors, type HttpResponse } from './evaluate.js';
export { jsonEqual, oneLine, showValue, truncate, typeHint } from './text.js';
