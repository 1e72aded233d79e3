/**
 * Runs a repository's caller workflow, and the reusable pipeline it calls,
 * on this machine as GitHub would: jobs in `needs` order, `if:` and `${{ }}`
 * through the official expression evaluator, this library's JavaScript
 * actions as node processes with INPUT_* variables and runner files, `run:`
 * steps in bash, and steps that need GitHub or Docker reported as skipped
 * with the reason. This module wires the pieces together.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import path from 'node:path';
import { deleteCluster, persistenceNote } from './cluster-lifecycle.js';
import { githubContext } from './environment.js';
import { checkCallerInputTypes } from './inputs.js';
import { resolveLibrary } from './library.js';
import type { ResolvedLibrary } from './library.js';
import { chooseLibraryRef, localCallAtCommit } from './library-ref.js';
import { localizeImageOutputs } from './local-images.js';
import { Provisioner } from './provisioning/provisioner.js';
import { contextReferences } from './references.js';
import type { RunOptions, RunReport } from './report-types.js';
import { planRun, triggerNote } from './run-plan.js';
import type { RunPlan } from './run-plan.js';
import type { RunState } from './run-state.js';
import { overallStatus } from './step-rules.js';
import { runCaller } from './workflow-run.js';
import { forbidInstalls, installNote, watchInstalls } from './system-packages.js';
import { Cleanups, prepareWorkspace, withInterruptCleanup } from './workspace.js';

export type { JobReport, Result, RunOptions, RunReport, Status, StepReport } from './report-types.js';
export { findCaller, parseCallRef } from './caller.js';
export { resolveInputs } from './inputs.js';
export { remoteActionSkip } from './provisioning/table.js';
export { deployedEnvironment } from './provisioning/deployed-env.js';
export { hashFiles } from './environment.js';
export { WorkflowError } from './workflow.js';
export { NotTriggeredError } from './run-plan.js';
export { RefError } from './ref-checkout.js';

function initialReport(
  repo: string,
  plan: RunPlan,
  lib: ResolvedLibrary,
  copied: number,
  library: string,
  forced: boolean,
): RunReport {
  const { caller, target } = plan;
  return {
    repo,
    callerWorkflow: caller.workflow.file,
    callerJob: caller.job.id.value,
    pipelineRef: caller.job.ref.value,
    library: { path: library, repository: lib.repository, commit: lib.shownCommit, source: lib.source },
    event: target.event,
    ref: target.ref,
    sha: target.sha,
    trigger: {
      triggered: target.trigger.triggered,
      forced,
      detail: target.trigger.triggered ? target.trigger.why : target.trigger.reason,
    },
    startedAt: new Date().toISOString(),
    durationMs: 0,
    status: 'success',
    jobs: [],
    outputs: {},
    notes: [
      triggerNote(caller.workflow.file, target),
      plan.describe(copied),
      ...target.notes,
      lib.source === 'commit'
        ? `${caller.job.ref.value} resolved to ${lib.repository}@${lib.shownCommit} in ${lib.sourceDir}; its actions are checked out from that commit.`
        : `The pipeline and its actions come from the working tree of ${lib.sourceDir} (commit ${lib.shownCommit.slice(0, 12)} plus any uncommitted changes).`,
    ],
  };
}

/** The library the call resolves to: a local call at the run's commit, or the caller's @ref (or its local release tag). */
async function libraryFor(
  plan: RunPlan,
  repo: string,
  options: RunOptions,
): Promise<{ lib: ResolvedLibrary; notes: string[] }> {
  const { caller, target } = plan;
  if (caller.target.kind === 'local' && target.source === 'commit')
    return { lib: await localCallAtCommit(caller, plan.gitDir, target.sha, plan.repository), notes: [] };
  const library = path.resolve(options.library);
  const choice = await chooseLibraryRef(caller, library, options.libraryRef);
  return { lib: await resolveLibrary(caller, repo, library, choice.libraryRef), notes: choice.notes };
}

/** A token shaped like GitHub's installation tokens, random per run. */
export function localGithubToken(): string {
  return `ghs_local${randomBytes(18).toString('hex')}`;
}

interface Started {
  state: RunState;
  eventPath: string;
}

/** The workspace, the report, the provisioner: everything up to the first job. */
async function startRun(
  repo: string,
  plan: RunPlan,
  lib: ResolvedLibrary,
  libraryNotes: string[],
  options: RunOptions,
  log: (line: string) => void,
): Promise<Started> {
  const { caller, target } = plan;
  const fresh =
    options.freshCluster && options.provision !== false ? await deleteCluster(options.library, log) : undefined;
  const { dirs, copied } = await prepareWorkspace(repo, options.reportDir, plan.fill);
  const report = initialReport(repo, plan, lib, copied, path.resolve(options.library), !target.trigger.triggered);
  report.notes.push(...libraryNotes, ...(fresh ? [fresh] : []));
  // Outside the workspace, as on GitHub (runner temp): the event payload of GITHUB_EVENT_PATH.
  const eventPath = path.join(dirs.scratch, '_github_workflow', 'event.json');
  await mkdir(path.dirname(eventPath), { recursive: true });
  await writeFile(eventPath, JSON.stringify(target.payload, null, 2));
  const masker = new SecretMasker();
  const cleanups = new Cleanups(log);
  cleanups.push(plan.cleanup); // a pull request's scratch clone, also on Ctrl-C
  const provisioner = new Provisioner({
    enabled: options.provision !== false,
    library: options.library,
    dirs,
    masker,
    cleanups,
    log,
    kwokOnly: options.kwokOnly === true,
  });
  log(`pipeline: ${caller.workflow.file} › ${caller.job.id.value} calls ${caller.job.ref.value}`);
  log(
    `pipeline: library ${lib.repository}@${lib.shownCommit.slice(0, 12)} (${lib.source}); event ${report.event} on ${report.ref} @ ${target.sha.slice(0, 12)} (${plan.head.label}, ${target.source})`,
  );
  for (const note of [report.notes[0] ?? '', ...target.notes, ...libraryNotes, ...(fresh ? [fresh] : [])])
    log(`pipeline: ${note}`);
  const library = { commit: lib.commit, repository: lib.repository, sourceDir: lib.sourceDir };
  return { state: { options, report, masker, dirs, log, library, provisioner, cleanups }, eventPath };
}

/** The caller workflow's jobs, with the run's github context, secrets and variables. */
async function runJobs({ state, eventPath }: Started, plan: RunPlan, lib: ResolvedLibrary): Promise<void> {
  const { options, report, masker, dirs, provisioner, cleanups, log } = state;
  const { caller, target } = plan;
  // GitHub gives every job a GITHUB_TOKEN; locally it is a random value, masked, that only reaches the local registry.
  const secrets: Record<string, string> = { GITHUB_TOKEN: localGithubToken(), ...(options.secrets ?? {}) };
  if (!options.secrets?.['GITHUB_TOKEN'])
    report.notes.push(
      'secrets.GITHUB_TOKEN is a random local token (masked): the docker login it serves goes to the local registry, and nothing here calls the GitHub API.',
    );
  for (const value of Object.values(secrets)) masker.addSecret(value);
  const vars: Record<string, string> = { ...(options.vars ?? {}) };
  await provisioner.provideCallerVars(caller.job['input-values'], vars, report.notes);
  // GitHub: "If a configuration variable has not been set, the return value of a context
  // referencing the variable will be an empty string" (not null).
  for (const name of contextReferences(caller.job['input-values'], 'vars')) vars[name] ??= '';
  const github = githubContext({
    event: report.event,
    ref: report.ref,
    sha: target.sha,
    repository: plan.repository,
    workflow: caller.workflow.file,
    workspace: dirs.workspace,
    payload: target.payload,
    eventPath,
    headRef: target.headRef,
    baseRef: target.baseRef,
  });
  try {
    await withInterruptCleanup(cleanups, dirs.scratch, log, () =>
      runCaller(state, caller, lib.pipeline, { github, secrets, vars }),
    );
  } finally {
    if (options.keepWorkspace) report.workspace = dirs.workspace;
    else await rm(dirs.scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Runs the pipeline for a repository and returns the report (written under reportDir by the caller of this function). */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const installed: string[] = [];
  const log = watchInstalls(options.log ?? ((line: string) => console.log(line)), installed);
  const repo = path.resolve(options.repo);
  const plan = await planRun(repo, options);
  const restoreEnv = options.install === false ? forbidInstalls() : () => undefined;
  try {
    const { lib, notes: libraryNotes } = await libraryFor(plan, repo, options);
    checkCallerInputTypes(plan.caller.workflow.file, plan.caller.job, lib.pipeline); // as GitHub does, before any job
    const run = await startRun(repo, plan, lib, libraryNotes, options, log);
    await runJobs(run, plan, lib);
    const { report, provisioner } = run.state;
    const local = localizeImageOutputs(report.outputs, provisioner.imageMappings());
    report.outputs = local.outputs;
    report.notes.push(...local.notes, installNote(installed, options.install !== false));
    const kubeconfig = provisioner.clusterKubeconfig();
    if (kubeconfig) {
      report.notes.push(persistenceNote(options.library, kubeconfig));
      log(`pipeline: ${persistenceNote(options.library, kubeconfig)}`);
    }
    report.durationMs = performance.now() - started;
    report.status = overallStatus(report.jobs.map((j) => j.status));
    return report;
  } finally {
    restoreEnv();
    await plan.cleanup();
  }
}
