/**
 * One job: its report, what provisioning brings up for it, its env, the step
 * loop with this run's executors, and the job's outputs at the end.
 */
import path from 'node:path';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { runActionStep } from './action-step.js';
import { runnerContext } from './environment.js';
import { evaluateStringMap, evaluateToken, noStatus, stringValue } from './expressions.js';
import type { Json } from './expressions.js';
import type { JobResult } from './job-graph.js';
import { NotProvidedError } from './provisioning/provisioner.js';
import type { JobReport } from './report-types.js';
import type { JobContexts, JobRun, RunState, StepExecutor } from './run-state.js';
import { runScriptStep } from './run-step.js';
import { runSteps, stepEvalContext } from './step-loop.js';
import { githubResult, jobConclusion } from './step-rules.js';
import { get, literal, rawJob, rawStep } from './workflow.js';
import type { Job, ParsedWorkflow } from './workflow.js';

export interface JobToRun {
  workflow: ParsedWorkflow;
  job: Job;
  path: string;
  contexts: JobContexts;
  /** Report paths of the jobs this one waited for. */
  needs: string[];
}

/** Runs run: and uses: steps; other step kinds (wait, parallel...) are not GitHub workflow syntax today. */
export function stepExecutor(state: RunState): StepExecutor {
  return async (ctx) => {
    if ('run' in ctx.step) return runScriptStep(state, ctx);
    if ('uses' in ctx.step) return runActionStep(state, ctx);
    throw new Error('only run: and uses: steps are supported locally');
  };
}

function timeoutMinutes(raw: TemplateToken | undefined): number {
  const token = get(raw, 'timeout-minutes');
  return Number(literal(token) ?? evaluateToken(token, { contexts: {}, status: noStatus }) ?? 360) || 360;
}

function noteEnvironment(raw: TemplateToken | undefined, contexts: JobContexts, report: JobReport): void {
  const environment = evaluateToken(get(raw, 'environment'), { contexts: { ...contexts }, status: noStatus });
  if (environment === null) return;
  const name =
    typeof environment === 'string' ? environment : stringValue((environment as Record<string, Json>)['name'] ?? null);
  report.notes.push(
    `environment '${name}': protection rules (reviewers, wait timers, branch policies) are GitHub's and are not applied locally.`,
  );
}

export async function runJob(
  state: RunState,
  target: JobToRun,
  execute: StepExecutor = stepExecutor(state),
): Promise<JobResult> {
  const started = performance.now();
  const { workflow, job, contexts } = target;
  const raw = rawJob(workflow, job.id.value);
  const name = stringValue(evaluateToken(job.name, { contexts: { ...contexts }, status: noStatus })) || job.id.value;
  const report: JobReport = {
    id: job.id.value,
    path: target.path,
    name,
    status: 'success',
    durationMs: 0,
    needs: target.needs,
    steps: [],
    outputs: {},
    notes: [],
  };
  state.report.jobs.push(report);
  state.log(`● ${target.path} (${name})`);
  const jobContext: Record<string, Json> = {
    status: 'success',
    workflow_repository: state.library.repository,
    workflow_sha: state.report.library.commit,
    services: {},
  };
  try {
    await state.provisioner.prepareJob({ job, raw, jobContext, contexts, report });
  } catch (error) {
    // Something this machine cannot provide leaves the job incomplete; a broken setup fails it.
    const notHere = error instanceof NotProvidedError;
    report.status = notHere ? 'incomplete' : 'failure';
    report.reason = `could not provide what the job needs: ${error instanceof Error ? error.message : String(error)}`;
    report.durationMs = performance.now() - started;
    state.log(`${notHere ? '◐' : '✗'} ${target.path}: ${report.reason}`);
    return { result: notHere ? 'skipped' : 'failure', outputs: {} };
  }
  noteEnvironment(raw, contexts, report);
  const run: JobRun = {
    path: target.path,
    report,
    contexts,
    jobContext,
    runner: runnerContext(state.dirs),
    env: {
      ...contexts.env,
      ...evaluateStringMap(job.env, { contexts: { ...contexts, job: jobContext }, status: noStatus }),
    },
    workspace: state.dirs.workspace,
    masker: state.masker,
    log: state.log,
    verbose: state.options.verbose ?? false,
    timeoutMinutes: timeoutMinutes(raw),
    logFile: path.join(state.dirs.logs, `${target.path.replace(/\//g, '__')}.log`),
  };
  const outcome = await runSteps(run, job.steps, (index) => rawStep(workflow, job.id.value, index), execute);
  report.status = jobConclusion(outcome.records);
  jobContext['status'] = githubResult(report.status);
  try {
    const outputs = evaluateStringMap(job.outputs, stepEvalContext(run, outcome, run.env));
    report.outputs = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, state.masker.mask(v)]));
  } catch (error) {
    report.notes.push(`outputs: ${String(error)}`);
  }
  report.durationMs = performance.now() - started;
  const mark = report.status === 'failure' ? '✗' : report.status === 'incomplete' ? '◐' : '✓';
  state.log(`${mark} ${target.path} ${report.status} ${(report.durationMs / 1000).toFixed(1)}s`);
  return { result: githubResult(report.status), outputs: report.outputs };
}
