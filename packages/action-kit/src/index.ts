export { ActionError, InputError, describeError } from './errors.js';
export {
  parseBoolean,
  parseInteger,
  parseNumber,
  parseDuration,
  formatDuration,
  parseEnum,
  parseList,
  parseEnumList,
  parseKeyValueMap,
  requireValue,
} from './inputs.js';
export type { IntegerRange } from './inputs.js';
export { maskSecret, redact, secretFragments } from './secrets.js';
export { execArgs } from './exec.js';
export type { Exec, ExecOptions, ExecResult } from './exec.js';
export { retry, backoffDelay, sleep } from './retry.js';
export type { RetryOptions } from './retry.js';
export { cell, markdownTable, mermaid, writeSummary } from './summary.js';
export { run, phase } from './run.js';
export type { RunDependencies } from './run.js';
