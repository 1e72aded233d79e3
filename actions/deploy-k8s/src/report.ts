/**
 * What a deploy reports: per object, per phase, and overall. The outputs and
 * the job summary are written from it, also when the deploy failed.
 */
import { ActionError, plural } from '@pipeline/action-kit';
import type { DeploymentStatusEntry, ProgressiveReport } from './strategy/report.js';
import type { UnservedObject } from './unserved-kinds.js';
import type { PodReport, TimelineEntry } from './watcher.js';

/** `aborted`: a canary or preview failed its analysis and was removed (stable untouched); `paused`: waiting at a manual gate. */
export type DeployStatus = 'deployed' | 'unchanged' | 'rolled-back' | 'failed' | 'aborted' | 'paused';
export type ResourceAction = 'create' | 'configure' | 'unchanged' | 'invalid';

export interface ResourceReport {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  file: string;
  document: number;
  action: ResourceAction;
  oldImages: string[];
  newImages: string[];
  result: string;
  revision?: string;
  previousRevision?: string;
}

export interface PhaseSpan {
  name: string;
  start: number;
  end: number;
  ok: boolean;
}

export interface DeployReport {
  status: DeployStatus;
  dryRun: boolean;
  revision: string;
  previousRevision: string;
  backupFile: string;
  resources: ResourceReport[];
  diffs: { label: string; diff: string }[];
  timeline: TimelineEntry[];
  phases: PhaseSpan[];
  /** Why the deploy failed (also thrown to fail the step). */
  failure?: string;
  failingPods: PodReport[];
  workloadEvents: string[];
  lock?: { name: string; namespace: string; waitedMs: number };
  unmatchedImageRules: string[];
  /** Objects left out because the cluster does not serve their kind (unknown-kinds: skip). */
  skipped: UnservedObject[];
  firstSignalAt?: number;
  detectedAt?: number;
  rollbackStartedAt?: number;
  rollbackDoneAt?: number;
  /** Canary or blue-green: the steps, their analysis and the GitHub deployment statuses. */
  progressive?: ProgressiveReport;
  /** GitHub deployment statuses reported, in order (github-token + environment). */
  githubDeployments?: DeploymentStatusEntry[];
}

export function emptyReport(dryRun: boolean): DeployReport {
  return {
    status: 'failed',
    dryRun,
    revision: '',
    previousRevision: '',
    backupFile: '',
    resources: [],
    diffs: [],
    timeline: [],
    phases: [],
    failingPods: [],
    workloadEvents: [],
    unmatchedImageRules: [],
    skipped: [],
  };
}

/** A failed deploy: carries the report so that outputs and the summary can still be written. */
export class DeployError extends ActionError {
  override readonly name = 'DeployError';
  constructor(
    message: string,
    readonly report: DeployReport,
  ) {
    super(message);
  }
}

/** Records the failure in the report and throws it. */
export function fail(report: DeployReport, message: string): never {
  report.failure = message;
  throw new DeployError(message, report);
}

export interface ValidationProblem {
  file: string;
  document: number;
  object: string;
  message: string;
}

export class ValidationError extends ActionError {
  override readonly name = 'ValidationError';
  constructor(readonly problems: readonly ValidationProblem[]) {
    super(
      `Validation failed for ${plural(problems.length, 'object')}; nothing was applied:\n` +
        problems.map((p) => `  ${p.file} (document ${p.document}) ${p.object}: ${p.message}`).join('\n'),
    );
  }
}
