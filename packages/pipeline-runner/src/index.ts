export { runPipeline, findCaller, parseCallRef, resolveInputs, remoteActionSkip, hashFiles } from './runner.js';
export type { RunOptions, RunReport, JobReport, StepReport, Result, Status } from './runner.js';
export { loadWorkflow, orderJobs, ancestors, rawJob, rawStep, get, literal, WorkflowError } from './workflow.js';
export type { ParsedWorkflow } from './workflow.js';
export {
  evaluateExpression,
  evaluateCondition,
  evaluateToken,
  evaluateStringMap,
  stringValue,
  truthy,
} from './expressions.js';
export { toMarkdown, toHtml, writeReport, markdownToHtml } from './report.js';
