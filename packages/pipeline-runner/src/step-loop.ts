/**
 * The step loop of one job: each step's `if:`, its environment, execution
 * (by the executor it is given), continue-on-error, the `steps` context, the
 * file commands carried to later steps, and post steps in reverse order.
 */
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { hashFiles } from './environment.js';
import type { ProcessResult } from './exec.js';
import { evaluateCondition, evaluateStringMap, evaluateToken, stringValue } from './expressions.js';
import type { EvalContext, Json } from './expressions.js';
import type { StepReport } from './report-types.js';
import type { JobRun, PostStep, StepExecution, StepExecutor } from './run-state.js';
import {
  carryFileCommands,
  conclusionOf,
  processOutcome,
  stepStatusFunctions,
  withImplicitSuccess,
} from './step-rules.js';
import type { CarriedEnv, StepRecord } from './step-rules.js';
import { get, literal } from './workflow.js';
import type { Step } from './workflow.js';

export interface StepsOutcome {
  records: StepRecord[];
  stepsContext: Record<string, Json>;
}

interface Loop extends StepsOutcome {
  carried: CarriedEnv;
  posts: { name: string; id: string; post: PostStep }[];
}

export async function runSteps(
  job: JobRun,
  steps: Step[],
  rawStep: (index: number) => TemplateToken | undefined,
  execute: StepExecutor,
): Promise<StepsOutcome> {
  const loop: Loop = { records: [], stepsContext: {}, carried: { exported: {}, extraPath: [] }, posts: [] };
  for (const [index, step] of steps.entries()) await runStep(job, loop, step, rawStep(index), execute);
  for (const post of loop.posts.reverse()) await runPost(job, loop, post);
  return { records: loop.records, stepsContext: loop.stepsContext };
}

/** The expression context of a step: job contexts, env, job, steps so far, runner; status over earlier steps. */
export function stepEvalContext(job: JobRun, outcome: StepsOutcome, env: Record<string, string>): EvalContext {
  return {
    contexts: { ...job.contexts, env, job: job.jobContext, steps: outcome.stepsContext, runner: job.runner },
    status: stepStatusFunctions(outcome.records),
    workspace: job.workspace,
    hashFiles: (patterns) => hashFiles(job.workspace, patterns),
  };
}

async function runStep(
  job: JobRun,
  loop: Loop,
  step: Step,
  raw: TemplateToken | undefined,
  execute: StepExecutor,
): Promise<void> {
  const env = { ...job.env, ...loop.carried.exported };
  const expr = stepEvalContext(job, loop, env);
  const name = displayName(step, raw, expr);
  const report: StepReport = {
    name,
    id: step.id,
    status: 'skipped',
    outcome: 'skipped',
    durationMs: 0,
    summary: '',
    outputs: {},
    annotations: [],
  };
  if ('uses' in step) report.uses = step.uses.value;
  job.report.steps.push(report);
  const condition = 'if' in step && step.if ? step.if.expression : undefined;
  let shouldRun: boolean;
  try {
    shouldRun = condition === undefined || evaluateCondition(condition, expr);
  } catch (error) {
    return record(loop, step, report, { status: 'failure', outcome: 'failure', reason: `if: ${String(error)}` });
  }
  if (!shouldRun) {
    job.log(`  ○ ${name} skipped (if: ${condition} → false)`);
    return record(loop, step, report, { status: 'skipped', outcome: 'skipped', reason: `if: ${condition} → false` });
  }
  let continueOnError = false;
  let execution: StepExecution;
  try {
    continueOnError = isContinueOnError(step, expr);
    const stepEnv = { ...env, ...evaluateStringMap('env' in step ? step.env : undefined, expr) };
    execution = await execute({ job, step, raw, name, expr, env: stepEnv, extraPath: [...loop.carried.extraPath] });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    job.log(`  ✗ ${name} failure — ${reason}`);
    return record(loop, step, report, { status: conclusionOf('failure', continueOnError), outcome: 'failure', reason });
  }
  if (execution.kind === 'emulated') {
    report.emulated = true;
    job.log(`  ✓ ${name} success (${execution.reason})`);
    return record(loop, step, report, { status: 'success', outcome: 'success', reason: execution.reason });
  }
  if (execution.kind === 'skipped') {
    if (!execution.replaceable) report.incomplete = `not run here: ${execution.reason}`;
    job.log(`  ${execution.replaceable ? '○' : '◌'} ${name} skipped (${execution.reason})`);
    return record(loop, step, report, { status: 'skipped', outcome: 'skipped', reason: execution.reason });
  }
  if (execution.post) loop.posts.push({ name: `Post ${name}`, id: `post-${step.id}`, post: execution.post });
  fillFromProcess(report, execution.result, job);
  if (execution.emulated) {
    report.emulated = true;
    report.reason ??= execution.emulated;
  }
  // An action that did only part of its work says so in an `incomplete` output (the kit's reportIncomplete).
  const partly = report.outputs['incomplete'];
  if (partly && report.outcome === 'success') report.incomplete = partly;
  report.status = conclusionOf(report.outcome, continueOnError);
  loop.carried = carryFileCommands(loop.carried, execution.result);
  logFinished(job, report, continueOnError);
  record(loop, step, report, report);
}

function record(
  loop: Loop,
  step: Step,
  report: StepReport,
  result: Pick<StepReport, 'status' | 'outcome' | 'reason'>,
): void {
  report.status = result.status;
  report.outcome = result.outcome;
  if (result.reason !== undefined) report.reason = result.reason;
  const entry: StepRecord = { outcome: report.outcome, conclusion: report.status, outputs: report.outputs };
  if (report.incomplete !== undefined) entry.incomplete = report.incomplete;
  loop.records.push(entry);
  // Steps without an id get a generated `__...` one, which the steps context does not show.
  if (step.id && !step.id.startsWith('__'))
    loop.stepsContext[step.id] = { outputs: report.outputs, outcome: report.outcome, conclusion: report.status };
}

function fillFromProcess(report: StepReport, result: ProcessResult, job: JobRun): void {
  const { outcome, reason } = processOutcome(result, job.timeoutMinutes);
  report.durationMs = result.durationMs;
  report.summary = result.summary;
  report.outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, job.masker.mask(v)]));
  report.annotations = result.annotations;
  report.outcome = outcome;
  if (reason !== undefined) {
    report.reason = reason;
    report.tail = result.tail.slice(-25);
  }
}

async function runPost(job: JobRun, loop: Loop, { name, id, post }: Loop['posts'][number]): Promise<void> {
  const report: StepReport = {
    name,
    id,
    status: 'skipped',
    outcome: 'skipped',
    durationMs: 0,
    summary: '',
    outputs: {},
    annotations: [],
  };
  job.report.steps.push(report);
  const condition = withImplicitSuccess(post.condition);
  // post-if's status functions look at the job's status so far (main steps and the posts before).
  const expr = stepEvalContext(job, loop, { ...job.env, ...loop.carried.exported });
  let shouldRun: boolean;
  try {
    shouldRun = evaluateCondition(condition, expr);
  } catch (error) {
    report.status = report.outcome = 'failure';
    report.reason = `post-if: ${String(error)}`;
    loop.records.push({ outcome: 'failure', conclusion: 'failure', outputs: {} });
    return;
  }
  if (!shouldRun) {
    report.reason = `post-if: ${post.condition} → false`;
    loop.records.push({ outcome: 'skipped', conclusion: 'skipped', outputs: {} });
    job.log(`  ○ ${name} skipped (${report.reason})`);
    return;
  }
  fillFromProcess(report, await post.run(), job);
  report.outputs = {};
  report.status = report.outcome;
  loop.records.push({ outcome: report.outcome, conclusion: report.status, outputs: {} });
  logFinished(job, report, false);
}

function isContinueOnError(step: Step, ctx: EvalContext): boolean {
  const value = step['continue-on-error'];
  if (typeof value === 'boolean' || value === undefined) return value === true;
  return stringValue(evaluateToken(value, ctx)) === 'true';
}

function logFinished(job: JobRun, report: StepReport, continueOnError: boolean): void {
  const mark = report.status !== 'success' ? '✗' : report.incomplete ? '◐' : '✓';
  const note = continueOnError && report.outcome === 'failure' ? ' (continue-on-error)' : '';
  const why = report.reason && report.outcome === 'failure' ? ` — ${report.reason}` : '';
  const partly = report.incomplete ? ` — incomplete: ${report.incomplete}` : '';
  const how = report.emulated && report.reason ? ` (${report.reason})` : '';
  job.log(
    `  ${mark} ${report.name} ${report.outcome}${note}${how} ${(report.durationMs / 1000).toFixed(1)}s${why}${partly}`,
  );
  if (report.outcome === 'failure' && report.tail && !job.verbose)
    for (const line of report.tail.slice(-15)) job.log(`      │ ${line}`);
}

function displayName(step: Step, raw: TemplateToken | undefined, ctx: EvalContext): string {
  try {
    if (step.name) return stringValue(evaluateToken(step.name, ctx));
    if ('run' in step) return `Run ${stringValue(evaluateToken(step.run, ctx)).split('\n')[0]?.slice(0, 60) ?? ''}`;
  } catch {
    /* an unevaluable name or script falls back to what the step is */
  }
  if ('uses' in step) return `Run ${step.uses.value}`;
  return literal(get(raw, 'name')) ?? literal(get(raw, 'id')) ?? step.id;
}
