/**
 * The runner protocol pieces the runner takes from the kit, in one place:
 * INPUT_* naming, file-command and workflow-command parsing. They still come
 * from the kit's testing entry until its protocol entry exists.
 */
export { inputVariable, parseFileCommand, parseWorkflowCommands } from '@pipeline/action-kit/testing';
export type { Annotation, WorkflowCommand } from '@pipeline/action-kit/testing';
