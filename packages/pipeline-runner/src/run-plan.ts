/**
 * Before anything runs: the commit to run (--ref, --working-tree), the
 * caller workflow as that commit has it (GitHub reads the workflow file of
 * the pushed commit), the event GitHub would deliver, and whether the
 * caller's on: would start the workflow; and how the workspace gets the
 * repository's files.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findCaller } from './caller.js';
import type { Caller } from './caller.js';
import { copyWorkingTree, repositoryName } from './local.js';
import { checkoutCommit, gitOut, RefError } from './ref-checkout.js';
import type { ResolvedRef } from './ref-checkout.js';
import type { RunOptions } from './report-types.js';
import { pullRequestSides, testMerge } from './pull-request.js';
import { resolveHead, resolveRunTarget } from './run-target.js';
import type { PullRequestRun, RunTarget } from './run-target.js';

/** The caller's on: would not start this run (and --force was not given). */
export class NotTriggeredError extends Error {
  override name = 'NotTriggeredError';
}

export interface RunPlan {
  head: ResolvedRef;
  caller: Caller;
  target: RunTarget;
  repository: string;
  /** The git directory that has the run's commit: the repository, or the scratch clone of a pull request's test merge. */
  gitDir: string;
  /** Removes the scratch clone, when there is one (after the run). */
  cleanup: () => Promise<void>;
  /** Fills the workspace with the repository's files; returns how many. */
  fill: (workspace: string, scratch: string) => Promise<number>;
  /** The workspace note of the report. */
  describe: (files: number) => string;
}

/** The commit's workflow files in a temporary directory (read with git show: the repository is not touched). */
async function workflowsAt(repo: string, sha: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pipeline-caller-'));
  const list = await gitOut(repo, ['ls-tree', '-r', '-z', '--name-only', sha, '--', '.github/workflows']);
  for (const file of list.split('\0').filter((f) => /\.ya?ml$/.test(f))) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), await gitOut(repo, ['show', `${sha}:${file}`]));
  }
  return dir;
}

export function parsePrNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(value))
    throw new RefError(`--pr expects a pull request number (1, 2, ...), got '${value}'`);
  return Number(value);
}

const isPullRequest = (event: string): boolean => event === 'pull_request' || event === 'pull_request_target';

/** A pull_request run's sides and test merge; a conflict stops the run as GitHub would, unless --force. */
async function pullRequestRun(
  repo: string,
  head: ResolvedRef,
  options: RunOptions,
): Promise<{ run: PullRequestRun; mergeDir?: string }> {
  const sides = await pullRequestSides(repo, head, options.prNumber ?? 1, options.base);
  if (options.workingTree)
    return {
      run: { sides, why: '--working-tree: the run is the working tree of the head, not a test merge with the base.' },
    };
  const merge = await testMerge(repo, sides);
  if ('sha' in merge) return { run: { sides, mergeSha: merge.sha, why: '' }, mergeDir: merge.dir };
  const conflict = `head ${sides.headName} conflicts with base ${sides.baseName} (${merge.conflict}): GitHub makes no merge commit and runs no pull_request workflow for it`;
  if (!options.force) throw new NotTriggeredError(`${conflict}. Nothing ran; --force runs the head commit.`);
  return { run: { sides, why: `FORCED: ${conflict}; the run checks out the head commit.` } };
}

export async function planRun(repo: string, options: RunOptions): Promise<RunPlan> {
  const workingTree = options.workingTree ?? false;
  const event = options.event ?? 'push';
  const head = await resolveHead(repo, options.ref, workingTree);
  const pr = isPullRequest(event) ? await pullRequestRun(repo, head, options) : undefined;
  const gitDir = pr?.mergeDir ?? repo;
  const cleanup = async (): Promise<void> => {
    if (pr?.mergeDir) await rm(pr.mergeDir, { recursive: true, force: true });
  };
  try {
    const sha = pr?.run.mergeSha ?? head.sha;
    const callerDir = workingTree ? repo : await workflowsAt(gitDir, sha);
    let caller: Caller;
    try {
      caller = await findCaller(callerDir, options.workflow);
    } finally {
      if (callerDir !== repo) await rm(callerDir, { recursive: true, force: true });
    }
    const repository = await repositoryName(repo);
    const target = await resolveRunTarget({
      repo,
      head,
      repository,
      workflowFile: caller.workflow.file,
      events: caller.workflow.template.events,
      event,
      workingTree,
      ...(pr ? { pullRequest: pr.run } : {}),
    });
    if (!target.trigger.triggered && !options.force)
      throw new NotTriggeredError(
        `${caller.workflow.file} would not run for ${target.event} on ${target.ref}: ${target.trigger.reason}. ` +
          `Nothing ran; --force runs it anyway (labelled as forced).`,
      );
    const what = pr?.run.mergeSha
      ? `the test merge ${sha.slice(0, 12)} of ${head.label} into ${pr.run.sides.baseName}`
      : `${head.label} @ ${sha.slice(0, 12)}`;
    return {
      head,
      caller,
      target,
      repository,
      gitDir,
      cleanup,
      fill: workingTree
        ? (workspace) => copyWorkingTree(repo, workspace)
        : (workspace, scratch) => checkoutCommit(gitDir, sha, workspace, scratch),
      describe: (files) =>
        workingTree
          ? `Workspace: --working-tree: a copy of ${files} files of ${repo} (tracked and untracked, not ignored, uncommitted changes included) on top of ${head.sha.slice(0, 12)}; every job shares it.`
          : `Workspace: a clean checkout of ${what} (${files} files, nothing uncommitted), made without touching ${repo}; every job shares it.`,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The trigger line of the report: why the workflow runs, or that --force made it run although GitHub would not. */
export function triggerNote(file: string, target: RunTarget): string {
  return target.trigger.triggered
    ? `Triggered as on GitHub: ${file} runs for ${target.event} on ${target.ref} (${target.trigger.why}).`
    : `FORCED (--force): on GitHub ${file} would not run for ${target.event} on ${target.ref}: ${target.trigger.reason}.`;
}
