/** What a run records: the shapes of the run, job and step reports, and the run's options. */
import type { SlackChannel, SlackEvent } from '@pipeline/local-slack';

/** A job's or step's result as GitHub reports it (what `needs.<id>.result` and `steps.<id>.conclusion` say). */
export type Result = 'success' | 'failure' | 'skipped' | 'cancelled';

/**
 * What the local report says: GitHub's result, or `incomplete` for a job that
 * finished without failing but did not really do everything it was asked to
 * (an essential step could not run here, or an action said it ran only in part).
 * Downstream jobs see `incomplete` as `success`, as GitHub would.
 */
export type Status = Result | 'incomplete';

export interface StepReport {
  name: string;
  id: string;
  status: Result;
  /** success/failure of the step itself before continue-on-error. */
  outcome: Result;
  reason?: string;
  uses?: string;
  /** Done by the runner's own stand-in for a GitHub action (checkout, artifacts), not by the action. */
  emulated?: boolean;
  /** Why the step did not do all of its work here (not run for lack of a local stand-in, or the action said so): makes the job incomplete. */
  incomplete?: string;
  durationMs: number;
  summary: string;
  outputs: Record<string, string>;
  annotations: { level: string; message: string; file?: string; line?: number }[];
  tail?: string[];
}

export interface JobReport {
  id: string;
  path: string;
  name: string;
  status: Status;
  reason?: string;
  durationMs: number;
  /** Paths of the jobs this one waited for (its `needs`, and the calling job's needs inside a called workflow). */
  needs: string[];
  steps: StepReport[];
  outputs: Record<string, string>;
  notes: string[];
}

export interface RunReport {
  repo: string;
  callerWorkflow: string;
  callerJob: string;
  pipelineRef: string;
  library: { path: string; repository: string; commit: string; source: 'commit' | 'working tree' };
  event: string;
  ref: string;
  startedAt: string;
  durationMs: number;
  status: Status;
  jobs: JobReport[];
  outputs: Record<string, string>;
  notes: string[];
  reportFiles?: { markdown: string; html: string };
  /** The workspace, when kept (RunOptions.keepWorkspace). */
  workspace?: string;
  /** What notify posted to the local Slack stand-in, in order (when the run started one). */
  slack?: SlackTranscript;
  /** Whether the caller's on: triggers this event (forced: run with --force although it does not). */
  trigger?: { triggered: boolean; forced: boolean; detail: string };
  /** GITHUB_SHA of the run. */
  sha?: string;
}

export interface SlackTranscript {
  apiUrl: string;
  channels: SlackChannel[];
  /** Posts, updates and thread replies in the order Slack accepted them (masked). */
  events: SlackEvent[];
}

export interface RunOptions {
  /** The repository whose caller workflow runs (default: the library itself). */
  repo: string;
  /** This checkout of the library (the reusable workflow and its actions). */
  library: string;
  /** A caller workflow file (relative to repo) when several call the pipeline. */
  workflow?: string;
  /** 'worktree' to use the library's working tree instead of the commit the caller names. */
  libraryRef?: string;
  event?: string;
  /** Branch or full ref (default: the repository's current branch). */
  ref?: string;
  /** Overrides of the pipeline's inputs, applied over the caller's `with:`. */
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  reportDir: string;
  /** Bring up PostgreSQL/Redis, the Kubernetes cluster and the service when the run needs them (default true). */
  provision?: boolean;
  /** Deploy to kwok nodes only, even when the container engine could run a real node (default false). */
  kwokOnly?: boolean;
  log?: (line: string) => void;
  /** Print each step's output lines (default false: only failures' last lines). */
  verbose?: boolean;
  /** Keep the workspace copy after the run (its path is in report.workspace). */
  keepWorkspace?: boolean;
  /** Run even when the caller's on: would not trigger the event (labelled as forced). */
  force?: boolean;
  /** Run the working tree with its uncommitted changes instead of a clean checkout of the commit. */
  workingTree?: boolean;
  /** pull_request: the number (refs/pull/<n>/merge, default 1) and the base branch (default the default branch). */
  prNumber?: number;
  base?: string;
  /** Let the provisioning scripts install missing system packages (default true; false fails instead). */
  install?: boolean;
  /** Delete the local Kubernetes cluster before the run (tools/kube/cluster.sh down). */
  freshCluster?: boolean;
}

export function skippedJob(id: string, jobPath: string, reason: string, needs: string[] = []): JobReport {
  return {
    id,
    path: jobPath,
    name: id,
    status: 'skipped',
    reason,
    durationMs: 0,
    needs,
    steps: [],
    outputs: {},
    notes: [],
  };
}
