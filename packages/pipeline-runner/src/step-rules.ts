/**
 * GitHub's step rules, as pure functions: status functions over the earlier
 * steps, continue-on-error (outcome vs conclusion), what a finished process
 * means for the step, and GITHUB_ENV / GITHUB_PATH carried to later steps.
 */
import { addToPath } from '@pipeline/action-kit/protocol';
import type { ProcessResult } from './exec.js';
import type { StatusFunctions } from './expressions.js';
import type { Result, Status } from './report-types.js';

export interface StepRecord {
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
  /** Why the step did not do all its work here (see StepReport.incomplete). */
  incomplete?: string;
}

/** success(): no earlier step concluded failure; failure(): one did (continue-on-error steps conclude success). */
export function stepStatusFunctions(records: StepRecord[]): StatusFunctions {
  return {
    success: () => records.every((r) => r.conclusion !== 'failure'),
    failure: () => records.some((r) => r.conclusion === 'failure'),
    cancelled: () => false,
  };
}

/** A step's conclusion: its outcome, except that continue-on-error turns a failure into success. */
export function conclusionOf(outcome: Result, continueOnError: boolean): Result {
  return outcome === 'failure' && continueOnError ? 'success' : outcome;
}

/** failure when a step concluded failure; else incomplete when a step did not do all its work here; else success. */
export function jobConclusion(records: StepRecord[]): Status {
  if (records.some((r) => r.conclusion === 'failure')) return 'failure';
  return records.some((r) => r.incomplete !== undefined) ? 'incomplete' : 'success';
}

/** What GitHub would report for a job the local report calls `status` (incomplete work still succeeded there). */
export function githubResult(status: Status): Result {
  return status === 'incomplete' ? 'success' : status;
}

/** The run's headline over its jobs: failure, else incomplete, else success. */
export function overallStatus(statuses: Status[]): Status {
  if (statuses.includes('failure')) return 'failure';
  return statuses.includes('incomplete') ? 'incomplete' : 'success';
}

/** The outcome of a process step and, when it failed, why (the last error annotation without a file says it best). */
export function processOutcome(result: ProcessResult, timeoutMinutes: number): { outcome: Result; reason?: string } {
  if (result.exitCode === 0 && !result.runnerFailed) return { outcome: 'success' };
  const exit =
    result.exitCode === 0
      ? (result.runnerErrors[0] ?? 'the runner could not process a command')
      : `exit code ${result.exitCode ?? result.signal}`;
  let reason = result.error ?? (result.timedOut ? `timed out after ${timeoutMinutes} min` : exit);
  const message = result.annotations.filter((a) => a.level === 'error' && !a.file).pop()?.message;
  if (message) reason += `: ${message}`;
  return { outcome: 'failure', reason };
}

export interface CarriedEnv {
  /** GITHUB_ENV exports, seen by later steps (a later export of a name wins). */
  exported: Record<string, string>;
  /** GITHUB_PATH additions in the order added (the runner's prepend list: the last comes first in PATH). */
  extraPath: string[];
}

/** Applies a step's file commands for the steps after it (a directory added again moves to the front). */
export function carryFileCommands(
  carried: CarriedEnv,
  result: Pick<ProcessResult, 'exportedEnv' | 'paths'>,
): CarriedEnv {
  return {
    exported: { ...carried.exported, ...result.exportedEnv },
    extraPath: addToPath(carried.extraPath, result.paths),
  };
}

const STATUS_FUNCTION = /\b(success|failure|always|cancelled)\s*\(/;

/** A condition without a status function gets an implicit `success() &&` (as the runner does for `post-if`). */
export function withImplicitSuccess(condition: string): string {
  const bare = condition
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  return STATUS_FUNCTION.test(bare) ? bare : `success() && (${bare})`;
}
