/**
 * Runs a repository's caller workflow, and the reusable pipeline it calls,
 * on this machine as GitHub would: jobs in `needs` order, `if:` and `${{ }}`
 * through the official expression evaluator, this library's JavaScript
 * actions as node processes with INPUT_* variables and runner files, `run:`
 * steps in bash, and steps that need GitHub or Docker reported as skipped
 * with the reason. This module wires the pieces together.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import path from 'node:path';
import { findCaller } from './caller.js';
import type { Caller } from './caller.js';
import { githubContext } from './environment.js';
import { checkCallerInputTypes } from './inputs.js';
import { resolveLibrary } from './library.js';
import type { ResolvedLibrary } from './library.js';
import { localizeImageOutputs } from './local-images.js';
import { repositoryName, tryGit } from './local.js';
import { Provisioner } from './provisioning/provisioner.js';
import { contextReferences } from './references.js';
import type { RunOptions, RunReport } from './report-types.js';
import type { RunState } from './run-state.js';
import { overallStatus } from './step-rules.js';
import { runCaller } from './workflow-run.js';
import { Cleanups, prepareWorkspace, withInterruptCleanup } from './workspace.js';
import type { RunDirs } from './workspace.js';

export type { JobReport, Result, RunOptions, RunReport, Status, StepReport } from './report-types.js';
export { findCaller, parseCallRef } from './caller.js';
export { resolveInputs } from './inputs.js';
export { remoteActionSkip } from './provisioning/table.js';
export { deployedEnvironment } from './provisioning/deployed-env.js';
export { hashFiles } from './environment.js';
export { WorkflowError } from './workflow.js';

function initialReport(
  options: RunOptions,
  repo: string,
  caller: Caller,
  lib: ResolvedLibrary,
  copied: number,
  dirs: RunDirs,
): RunReport {
  const branch = options.ref ?? 'main';
  const ref = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
  const library = path.resolve(options.library);
  return {
    repo,
    callerWorkflow: caller.workflow.file,
    callerJob: caller.job.id.value,
    pipelineRef: caller.job.ref.value,
    library: { path: library, repository: lib.repository, commit: lib.shownCommit, source: lib.source },
    event: options.event ?? 'push',
    ref,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    status: 'success',
    jobs: [],
    outputs: {},
    notes: [
      `Workspace: a copy of ${copied} files of ${repo} (tracked and untracked, not ignored) in ${dirs.workspace}; every job shares it.`,
      lib.source === 'commit'
        ? `${caller.job.ref.value} resolved to ${lib.repository}@${lib.shownCommit} in ${library}; its actions are checked out from that commit.`
        : `The pipeline and its actions come from the working tree of ${lib.sourceDir} (commit ${lib.shownCommit.slice(0, 12)} plus any uncommitted changes).`,
    ],
  };
}

/** A token shaped like GitHub's installation tokens, random per run. */
export function localGithubToken(): string {
  return `ghs_local${randomBytes(18).toString('hex')}`;
}

/** Runs the pipeline for a repository and returns the report (written under reportDir by the caller of this function). */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const repo = path.resolve(options.repo);
  const caller = await findCaller(repo, options.workflow);
  const lib = await resolveLibrary(caller, repo, path.resolve(options.library), options.libraryRef);
  checkCallerInputTypes(caller.workflow.file, caller.job, lib.pipeline); // as GitHub does, before any job
  const { dirs, copied } = await prepareWorkspace(repo, options.reportDir);
  const branch = options.ref ?? (await tryGit(repo, ['rev-parse', '--abbrev-ref', 'HEAD'])) ?? 'main';
  const report = initialReport({ ...options, ref: branch }, repo, caller, lib, copied, dirs);
  const masker = new SecretMasker();
  const cleanups = new Cleanups(log);
  const provisioner = new Provisioner({
    enabled: options.provision !== false,
    library: options.library,
    dirs,
    masker,
    cleanups,
    log,
    kwokOnly: options.kwokOnly === true,
  });
  const state: RunState = {
    options,
    report,
    masker,
    dirs,
    log,
    library: { commit: lib.commit, repository: lib.repository, sourceDir: lib.sourceDir },
    provisioner,
    cleanups,
  };
  log(`pipeline: ${caller.workflow.file} › ${caller.job.id.value} calls ${caller.job.ref.value}`);
  log(
    `pipeline: library ${lib.repository}@${lib.shownCommit.slice(0, 12)} (${lib.source}); event ${report.event} on ${report.ref}`,
  );

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
    sha: (await tryGit(repo, ['rev-parse', 'HEAD'])) ?? '0'.repeat(40),
    repository: await repositoryName(repo),
    workflow: caller.workflow.file,
    workspace: dirs.workspace,
  });
  try {
    await withInterruptCleanup(cleanups, dirs.scratch, log, () =>
      runCaller(state, caller, lib.pipeline, { github, secrets, vars }),
    );
  } finally {
    if (options.keepWorkspace) report.workspace = dirs.workspace;
    else await rm(dirs.scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  const local = localizeImageOutputs(report.outputs, provisioner.imageMappings());
  report.outputs = local.outputs;
  report.notes.push(...local.notes);
  report.durationMs = performance.now() - started;
  report.status = overallStatus(report.jobs.map((j) => j.status));
  return report;
}
