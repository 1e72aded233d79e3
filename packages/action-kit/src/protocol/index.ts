/**
 * The GitHub runner's protocol around a JavaScript action step, in one place
 * for the test harness and the local pipeline runner: the step's environment,
 * INPUT_* variables, file commands, workflow commands and secret masking.
 * Each rule is taken from actions/runner's source; the files say where.
 */
export { escapeData, escapeProperty, formatWorkflowCommand, unescapeData, unescapeProperty } from './escaping.js';
export {
  CommandReader,
  RUNNER_COMMANDS,
  parseWorkflowCommand,
  parseWorkflowCommands,
  property,
  splitLines,
} from './workflow-commands.js';
export type { CommandEvent, WorkflowCommand } from './workflow-commands.js';
export {
  ANNOTATIONS_PER_LEVEL,
  ANNOTATION_MESSAGE_LIMIT,
  annotationFile,
  isAnnotationCommand,
  toAnnotation,
  validatePosition,
} from './annotations.js';
export type { Annotation, AnnotationLevel } from './annotations.js';
export {
  BLOCKED_ENV,
  STEP_SUMMARY_LIMIT,
  addToPath,
  createFileCommandFiles,
  parseFileCommand,
  parseFileCommandEntries,
  parsePathFile,
  prependedPath,
  readFileCommands,
} from './file-commands.js';
export type { FileCommandPaths, FileCommandResults } from './file-commands.js';
export { SecretMasker } from './secret-masker.js';
export { MIN_FRAGMENT_LENGTH, secretFragments } from './secret-fragments.js';
export { VALUE_ENCODERS } from './value-encoders.js';
export type { ValueEncoder } from './value-encoders.js';
export { inputEnv, inputVariable, interpolate, readActionManifest } from './action-inputs.js';
export type { ActionInputSpec, ActionManifest, DefaultEvaluator, InputEnvironment } from './action-inputs.js';
export { GITHUB_ENV_KEYS, githubEnv, runnerEnv, stepEnvironment } from './environment.js';
export type { GithubContext, RunnerContext, StepEnvironmentOptions } from './environment.js';
export { LineSplitter, StepOutput } from './step-output.js';
export type { StepOutputOptions } from './step-output.js';
