export { runAction, readActionManifest, inputVariable, parseFileCommand, parseWorkflowCommands } from './harness.js';
export type { ActionRun, Annotation, RunActionOptions, WorkflowCommand } from './harness.js';
export { simpleEvaluator } from './expressions.js';
export { requireOrSkip } from './prerequisites.js';
export type { Prerequisite } from './prerequisites.js';
export { freePort, parseEnvFile } from '../loopback.js';
export { inputReader, recordingReader } from './input-reader.js';
