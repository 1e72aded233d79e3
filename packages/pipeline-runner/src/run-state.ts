/**
 * The context objects passed down the run: the run as a whole, one job, one
 * step. Functions take one of these instead of long parameter lists.
 */
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { SecretMasker } from '@pipeline/action-kit/protocol';
import type { ProcessResult } from './exec.js';
import type { EvalContext, Json } from './expressions.js';
import type { Provisioner } from './provisioning/provisioner.js';
import type { JobReport, RunOptions, RunReport } from './report-types.js';
import type { Step } from './workflow.js';
import type { Cleanups, RunDirs } from './workspace.js';

export interface LibraryFacts {
  /** The commit the call resolved to; undefined for a working tree. */
  commit: string | undefined;
  repository: string;
  /** Where the library's files come from (a git checkout or working tree). */
  sourceDir: string;
}

export interface RunState {
  options: RunOptions;
  report: RunReport;
  /** Hides secrets and ::add-mask:: values in logs, outputs and summaries (the runner's rules). */
  masker: SecretMasker;
  dirs: RunDirs;
  log: (line: string) => void;
  library: LibraryFacts;
  provisioner: Provisioner;
  cleanups: Cleanups;
}

export interface JobContexts {
  github: Record<string, Json>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  inputs: Record<string, Json>;
  needs: Record<string, Json>;
  /** The workflow-level env. */
  env: Record<string, string>;
}

/** One job while its steps run: what the step loop reads and records. */
export interface JobRun {
  path: string;
  report: JobReport;
  contexts: JobContexts;
  /** The `job` context (status, services, workflow_repository, workflow_sha). */
  jobContext: Record<string, Json>;
  runner: Record<string, Json>;
  /** Workflow env plus the job's env:. */
  env: Record<string, string>;
  workspace: string;
  masker: SecretMasker;
  log: (line: string) => void;
  verbose: boolean;
  timeoutMinutes: number;
  logFile: string;
}

export interface StepContext {
  job: JobRun;
  step: Step;
  raw: TemplateToken | undefined;
  name: string;
  expr: EvalContext;
  /** The step's environment: job env, earlier GITHUB_ENV exports, the step's env:. */
  env: Record<string, string>;
  /** Earlier GITHUB_PATH additions, in the order added (the last added comes first in PATH). */
  extraPath: string[];
}

/** A post step an action registers (`runs.post`), run after all main steps if `post-if` holds. */
export interface PostStep {
  condition: string;
  run: () => Promise<ProcessResult>;
}

/** What executing a step produced. */
export type StepExecution =
  /**
   * Not executed here (needs GitHub...): reported as skipped with the reason.
   * Unless `replaceable` (the local run has what the step provides, or the step
   * only reports to a GitHub service), the job ends incomplete.
   */
  | { kind: 'skipped'; reason: string; replaceable: boolean }
  /** Executed by a local emulation of a GitHub action (checkout, artifacts): labelled as emulated. */
  | { kind: 'emulated'; reason: string }
  /**
   * A process ran (the action, a script), or an emulation did the real work
   * with local tools and reports like a process (`emulated` says how, e.g. the
   * docker actions with the project's BuildKit and registry).
   */
  | { kind: 'ran'; result: ProcessResult; post?: PostStep; emulated?: string };

export type StepExecutor = (ctx: StepContext) => Promise<StepExecution>;
