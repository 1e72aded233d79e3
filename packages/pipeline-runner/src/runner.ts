/**
 * Runs a repository's caller workflow, and the reusable pipeline it calls,
 * on this machine as GitHub would: jobs in `needs` order, `if:` and `${{ }}`
 * through the official expression evaluator, this library's JavaScript
 * actions as node processes with INPUT_* variables and runner files, `run:`
 * steps in bash, and steps that need GitHub or Docker reported as skipped
 * with the reason.
 */
import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { freePort, inputVariable } from '@pipeline/action-kit/testing';
import { evaluateCondition, evaluateExpression, evaluateStringMap, evaluateToken, stringValue } from './expressions.js';
import type { EvalContext, Json, StatusFunctions } from './expressions.js';
import { mask, runProcess } from './exec.js';
import type { ProcessResult } from './exec.js';
import {
  copyWorkingTree,
  git,
  materializeLibrary,
  repositoryName,
  startApp,
  startCluster,
  startServices,
  stopServices,
  tryGit,
} from './local.js';
import type { AppProcess, LocalServices } from './local.js';
import { ancestors, get, isReusableJob, literal, loadWorkflow, orderJobs, rawJob, rawStep, workflowCallOutputs, WorkflowError } from './workflow.js';
import type { Job, ParsedWorkflow, ReusableWorkflowJob, Step } from './workflow.js';

export type Status = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface StepReport {
  name: string;
  id: string;
  status: Status;
  /** success/failure of the step itself before continue-on-error. */
  outcome: Status;
  reason?: string;
  uses?: string;
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
  log?: (line: string) => void;
  /** Print each step's output lines (default false: only failures' last lines). */
  verbose?: boolean;
  /** Keep the workspace copy after the run (its path is in report.workspace). */
  keepWorkspace?: boolean;
}

const PIPELINE_PATH = /^\.github\/workflows\/pipeline\.ya?ml$/;
const REMOTE_CALL = /^([^/]+)\/([^/]+)\/(\.github\/workflows\/[^@]+)@(.+)$/;
const LOCAL_CALL = /^\.\/(\.github\/workflows\/.+)$/;

interface CallTarget {
  kind: 'local' | 'remote';
  repository: string;
  workflowPath: string;
  ref: string;
}

export function parseCallRef(ref: string): CallTarget | undefined {
  const local = LOCAL_CALL.exec(ref);
  if (local?.[1]) return { kind: 'local', repository: '', workflowPath: local[1], ref: '' };
  const remote = REMOTE_CALL.exec(ref);
  if (remote?.[1] && remote[2] && remote[3] && remote[4]) {
    return { kind: 'remote', repository: `${remote[1]}/${remote[2]}`, workflowPath: remote[3], ref: remote[4] };
  }
  return undefined;
}

interface Caller {
  workflow: ParsedWorkflow;
  job: ReusableWorkflowJob;
  target: CallTarget;
}

/** Finds the repository's workflow that calls the pipeline (local `./.github/workflows/pipeline.yml` or `owner/repo/...@ref`). */
export async function findCaller(repo: string, only?: string): Promise<Caller> {
  const dir = path.join(repo, '.github/workflows');
  const names = only ? [path.relative(dir, path.resolve(repo, only))] : (await readdir(dir).catch(() => [])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const seen: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const workflow = await loadWorkflow(path.relative(repo, file), await readFile(file, 'utf8'));
    for (const job of workflow.template.jobs) {
      if (!isReusableJob(job)) continue;
      const target = parseCallRef(job.ref.value);
      seen.push(`${name}: ${job.ref.value}`);
      if (!target || !PIPELINE_PATH.test(target.workflowPath)) continue;
      if (target.kind === 'local' && !(await exists(path.join(repo, target.workflowPath)))) continue;
      return { workflow, job, target };
    }
  }
  throw new WorkflowError(
    `No workflow in ${dir} calls <owner>/<repo>/.github/workflows/pipeline.yml@<ref> (or ./.github/workflows/pipeline.yml)` +
      (seen.length ? `; reusable-workflow calls found: ${seen.join(', ')}` : ''),
  );
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

interface JobState {
  result: Status;
  outputs: Record<string, string>;
}

interface RunState {
  options: RunOptions;
  report: RunReport;
  masks: Set<string>;
  scratch: string;
  workspace: string;
  artifacts: string;
  logs: string;
  log: (line: string) => void;
  libraryCommit: string | undefined;
  libraryRepository: string;
  /** Where the library's files come from: the caller's own tree for a local call, else this checkout. */
  librarySource: string;
  services?: LocalServices;
  servicesDir: string;
  kubeconfig?: string;
  app?: AppProcess;
  appUrlVars: Map<string, number>;
  appPort?: number;
  /** The manifests the last successful deploy-k8s step applied (for the service's configuration). */
  deployedManifests?: string[];
  cleanups: (() => Promise<void>)[];
}

/** Runs the pipeline for a repository and returns the report (also written under reportDir). */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const repo = path.resolve(options.repo);
  const library = path.resolve(options.library);
  const caller = await findCaller(repo, options.workflow);

  // Which commit of the library the call resolves to.
  let libraryCommit: string | undefined;
  let libraryRepository: string;
  let source: 'commit' | 'working tree';
  let pipelineContent: string;
  const pipelinePath = caller.target.workflowPath;
  if (caller.target.kind === 'local') {
    // A call inside the same repository: the workflow and its actions come from the same tree as the workspace.
    libraryRepository = await repositoryName(repo);
    source = 'working tree';
    libraryCommit = undefined;
    pipelineContent = await readFile(path.join(repo, pipelinePath), 'utf8');
  } else {
    libraryRepository = caller.target.repository;
    if (options.libraryRef === 'worktree') {
      source = 'working tree';
      pipelineContent = await readFile(path.join(library, pipelinePath), 'utf8');
    } else {
      const ref = options.libraryRef ?? caller.target.ref;
      libraryCommit =
        (await tryGit(library, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])) ??
        (await tryGit(library, ['rev-parse', '--verify', '--quiet', `origin/${ref}^{commit}`]));
      if (!libraryCommit) {
        throw new WorkflowError(
          `${caller.workflow.file} calls ${caller.job.ref.value}, but '${ref}' is not a commit, branch or tag in ${library}. ` +
            `Fetch it (git fetch --tags), pass --library-ref <ref>, or --library-ref worktree to use the working tree.`,
        );
      }
      source = 'commit';
      pipelineContent = await git(library, ['show', `${libraryCommit}:${pipelinePath}`]);
    }
  }
  const head = (await tryGit(library, ['rev-parse', 'HEAD'])) ?? '0'.repeat(40);
  const shownCommit = libraryCommit ?? (caller.target.kind === 'local' ? ((await tryGit(repo, ['rev-parse', 'HEAD'])) ?? head) : head);
  const pipeline = await loadWorkflow(pipelinePath, pipelineContent);

  await mkdir(options.reportDir, { recursive: true });
  const scratch = await mkdtemp(path.join(tmpdir(), 'pipeline-run-'));
  const workspace = path.join(scratch, 'workspace');
  const logs = path.join(path.resolve(options.reportDir), 'logs');
  const artifacts = path.join(path.resolve(options.reportDir), 'artifacts');
  await rm(logs, { recursive: true, force: true });
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(logs, { recursive: true });
  await mkdir(artifacts, { recursive: true });
  await mkdir(workspace, { recursive: true });
  const copied = await copyWorkingTree(repo, workspace);

  const branch = options.ref ?? (await tryGit(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])) ?? 'main';
  const ref = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
  const event = options.event ?? 'push';
  const report: RunReport = {
    repo,
    callerWorkflow: caller.workflow.file,
    callerJob: caller.job.id.value,
    pipelineRef: caller.job.ref.value,
    library: { path: library, repository: libraryRepository, commit: shownCommit, source },
    event,
    ref,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    status: 'success',
    jobs: [],
    outputs: {},
    notes: [
      `Workspace: a copy of ${copied} files of ${repo} (tracked and untracked, not ignored) in ${workspace}; every job shares it.`,
      source === 'commit'
        ? `${caller.job.ref.value} resolved to ${libraryRepository}@${shownCommit} in ${library}; its actions are checked out from that commit.`
        : `The pipeline and its actions come from the working tree of ${caller.target.kind === 'local' ? repo : library} (commit ${shownCommit.slice(0, 12)} plus any uncommitted changes).`,
    ],
  };
  const state: RunState = {
    options,
    report,
    masks: new Set(),
    scratch,
    workspace,
    artifacts,
    logs,
    log,
    libraryCommit,
    libraryRepository,
    librarySource: caller.target.kind === 'local' ? repo : library,
    servicesDir: path.join(scratch, 'services'),
    appUrlVars: new Map(),
    cleanups: [],
  };
  log(`pipeline: ${caller.workflow.file} › ${caller.job.id.value} calls ${caller.job.ref.value}`);
  log(`pipeline: library ${libraryRepository}@${shownCommit.slice(0, 12)} (${source}); event ${event} on ${ref}`);

  const repoName = await repositoryName(repo);
  const repoSha = (await tryGit(repo, ['rev-parse', 'HEAD'])) ?? '0'.repeat(40);
  const secrets: Record<string, string> = { GITHUB_TOKEN: '', ...(options.secrets ?? {}) };
  for (const value of Object.values(secrets)) if (value !== '') state.masks.add(value);
  const vars: Record<string, string> = { ...(options.vars ?? {}) };

  // Smoke tests need a URL: when the caller passes vars.*_URL that are not set, the runner
  // serves the service itself on a free port (kwok runs no containers) and points them there.
  if (options.provision !== false) {
    const callerText = JSON.stringify(caller.job['input-values'] ?? null);
    for (const match of callerText.matchAll(/vars\.([A-Za-z0-9_]*_URL)\b/g)) {
      const name = match[1] as string;
      if (vars[name] === undefined) {
        state.appPort ??= await freePort();
        state.appUrlVars.set(name, state.appPort);
        vars[name] = `http://127.0.0.1:${state.appPort}`;
      }
    }
    if (state.appUrlVars.size > 0) {
      report.notes.push(
        `vars ${[...state.appUrlVars.keys()].join(', ')} point at http://127.0.0.1:${state.appPort}, where the runner starts the service (npm start) for smoke tests: the local cluster's nodes are simulated and run no containers.`,
      );
    }
  }

  const github: Record<string, Json> = {
    event_name: event,
    event: {},
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha: repoSha,
    repository: repoName,
    repository_owner: repoName.split('/')[0] ?? 'local',
    actor: 'local',
    triggering_actor: 'local',
    run_id: String(Date.now()),
    run_number: '1',
    run_attempt: '1',
    workflow: caller.workflow.file,
    workspace,
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    token: '',
    action_path: '',
  };

  // Interrupted (Ctrl-C, a CI timeout): stop what the run started before exiting.
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of state.cleanups.splice(0).reverse()) await cleanup().catch((e: unknown) => log(`cleanup: ${String(e)}`));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`pipeline: ${signal}: stopping the services, the service process and removing the workspace`);
    void runCleanups()
      .then(() => rm(scratch, { recursive: true, force: true }))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await runCaller(state, caller, pipeline, { github, secrets, vars });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runCleanups();
    if (options.keepWorkspace) report.workspace = workspace;
    else await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  report.durationMs = performance.now() - started;
  report.status = report.jobs.some((j) => j.status === 'failure') ? 'failure' : 'success';
  return report;
}

interface Contexts {
  github: Record<string, Json>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
}

async function runCaller(state: RunState, caller: Caller, pipeline: ParsedWorkflow, base: Contexts): Promise<void> {
  const jobs = orderJobs(caller.workflow.template.jobs);
  const results = new Map<string, JobState>();
  for (const job of jobs) {
    const id = job.id.value;
    const needs = needsContext(job, results);
    const status = jobStatus(caller.workflow.template.jobs, id, results);
    const ctx: EvalContext = { contexts: { github: base.github, needs, vars: base.vars, inputs: {} }, status };
    const run = evaluateCondition(job.if.expression, ctx);
    if (!isReusableJob(job) || job !== caller.job) {
      if (!run) {
        results.set(id, { result: 'skipped', outputs: {} });
        state.report.jobs.push(skippedJob(id, id, `if: ${job.if.expression} was false`));
        continue;
      }
      if (isReusableJob(job)) {
        results.set(id, { result: 'skipped', outputs: {} });
        state.report.jobs.push(skippedJob(id, id, `calls ${job.ref.value}, which is not this pipeline`));
        continue;
      }
      const result = await runJob(state, caller.workflow, job, id, {
        github: base.github,
        needs,
        vars: base.vars,
        secrets: base.secrets,
        inputs: {},
        env: evaluateStringMap(get(caller.workflow.root, 'env'), ctx),
      });
      results.set(id, result);
      continue;
    }
    if (!run) {
      results.set(id, { result: 'skipped', outputs: {} });
      state.report.jobs.push(skippedJob(id, id, `if: ${job.if.expression} was false`));
      continue;
    }
    // The call: the caller's `with:` and `secrets:` are evaluated in the caller's contexts.
    const callerCtx: EvalContext = { contexts: { github: base.github, needs, vars: base.vars, secrets: base.secrets, inputs: {} }, status };
    const withValues = evaluateToken(job['input-values'], callerCtx) ?? {};
    const secretValues = evaluateStringMap(job['secret-values'], callerCtx);
    if (job['inherit-secrets']) Object.assign(secretValues, base.secrets);
    const inputs = resolveInputs(pipeline, withValues as Record<string, Json>, state.options.inputs ?? {}, caller.workflow.file);
    const declaredSecrets = pipeline.template.events.workflow_call?.secrets ?? {};
    for (const name of Object.keys(secretValues)) {
      if (!(name in declaredSecrets)) throw new WorkflowError(`${caller.workflow.file}: secret '${name}' is not declared by ${pipeline.file}`);
    }
    for (const [name, spec] of Object.entries(declaredSecrets)) {
      if (spec.required && !secretValues[name]) throw new WorkflowError(`${pipeline.file} requires secret '${name}'; pass it with --secret ${name}=...`);
    }
    const secrets: Record<string, string> = { GITHUB_TOKEN: '', ...secretValues };
    const outputs = await runCalledWorkflow(state, pipeline, id, { github: base.github, vars: base.vars, secrets, inputs });
    const failed = state.report.jobs.some((j) => j.path.startsWith(`${id}/`) && j.status === 'failure');
    results.set(id, { result: failed ? 'failure' : 'success', outputs });
    state.report.outputs = outputs;
  }
}

function skippedJob(id: string, jobPath: string, reason: string): JobReport {
  return { id, path: jobPath, name: id, status: 'skipped', reason, durationMs: 0, steps: [], outputs: {}, notes: [] };
}

function needsContext(job: Job | ReusableWorkflowJob, results: Map<string, JobState>): Record<string, Json> {
  const needs: Record<string, Json> = {};
  for (const need of job.needs ?? []) {
    const result = results.get(need.value);
    needs[need.value] = { result: result?.result ?? 'skipped', outputs: result?.outputs ?? {} };
  }
  return needs;
}

function jobStatus(all: (Job | ReusableWorkflowJob)[], id: string, results: Map<string, JobState>): StatusFunctions {
  const deps = [...ancestors(all, id)].map((d) => results.get(d)?.result ?? 'skipped');
  return {
    success: () => deps.every((r) => r === 'success'),
    failure: () => deps.some((r) => r === 'failure'),
    cancelled: () => false,
  };
}

/** The pipeline's inputs: declared defaults, the caller's `with:`, then local overrides; typed as declared. */
export function resolveInputs(
  pipeline: ParsedWorkflow,
  withValues: Record<string, Json>,
  overrides: Record<string, string>,
  callerFile: string,
): Record<string, Json> {
  const declared = pipeline.template.events.workflow_call?.inputs ?? {};
  // 'number' is a valid workflow_call input type that the parser's InputType enum lacks
  // (it converts it to undefined): read the declared type from the raw tokens.
  const rawInputs = get(get(get(pipeline.root, 'on'), 'workflow_call'), 'inputs');
  const typeOf = (name: string): string => literal(get(get(rawInputs, name), 'type')) ?? 'string';
  const inputs: Record<string, Json> = {};
  for (const [name, declaredSpec] of Object.entries(declared)) {
    const spec = { ...(declaredSpec as { required?: boolean; default?: unknown }), type: typeOf(name) };
    // The parser also drops the default of a 'number' input: fall back to the raw token.
    const raw = (spec.default ?? get(get(rawInputs, name), 'default')) as string | number | boolean | Parameters<typeof evaluateToken>[0] | undefined;
    if (raw !== undefined) inputs[name] = typeof raw === 'object' ? stringValue(evaluateToken(raw, { contexts: {}, status: never })) : raw;
    else inputs[name] = spec.type === 'boolean' ? false : spec.type === 'number' ? 0 : '';
  }
  for (const [name, value] of Object.entries(withValues)) {
    if (!(name in declared)) throw new WorkflowError(`${callerFile}: input '${name}' is not declared by ${pipeline.file} (declared: ${Object.keys(declared).join(', ')})`);
    inputs[name] = value;
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in declared)) throw new WorkflowError(`--input ${name}: not an input of ${pipeline.file} (declared: ${Object.keys(declared).join(', ')})`);
    inputs[name] = value;
  }
  for (const [name, declaredSpec] of Object.entries(declared)) {
    const spec = { ...(declaredSpec as { required?: boolean }), type: typeOf(name) };
    if (spec.required && !(name in withValues) && !(name in overrides)) throw new WorkflowError(`${pipeline.file} requires input '${name}'`);
    const value = inputs[name];
    if (spec.type === 'number' && typeof value === 'string') {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) throw new WorkflowError(`input '${name}' must be a number, got '${value}'`);
      inputs[name] = n;
    }
    if (spec.type === 'boolean' && typeof value === 'string') {
      if (value !== 'true' && value !== 'false') throw new WorkflowError(`input '${name}' must be true or false, got '${value}'`);
      inputs[name] = value === 'true';
    }
  }
  return inputs;
}

const never: StatusFunctions = { success: () => true, failure: () => false, cancelled: () => false };

async function runCalledWorkflow(
  state: RunState,
  pipeline: ParsedWorkflow,
  prefix: string,
  contexts: { github: Record<string, Json>; vars: Record<string, string>; secrets: Record<string, string>; inputs: Record<string, Json> },
): Promise<Record<string, string>> {
  for (const value of Object.values(contexts.secrets)) if (value !== '') state.masks.add(value);
  const all = pipeline.template.jobs;
  const results = new Map<string, JobState>();
  for (const job of orderJobs(all)) {
    const id = job.id.value;
    const jobPath = `${prefix}/${id}`;
    const needs = needsContext(job, results);
    const status = jobStatus(all, id, results);
    const ctx: EvalContext = { contexts: { github: contexts.github, needs, vars: contexts.vars, inputs: contexts.inputs }, status };
    let run: boolean;
    try {
      run = evaluateCondition(job.if.expression, ctx);
    } catch (error) {
      results.set(id, { result: 'failure', outputs: {} });
      state.report.jobs.push({ ...skippedJob(id, jobPath, `if: ${job.if.expression}: ${String(error)}`), status: 'failure' });
      continue;
    }
    if (!run) {
      results.set(id, { result: 'skipped', outputs: {} });
      const reason = `if: ${job.if.expression} → false`;
      state.report.jobs.push({ ...skippedJob(id, jobPath, reason), name: literal(job.name) ?? id });
      state.log(`○ ${jobPath} skipped (${reason})`);
      continue;
    }
    if (isReusableJob(job)) {
      results.set(id, { result: 'skipped', outputs: {} });
      state.report.jobs.push(skippedJob(id, jobPath, `nested reusable workflow ${job.ref.value} is not run locally`));
      continue;
    }
    const env = evaluateStringMap(get(pipeline.root, 'env'), { contexts: { github: contexts.github, vars: contexts.vars, inputs: contexts.inputs, secrets: contexts.secrets }, status });
    const result = await runJob(state, pipeline, job, jobPath, { ...contexts, needs, env });
    results.set(id, result);
  }
  const jobsContext: Record<string, Json> = {};
  for (const [id, r] of results) jobsContext[id] = { result: r.result, outputs: r.outputs };
  const outputsToken = workflowCallOutputs(pipeline);
  const outputs: Record<string, string> = {};
  const ctx: EvalContext = { contexts: { github: contexts.github, jobs: jobsContext, inputs: contexts.inputs, vars: contexts.vars }, status: never };
  if (outputsToken) {
    const specs = evaluateToken(outputsToken, ctx) as Record<string, Json> | null;
    for (const [name, spec] of Object.entries(specs ?? {})) {
      outputs[name] = mask(stringValue((spec as Record<string, Json> | null)?.['value'] ?? null), state.masks);
    }
  }
  return outputs;
}

interface JobContexts {
  github: Record<string, Json>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  inputs: Record<string, Json>;
  needs: Record<string, Json>;
  env: Record<string, string>;
}

interface StepRecord {
  outputs: Record<string, string>;
  outcome: Status;
  conclusion: Status;
}

async function runJob(state: RunState, workflow: ParsedWorkflow, job: Job, jobPath: string, contexts: JobContexts): Promise<JobState> {
  const started = performance.now();
  const raw = rawJob(workflow, job.id.value);
  const name = stringValue(evaluateToken(job.name, { contexts: { ...contexts }, status: never })) || job.id.value;
  const report: JobReport = { id: job.id.value, path: jobPath, name, status: 'success', durationMs: 0, steps: [], outputs: {}, notes: [] };
  state.report.jobs.push(report);
  state.log(`● ${jobPath} (${name})`);
  const logFile = path.join(state.logs, `${jobPath.replace(/\//g, '__')}.log`);
  const timeoutMinutes = Number(literal(get(raw, 'timeout-minutes')) ?? evaluateToken(get(raw, 'timeout-minutes'), { contexts: {}, status: never }) ?? 360) || 360;
  const rawText = JSON.stringify(raw ?? null);

  const jobContext: Record<string, Json> = {
    status: 'success',
    workflow_repository: state.libraryRepository,
    workflow_sha: state.report.library.commit,
    services: {},
  };
  const statusFor = (records: StepRecord[]): StatusFunctions => ({
    success: () => records.every((r) => r.conclusion !== 'failure'),
    failure: () => records.some((r) => r.conclusion === 'failure'),
    cancelled: () => false,
  });

  try {
    await provisionForJob(state, job, raw, rawText, jobContext, contexts, report);
  } catch (error) {
    report.status = 'failure';
    report.reason = `could not provide what the job needs: ${error instanceof Error ? error.message : String(error)}`;
    report.durationMs = performance.now() - started;
    state.log(`✗ ${jobPath}: ${report.reason}`);
    return { result: 'failure', outputs: {} };
  }
  const environment = evaluateToken(get(raw, 'environment'), { contexts: { ...contexts }, status: never });
  if (environment !== null) {
    const envName = typeof environment === 'string' ? environment : stringValue((environment as Record<string, Json>)['name'] ?? null);
    report.notes.push(`environment '${envName}': protection rules (reviewers, wait timers, branch policies) are GitHub's and are not applied locally.`);
  }

  const records: StepRecord[] = [];
  const stepsContext: Record<string, Json> = {};
  const jobEnv: Record<string, string> = { ...contexts.env, ...evaluateStringMap(job.env, { contexts: { ...contexts, job: jobContext }, status: never }) };
  const exportedEnv: Record<string, string> = {};
  const extraPath: string[] = [];
  const posts: { name: string; run: () => Promise<StepReport> }[] = [];

  for (const [index, step] of job.steps.entries()) {
    const rawS = rawStep(workflow, job.id.value, index);
    const env = { ...jobEnv, ...exportedEnv };
    const ctx: EvalContext = {
      contexts: { ...contexts, env, job: jobContext, steps: stepsContext, runner: runnerContext(state) },
      status: statusFor(records),
      workspace: state.workspace,
      hashFiles: (patterns) => hashFiles(state.workspace, patterns),
    };
    const stepName = displayName(step, rawS, ctx);
    const stepReport: StepReport = { name: stepName, id: step.id, status: 'skipped', outcome: 'skipped', durationMs: 0, summary: '', outputs: {}, annotations: [] };
    if ('uses' in step) stepReport.uses = step.uses.value;
    report.steps.push(stepReport);
    let shouldRun: boolean;
    try {
      shouldRun = 'if' in step && step.if ? evaluateCondition(step.if.expression, ctx) : true;
    } catch (error) {
      fail(stepReport, `if: ${String(error)}`);
      records.push({ outputs: {}, outcome: 'failure', conclusion: 'failure' });
      continue;
    }
    if (!shouldRun) {
      stepReport.reason = `if: ${'if' in step && step.if ? step.if.expression : ''} → false`;
      records.push({ outputs: {}, outcome: 'skipped', conclusion: 'skipped' });
      if (step.id && !step.id.startsWith('__')) stepsContext[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      state.log(`  ○ ${stepName} skipped (${stepReport.reason})`);
      continue;
    }
    const continueOnError = step['continue-on-error'] === true || (typeof step['continue-on-error'] === 'object' && stringValue(evaluateToken(step['continue-on-error'], ctx)) === 'true');
    let result: ProcessResult | undefined;
    try {
      const stepEnv = { ...env, ...evaluateStringMap('env' in step ? step.env : undefined, ctx) };
      if ('run' in step) {
        result = await runScript(state, step, rawS, ctx, stepEnv, extraPath, timeoutMinutes, logFile, stepName);
      } else if ('uses' in step) {
        const outcome = await runUses(state, step, rawS, ctx, stepEnv, extraPath, timeoutMinutes, logFile, stepName, jobContext, contexts);
        if (outcome.kind === 'skipped' || outcome.kind === 'done') {
          stepReport.status = outcome.kind === 'done' ? 'success' : 'skipped';
          stepReport.outcome = stepReport.status;
          stepReport.reason = outcome.reason;
          records.push({ outputs: {}, outcome: stepReport.status, conclusion: stepReport.status });
          if (step.id && !step.id.startsWith('__')) stepsContext[step.id] = { outputs: {}, outcome: stepReport.status, conclusion: stepReport.status };
          state.log(`  ${outcome.kind === 'done' ? '✓' : '○'} ${stepName} ${stepReport.status} (${outcome.reason})`);
          continue;
        }
        result = outcome.result;
        if (outcome.post) posts.push({ name: `Post ${stepName}`, run: outcome.post(result.state) });
      } else {
        throw new Error('only run: and uses: steps are supported locally');
      }
    } catch (error) {
      result = undefined;
      fail(stepReport, error instanceof Error ? error.message : String(error));
    }
    if (result) {
      stepReport.durationMs = result.durationMs;
      stepReport.summary = result.summary;
      stepReport.outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, mask(v, state.masks)]));
      stepReport.annotations = result.annotations;
      const ok = result.exitCode === 0;
      stepReport.outcome = ok ? 'success' : 'failure';
      stepReport.status = stepReport.outcome;
      if (!ok) {
        stepReport.reason = result.error ?? (result.timedOut ? `timed out after ${timeoutMinutes} min` : `exit code ${result.exitCode ?? result.signal}`);
        const failureMessage = result.annotations.filter((a) => a.level === 'error' && !a.file).pop()?.message;
        if (failureMessage) stepReport.reason += `: ${failureMessage}`;
        stepReport.tail = result.tail.slice(-25);
      }
      Object.assign(exportedEnv, result.exportedEnv);
      extraPath.unshift(...result.paths.reverse());
    }
    if (stepReport.outcome === 'failure' && continueOnError) stepReport.status = 'success';
    records.push({ outputs: stepReport.outputs, outcome: stepReport.outcome, conclusion: stepReport.status });
    if (step.id && !step.id.startsWith('__')) stepsContext[step.id] = { outputs: stepReport.outputs, outcome: stepReport.outcome, conclusion: stepReport.status };
    const mark = stepReport.status === 'success' ? '✓' : '✗';
    state.log(`  ${mark} ${stepName} ${stepReport.outcome}${continueOnError && stepReport.outcome === 'failure' ? ' (continue-on-error)' : ''} ${(stepReport.durationMs / 1000).toFixed(1)}s${stepReport.reason && stepReport.outcome === 'failure' ? ` — ${stepReport.reason}` : ''}`);
    if (stepReport.outcome === 'failure' && stepReport.tail && !state.options.verbose) for (const line of stepReport.tail.slice(-15)) state.log(`      │ ${line}`);
  }
  for (const post of posts.reverse()) report.steps.push(await post.run());

  const failed = records.some((r) => r.conclusion === 'failure');
  jobContext['status'] = failed ? 'failure' : 'success';
  report.status = failed ? 'failure' : 'success';
  const outputsCtx: EvalContext = { contexts: { ...contexts, job: jobContext, steps: stepsContext, runner: runnerContext(state) }, status: statusFor(records) };
  try {
    report.outputs = Object.fromEntries(Object.entries(evaluateStringMap(job.outputs, outputsCtx)).map(([k, v]) => [k, mask(v, state.masks)]));
  } catch (error) {
    report.notes.push(`outputs: ${String(error)}`);
  }
  report.durationMs = performance.now() - started;
  state.log(`${failed ? '✗' : '✓'} ${jobPath} ${report.status} ${(report.durationMs / 1000).toFixed(1)}s`);
  return { result: report.status, outputs: report.outputs };
}

function fail(step: StepReport, reason: string): void {
  step.status = 'failure';
  step.outcome = 'failure';
  step.reason = reason;
}

function runnerContext(state: RunState): Record<string, Json> {
  return { os: 'Linux', arch: 'X64', temp: path.join(state.scratch, 'runner-temp'), tool_cache: path.join(state.scratch, 'tool-cache'), name: 'local', environment: 'self-hosted' };
}

function displayName(step: Step, raw: ReturnType<typeof rawStep>, ctx: EvalContext): string {
  try {
    if (step.name) return stringValue(evaluateToken(step.name, ctx));
  } catch {
    /* fall through */
  }
  if ('run' in step) return `Run ${stringValue(evaluateToken(step.run, { ...ctx })).split('\n')[0]?.slice(0, 60) ?? ''}`;
  if ('uses' in step) return `Run ${step.uses.value}`;
  return literal(get(raw, 'id')) ?? step.id;
}

export function hashFiles(workspace: string, patterns: string[]): string {
  const files = new Set<string>();
  for (const pattern of patterns) for (const file of globSync(pattern, { cwd: workspace })) files.add(file);
  const sorted = [...files].sort();
  if (sorted.length === 0) return '';
  const total = createHash('sha256');
  for (const file of sorted) {
    try {
      total.update(createHash('sha256').update(readFileSync(path.join(workspace, file))).digest());
    } catch {
      /* a directory */
    }
  }
  return total.digest('hex');
}

function baseEnv(state: RunState, ctx: EvalContext, extraPath: string[]): Record<string, string> {
  const github = ctx.contexts['github'] as Record<string, Json>;
  const runner = runnerContext(state);
  // A self-hosted runner hands its own environment to every step; npm's per-script
  // variables of `npm run pipeline` itself are left out so they do not leak into the steps.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !/^(npm_|INIT_CWD$|GITHUB_|RUNNER_|INPUT_|STATE_|NODE_OPTIONS$)/.test(entry[0]),
    ),
  );
  // GitHub's runner images come with kubectl (and its kustomize); locally the one built by tools/kube.
  const kubeBin = path.join(state.options.library, 'tools/kube/bin');
  const env: Record<string, string> = {
    ...inherited,
    PATH: [...extraPath, path.dirname(process.execPath), ...(existsSync(path.join(kubeBin, 'kubectl')) ? [kubeBin] : []), process.env['PATH'] ?? '/usr/bin:/bin'].join(path.delimiter),
    HOME: process.env['HOME'] ?? state.scratch,
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: stringValue(runner['temp'] ?? ''),
    RUNNER_TOOL_CACHE: stringValue(runner['tool_cache'] ?? ''),
    GITHUB_WORKSPACE: state.workspace,
    GITHUB_REPOSITORY: stringValue(github['repository'] ?? ''),
    GITHUB_REPOSITORY_OWNER: stringValue(github['repository_owner'] ?? ''),
    GITHUB_SHA: stringValue(github['sha'] ?? ''),
    GITHUB_REF: stringValue(github['ref'] ?? ''),
    GITHUB_REF_NAME: stringValue(github['ref_name'] ?? ''),
    GITHUB_REF_TYPE: stringValue(github['ref_type'] ?? ''),
    GITHUB_EVENT_NAME: stringValue(github['event_name'] ?? ''),
    GITHUB_RUN_ID: stringValue(github['run_id'] ?? ''),
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'local',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW: stringValue(github['workflow'] ?? ''),
    GITHUB_JOB: '',
  };
  return env;
}

async function runScript(
  state: RunState,
  step: Step & { run: unknown },
  raw: ReturnType<typeof rawStep>,
  ctx: EvalContext,
  stepEnv: Record<string, string>,
  extraPath: string[],
  timeoutMinutes: number,
  logFile: string,
  stepName: string,
): Promise<ProcessResult> {
  const script = stringValue(evaluateToken((step as { run: Parameters<typeof evaluateToken>[0] }).run, ctx));
  const workingDirectory = stringValue(evaluateToken(get(raw, 'working-directory'), ctx));
  const shell = stringValue(evaluateToken(get(raw, 'shell'), ctx)) || 'bash';
  const cwd = path.resolve(state.workspace, workingDirectory || '.');
  const scriptDir = path.join(state.scratch, 'scripts');
  await mkdir(scriptDir, { recursive: true });
  const file = path.join(scriptDir, `${Date.now()}-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(file, script);
  let command: string;
  let args: string[];
  if (shell === 'bash') [command, args] = ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]];
  else if (shell === 'sh') [command, args] = ['sh', ['-e', file]];
  else throw new Error(`shell '${shell}' is not supported locally (bash and sh are)`);
  await mkdir(path.join(state.scratch, 'runner-temp'), { recursive: true });
  await appendLog(logFile, `\n##[step] ${stepName}\n`);
  return runProcess({
    command,
    args,
    cwd,
    env: { ...baseEnv(state, ctx, extraPath), ...stepEnv },
    timeoutMs: timeoutMinutes * 60_000,
    scratchRoot: state.scratch,
    masks: state.masks,
    logFile,
    ...(state.options.verbose ? { onLine: (line: string) => state.log(`      │ ${line}`) } : {}),
  });
}

async function appendLog(file: string, text: string): Promise<void> {
  await appendFile(file, text);
}

type UsesOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'done'; reason: string }
  | { kind: 'ran'; result: ProcessResult; post?: (state: Record<string, string>) => () => Promise<StepReport> };

/** Why a remote action is not run here. */
export function remoteActionSkipReason(uses: string): string {
  const name = uses.split('@')[0]?.toLowerCase() ?? uses;
  if (name.startsWith('docker/')) return 'needs Docker (buildx, QEMU, a registry): not run locally';
  if (name === 'actions/setup-node') return `needs GitHub's tool cache; the local run uses Node ${process.version} from this checkout`;
  if (name.startsWith('actions/setup-')) return `needs GitHub's tool cache; the local run uses the tools on PATH`;
  if (name === 'actions/cache' || name.startsWith('actions/cache/')) return "needs GitHub's cache service";
  if (name.startsWith('github/codeql-action')) return 'needs GitHub code scanning (SARIF upload)';
  if (name === 'aquasecurity/setup-trivy') return 'downloads Trivy from GitHub; the local run uses trivy from PATH if present';
  if (name === 'helm/kind-action') return 'needs Docker for kind; the local run uses tools/kube/cluster.sh';
  return `remote action ${name} needs GitHub to download it; not run locally`;
}

async function runUses(
  state: RunState,
  step: Step & { uses: { value: string } },
  raw: ReturnType<typeof rawStep>,
  ctx: EvalContext,
  stepEnv: Record<string, string>,
  extraPath: string[],
  timeoutMinutes: number,
  logFile: string,
  stepName: string,
  jobContext: Record<string, Json>,
  contexts: JobContexts,
): Promise<UsesOutcome> {
  const uses = step.uses.value;
  const withValues = evaluateStringMap(get(raw, 'with'), ctx);
  if (uses.startsWith('docker://')) return { kind: 'skipped', reason: 'container action: needs Docker' };
  if (!uses.startsWith('./')) {
    const name = uses.split('@')[0]?.toLowerCase() ?? '';
    if (name === 'actions/checkout') return checkout(state, withValues, jobContext, contexts);
    if (name === 'actions/upload-artifact') return uploadArtifact(state, withValues);
    if (name === 'actions/download-artifact') return downloadArtifact(state, withValues);
    return { kind: 'skipped', reason: remoteActionSkipReason(uses) };
  }
  const actionDir = path.resolve(state.workspace, uses);
  const manifestFile = (await exists(path.join(actionDir, 'action.yml'))) ? path.join(actionDir, 'action.yml') : path.join(actionDir, 'action.yaml');
  if (!(await exists(manifestFile))) {
    throw new Error(`${uses}: no action.yml in ${path.relative(state.workspace, actionDir) || '.'} (is the checkout step before it?)`);
  }
  const manifest = parseYaml(await readFile(manifestFile, 'utf8')) as {
    inputs?: Record<string, { default?: unknown; required?: boolean }>;
    runs?: { using?: string; main?: string; post?: string; 'post-if'?: string };
  };
  const using = manifest.runs?.using ?? '';
  if (!/^node\d+$/.test(using)) return { kind: 'skipped', reason: `runs.using: ${using} actions are not run locally (node actions are)` };
  const main = path.resolve(actionDir, manifest.runs?.main ?? 'dist/index.js');
  if (!(await exists(main))) throw new Error(`${uses}: ${path.relative(actionDir, main)} does not exist (build the action: npm run build)`);
  const declared = manifest.inputs ?? {};
  const unexpected = Object.keys(withValues).filter((k) => !(k in declared));
  const inputEnv: Record<string, string> = {};
  const actionCtx: EvalContext = { ...ctx, contexts: { ...ctx.contexts, github: { ...(ctx.contexts['github'] as Record<string, Json>), action_path: actionDir } } };
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default === undefined) continue;
    const text = stringValue(spec.default as Json);
    const expr = /^\$\{\{(.*)\}\}$/s.exec(text.trim());
    inputEnv[inputVariable(name)] = expr?.[1] ? stringValue(evaluateExpression(expr[1], actionCtx)) : text;
  }
  for (const [name, value] of Object.entries(withValues)) inputEnv[inputVariable(name)] = value;
  await appendLog(logFile, `\n##[step] ${stepName}\n`);
  if (unexpected.length > 0) await appendLog(logFile, `##[warning]Unexpected input(s) ${unexpected.join(', ')}, valid inputs are ${Object.keys(declared).join(', ')}\n`);
  const env = { ...baseEnv(state, ctx, extraPath), ...stepEnv, ...inputEnv, GITHUB_ACTION_PATH: actionDir };
  const spec = {
    command: process.execPath,
    cwd: state.workspace,
    env,
    timeoutMs: timeoutMinutes * 60_000,
    scratchRoot: state.scratch,
    masks: state.masks,
    logFile,
    ...(state.options.verbose ? { onLine: (line: string) => state.log(`      │ ${line}`) } : {}),
  };
  await mkdir(path.join(state.scratch, 'runner-temp'), { recursive: true });
  const result = await runProcess({ ...spec, args: [main] });
  if (result.exitCode === 0 && uses.endsWith('actions/deploy-k8s') && withValues['manifests']) {
    state.deployedManifests = withValues['manifests'].split('\n').map((m) => path.resolve(state.workspace, m.trim())).filter((m) => m !== state.workspace);
  }
  if (unexpected.length > 0) result.annotations.unshift({ level: 'warning', message: `Unexpected input(s) '${unexpected.join("', '")}'` });
  const postFile = manifest.runs?.post;
  if (!postFile) return { kind: 'ran', result };
  return {
    kind: 'ran',
    result,
    post: (saved) => async () => {
      const postResult = await runProcess({ ...spec, env: { ...env }, args: [path.resolve(actionDir, postFile)], state: saved });
      return {
        name: `Post ${stepName}`,
        id: `post-${step.id}`,
        status: postResult.exitCode === 0 ? 'success' : 'failure',
        outcome: postResult.exitCode === 0 ? 'success' : 'failure',
        durationMs: postResult.durationMs,
        summary: postResult.summary,
        outputs: {},
        annotations: postResult.annotations,
      };
    },
  };
}

async function checkout(state: RunState, withValues: Record<string, string>, jobContext: Record<string, Json>, contexts: JobContexts): Promise<UsesOutcome> {
  const repository = withValues['repository'] ?? '';
  const github = contexts.github;
  if (repository === '' || (repository === github['repository'] && repository !== jobContext['workflow_repository'])) {
    return { kind: 'skipped', reason: 'needs GitHub: the workspace already is a copy of the local repository' };
  }
  if (repository === jobContext['workflow_repository']) {
    const target = path.resolve(state.workspace, withValues['path'] || '.');
    if (!target.startsWith(state.workspace)) throw new Error(`checkout path '${withValues['path']}' leaves the workspace`);
    const patterns = (withValues['sparse-checkout'] ?? '').split('\n').map((p) => p.trim()).filter((p) => p !== '');
    await rm(target, { recursive: true, force: true });
    const ref = withValues['ref'] ?? '';
    const commit = state.libraryCommit;
    if (commit !== undefined && ref !== commit) throw new Error(`checkout of ${repository} asks for ref '${ref}', but this run resolved the workflow to ${commit}`);
    await materializeLibrary(state.librarySource, commit, patterns.length ? patterns : ['actions'], target);
    const where = commit === undefined ? 'working tree' : `commit ${commit.slice(0, 12)}`;
    return { kind: 'done', reason: `${repository}@${stringValue(jobContext['workflow_sha'] ?? null).slice(0, 12)} (${where}) → ${path.relative(state.workspace, target)}/ (${patterns.join(', ') || 'actions'})` };
  }
  return { kind: 'skipped', reason: `needs GitHub to clone ${repository}` };
}

async function uploadArtifact(state: RunState, withValues: Record<string, string>): Promise<UsesOutcome> {
  const name = withValues['name'] || 'artifact';
  const destination = path.join(state.artifacts, name);
  const sources = (withValues['path'] ?? '').split('\n').map((p) => p.trim()).filter((p) => p !== '');
  let copied = 0;
  for (const source of sources) {
    const from = path.resolve(state.workspace, source);
    if (!(await exists(from))) continue;
    await cp(from, path.join(destination, path.basename(from)), { recursive: true });
    copied++;
  }
  if (copied === 0) {
    const policy = withValues['if-no-files-found'] || 'warn';
    if (policy === 'error') throw new Error(`upload-artifact '${name}': no files found at ${sources.join(', ')}`);
    return { kind: 'done', reason: `no files at ${sources.join(', ')} (if-no-files-found: ${policy})` };
  }
  return { kind: 'done', reason: `stored locally as ${path.relative(process.cwd(), destination)}` };
}

async function downloadArtifact(state: RunState, withValues: Record<string, string>): Promise<UsesOutcome> {
  const name = withValues['name'] || 'artifact';
  const from = path.join(state.artifacts, name);
  if (!(await exists(from))) throw new Error(`download-artifact: no artifact '${name}' was uploaded in this run`);
  const to = path.resolve(state.workspace, withValues['path'] || '.');
  await cp(from, to, { recursive: true });
  return { kind: 'done', reason: `copied local artifact '${name}' to ${path.relative(state.workspace, to)}` };
}

/** Brings up services, the cluster and the app when a job needs them. */
async function provisionForJob(
  state: RunState,
  _job: Job,
  raw: ReturnType<typeof rawJob>,
  rawText: string,
  jobContext: Record<string, Json>,
  contexts: JobContexts,
  report: JobReport,
): Promise<void> {
  const services = evaluateToken(get(raw, 'services'), { contexts: { ...contexts }, status: never }) as Record<string, Record<string, Json>> | null;
  if (services && Object.keys(services).length > 0) {
    if (state.options.provision === false) throw new Error('the job has service containers and provisioning is off (--no-provision)');
    const mapped: Record<string, Json> = {};
    const needed = Object.entries(services).map(([label, spec]) => [label, stringValue(spec['image'] ?? '')] as const);
    for (const [label, image] of needed) {
      if (!/^(postgres|redis)(:|@|$)/.test(image.replace(/^docker\.io\/(library\/)?/, ''))) {
        throw new Error(`service '${label}' uses image '${image}'; locally only postgres and redis are provided (tools/services/services.sh)`);
      }
    }
    if (!state.services) {
      const t = performance.now();
      state.services = await startServices(state.options.library, state.servicesDir, (line) => state.log(`      ${line}`));
      const dir = state.servicesDir;
      state.cleanups.push(() => stopServices(state.options.library, dir, (line) => state.log(line)));
      report.notes.push(`PostgreSQL and Redis started by tools/services/services.sh in ${((performance.now() - t) / 1000).toFixed(1)}s.`);
    }
    for (const [label, image] of needed) {
      const isPg = image.replace(/^docker\.io\/(library\/)?/, '').startsWith('postgres');
      const port = isPg ? state.services.postgresPort : state.services.redisPort;
      const containerPort = isPg ? '5432' : '6379';
      mapped[label] = { id: `local-${label}`, network: 'host', ports: { [containerPort]: String(port ?? '') } };
      report.notes.push(`service '${label}' (${image}) → 127.0.0.1:${port} (Debian's ${isPg ? 'PostgreSQL' : 'Redis'}, trust authentication)`);
    }
    jobContext['services'] = mapped;
  }
  if (state.options.provision === false) return;
  // A kubeconfig secret the job reads but nobody set: the local cluster's.
  for (const match of rawText.matchAll(/secrets\.([A-Za-z0-9_]*KUBECONFIG)\b/g)) {
    const name = match[1] as string;
    if (contexts.secrets[name]) continue;
    if (!state.kubeconfig) {
      const t = performance.now();
      state.log(`      starting the local Kubernetes cluster (tools/kube/cluster.sh up)`);
      state.kubeconfig = await startCluster(state.options.library, (line) => state.log(`      ${line}`));
      report.notes.push(`Kubernetes: tools/kube/cluster.sh up in ${((performance.now() - t) / 1000).toFixed(1)}s, kubeconfig ${state.kubeconfig} (kwok nodes: pods become Ready without running containers).`);
    }
    contexts.secrets[name] = await readFile(state.kubeconfig, 'utf8');
    state.masks.add(contexts.secrets[name]);
    report.notes.push(`secret ${name} ← the local cluster's kubeconfig`);
  }
  // The service for smoke tests, when the URL points at the runner's own port.
  if (state.appPort !== undefined && !state.app && /actions\/smoke-test/.test(rawText)) {
    const serviceDir = path.resolve(state.workspace, stringValue(contexts.inputs['service-directory'] ?? '.'));
    const t = performance.now();
    if (!(await exists(path.join(serviceDir, 'node_modules')))) {
      // What the image build does (npm ci), when no earlier job installed the dependencies.
      const install = await runProcess({
        command: 'npm',
        args: ['ci', '--no-audit', '--no-fund'],
        cwd: serviceDir,
        env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('npm_'))),
        timeoutMs: 15 * 60_000,
        scratchRoot: state.scratch,
        masks: state.masks,
        logFile: path.join(state.logs, 'service-install.log'),
      });
      if (install.exitCode !== 0) throw new Error(`npm ci for the service failed: ${install.tail.slice(-3).join(' | ')}`);
    }
    if (!state.services) {
      // The service needs its databases: the same local PostgreSQL and Redis the test job uses.
      state.services = await startServices(state.options.library, state.servicesDir, (line) => state.log(`      ${line}`));
      const dir = state.servicesDir;
      state.cleanups.push(() => stopServices(state.options.library, dir, (line) => state.log(line)));
    }
    // The configuration the deploy applied (container env values and envFrom ConfigMaps), then the local databases.
    const deployed = await deployedEnvironment(state.deployedManifests ?? []);
    const env: Record<string, string> = { ...deployed, ...state.services.env };
    // A real environment's database is already migrated; the fresh local one gets the service's own `npm run migrate`.
    const pkg = JSON.parse(await readFile(path.join(serviceDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    if (pkg.scripts?.['migrate']) {
      const migrate = await runProcess({
        command: 'npm',
        args: ['run', 'migrate'],
        cwd: serviceDir,
        env: { ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('npm_'))), ...env },
        timeoutMs: 5 * 60_000,
        scratchRoot: state.scratch,
        masks: state.masks,
        logFile: path.join(state.logs, 'service-migrate.log'),
      });
      if (migrate.exitCode !== 0) throw new Error(`npm run migrate failed: ${migrate.tail.slice(-3).join(' | ')}`);
      report.notes.push('The local database was prepared with the service\'s `npm run migrate` (a real environment\'s database is already migrated).');
    }
    if (Object.keys(deployed).length > 0) report.notes.push(`The service gets the deployed configuration: ${Object.keys(deployed).sort().join(', ')} (from the applied manifests).`);
    state.app = await startApp(serviceDir, state.appPort, env, path.join(state.logs, 'service.log'));
    const app = state.app;
    state.cleanups.push(() => app.stop());
    report.notes.push(
      `The service runs locally at ${state.app.url} (npm start in ${path.relative(state.workspace, serviceDir) || '.'}, ready in ${((performance.now() - t) / 1000).toFixed(1)}s, on the local PostgreSQL and Redis).`,
    );
  }
}

export { WorkflowError };

/** Environment of the deployed workloads: literal container env values and ConfigMaps they load with envFrom. */
export async function deployedEnvironment(files: string[]): Promise<Record<string, string>> {
  type Obj = { kind?: string; metadata?: { name?: string }; data?: Record<string, unknown>; spec?: { template?: { spec?: { containers?: Container[] } } } };
  type Container = { env?: { name?: string; value?: unknown }[]; envFrom?: { configMapRef?: { name?: string } }[] };
  const objects: Obj[] = [];
  const collect = async (file: string): Promise<void> => {
    const info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      for (const name of (await readdir(file)).sort()) if (/\.ya?ml$/.test(name) && !/^kustomization\.ya?ml$/.test(name)) await collect(path.join(file, name));
      return;
    }
    if (!info?.isFile()) return;
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const value = doc.toJS() as Obj | null;
      if (value && typeof value === 'object') objects.push(value);
    }
  };
  for (const file of files) await collect(file);
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata?.name ?? '', o.data ?? {}]));
  const env: Record<string, string> = {};
  for (const workload of objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind ?? ''))) {
    for (const container of workload.spec?.template?.spec?.containers ?? []) {
      for (const from of container.envFrom ?? []) {
        for (const [k, v] of Object.entries(configMaps.get(from.configMapRef?.name ?? '') ?? {})) env[k] = stringValue(v as Json);
      }
      for (const entry of container.env ?? []) if (entry.name && entry.value !== undefined) env[entry.name] = stringValue(entry.value as Json);
    }
  }
  for (const local of ['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'NODE_ENV']) delete env[local];
  return env;
}
