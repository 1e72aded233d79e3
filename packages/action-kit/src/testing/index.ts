export { runAction, readActionManifest, inputVariable, parseFileCommand, parseWorkflowCommands } from './harness.js';
export type { ActionRun, Annotation, RunActionOptions, WorkflowCommand } from './harness.js';
export { freePort, parseEnvFile } from './local.js';
