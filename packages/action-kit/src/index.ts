export { ActionError, InputError, describeError, quoteValue, QUOTE_MAX_CHARS } from './errors.js';
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
export type { IntegerRange, ReadInput } from './inputs.js';
export {
  maskSecret,
  redact,
  redactJson,
  registeredSecrets,
  secretFragments,
  EXTRA_ENCODERS,
  REDACTION_ENCODERS,
} from './redaction.js';
export { setOutput, writeJsonFile, writeTextFile } from './outputs.js';
export type { WriteOptions } from './outputs.js';
export { printable, printableLines, isInert, infoUntrusted, hasControlCharacters } from './untrusted.js';
export { parsePath, parseGlob, isInside, MAX_PATH_CHARS, OUTSIDE_WORKSPACE_INPUT } from './paths.js';
export type { PathOptions } from './paths.js';
export { execArgs, ExecTimeoutError, KILL_GRACE_MS } from './exec.js';
export type { Exec, ExecOptions, ExecResult } from './exec.js';
export { retry, backoffDelay, sleep, RetryBudgetError } from './retry.js';
export type { RetryOptions } from './retry.js';
export { cell, markdownTable, mermaid, writeSummary } from './summary.js';
export { run, phase } from './run.js';
export type { RunDependencies } from './run.js';
export { isRecord } from './record.js';
export { parseHttpUrl, displayUrl, redactUrlCredentials, urlSecrets } from './url.js';
export type { HttpUrlOptions } from './url.js';
export { plural } from './plural.js';
export { tail, redactedExcerpt, TAIL_LINES, TAIL_MAX_CHARS } from './tail.js';
export type { TailOptions } from './tail.js';
export { writeAnnotations, ANNOTATION_CAP } from './annotations.js';
export type { AnnotationItem, AnnotationLevel, AnnotationOptions, AnnotationSink } from './annotations.js';
export { mapLimit } from './map-limit.js';
export {
  isHeaderName,
  HEADER_NAME_ACCEPTED,
  headerValueProblem,
  HEADER_VALUE_ACCEPTED,
  MAX_HEADER_VALUE_CHARS,
} from './headers.js';
export { runContext } from './context.js';
export type { RunContext, RunEnv } from './context.js';
export { freePort, parseEnvFile } from './loopback.js';
