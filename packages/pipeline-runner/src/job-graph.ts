/**
 * The job graph as GitHub runs it: jobs in `needs` order, the `needs`
 * context (result and outputs of each direct need), and the status functions
 * of a job-level `if:` over every ancestor job. The parser already wraps an
 * `if:` without a status function in `success() && (...)`, so a failed or
 * skipped need skips its dependents unless their `if:` says otherwise.
 */
import { evaluateCondition } from './expressions.js';
import type { EvalContext, Json, StatusFunctions } from './expressions.js';
import type { Result } from './report-types.js';
import { ancestors, orderJobs } from './workflow.js';

export interface JobResult {
  result: Result;
  outputs: Record<string, string>;
}

export interface GraphJob {
  id: { value: string };
  needs?: { value: string }[];
  if: { expression: string };
}

export function needsContext(job: GraphJob, results: Map<string, JobResult>): Record<string, Json> {
  const needs: Record<string, Json> = {};
  for (const need of job.needs ?? []) {
    const result = results.get(need.value);
    needs[need.value] = { result: result?.result ?? 'skipped', outputs: result?.outputs ?? {} };
  }
  return needs;
}

/** success(): every ancestor succeeded; failure(): some ancestor failed (skipped is neither). */
export function jobStatusFunctions(all: GraphJob[], id: string, results: Map<string, JobResult>): StatusFunctions {
  const deps = [...ancestors(all, id)].map((d) => results.get(d)?.result ?? 'skipped');
  return {
    success: () => deps.every((r) => r === 'success'),
    failure: () => deps.some((r) => r === 'failure'),
    // cancelled() asks whether the run was cancelled; an interrupted local run exits instead.
    cancelled: () => false,
  };
}

export type JobDecision = { run: true } | { run: false; result: Result; reason: string };

/** Whether a job runs: its `if:` (an evaluation error fails the job, as on GitHub). */
export function decideJob(job: GraphJob, ctx: EvalContext): JobDecision {
  try {
    if (evaluateCondition(job.if.expression, ctx)) return { run: true };
    return { run: false, result: 'skipped', reason: `if: ${job.if.expression} → false` };
  } catch (error) {
    return { run: false, result: 'failure', reason: `if: ${job.if.expression}: ${String(error)}` };
  }
}

export interface GraphVisit<J extends GraphJob> {
  job: J;
  needs: Record<string, Json>;
  status: StatusFunctions;
}

export interface GraphHandlers<J extends GraphJob> {
  /** The contexts a job's `if:` sees (github, vars, inputs...; needs is added). */
  contexts: Record<string, Json>;
  run(visit: GraphVisit<J>): Promise<JobResult>;
  /** Records a job that does not run (its `if:` was false or failed to evaluate). */
  notRun(visit: GraphVisit<J>, decision: Extract<JobDecision, { run: false }>): void;
}

/** Runs the jobs one after another in `needs` order and returns each job's result. */
export async function runJobGraph<J extends GraphJob>(
  jobs: J[],
  handlers: GraphHandlers<J>,
): Promise<Map<string, JobResult>> {
  const results = new Map<string, JobResult>();
  for (const job of orderJobs(jobs)) {
    const visit: GraphVisit<J> = {
      job,
      needs: needsContext(job, results),
      status: jobStatusFunctions(jobs, job.id.value, results),
    };
    const decision = decideJob(job, { contexts: { ...handlers.contexts, needs: visit.needs }, status: visit.status });
    if (!decision.run) {
      results.set(job.id.value, { result: decision.result, outputs: {} });
      handlers.notRun(visit, decision);
      continue;
    }
    results.set(job.id.value, await handlers.run(visit));
  }
  return results;
}
