/**
 * Before anything runs: the commit to run (--ref, --working-tree), the
 * caller workflow as that commit has it (GitHub reads the workflow file of
 * the pushed commit), the event GitHub would deliver, and whether the
 * caller's on: would start the workflow; and how the workspace gets the
 * repository's files.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findCaller } from './caller.js';
import type { Caller } from './caller.js';
import { copyWorkingTree, repositoryName } from './local.js';
import { checkoutCommit, currentBranch, gitOut, gitTry, RefError } from './ref-checkout.js';
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

/** Stops a run the caller's on: would not start, unless --force. */
function checkTriggered<T extends { caller: Caller; target: RunTarget }>(plan: T, options: RunOptions): T {
  const { caller, target } = plan;
  if (!target.trigger.triggered && !options.force)
    throw new NotTriggeredError(
      `${caller.workflow.file} would not run for ${target.event} on ${target.ref}: ${target.trigger.reason}. ` +
        `Nothing ran; --force runs it anyway (labelled as forced).`,
    );
  return plan;
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

/** Whether repo is the top of a git repository (not a directory inside one, like fixtures/adopter-repo). */
async function isRepositoryRoot(repo: string): Promise<boolean> {
  const top = await gitTry(repo, ['rev-parse', '--show-toplevel']);
  if (top === undefined) throw new RefError(`${repo} is not in a git repository: git init, add and commit it first`);
  return (await realpath(top)) === (await realpath(repo));
}

/**
 * A directory inside another repository has no history of its own to check
 * out: the run uses its files as they are, --ref only names the branch, and
 * every file counts as changed (like the first push of a new repository).
 */
async function planDirectory(repo: string, options: RunOptions, event: string): Promise<RunPlan> {
  const enclosing = (await gitTry(repo, ['rev-parse', '--show-toplevel'])) ?? '';
  const sha = (await gitTry(repo, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) ?? '0'.repeat(40);
  const name = options.ref ?? (await currentBranch(repo)) ?? 'main';
  const ref = name.startsWith('refs/') ? name : `refs/heads/${name}`;
  const why = `${repo} is a directory inside the repository ${enclosing}, not a repository of its own: the run uses its files as they are (uncommitted ones included), ${options.ref ? `--ref ${options.ref} only names the branch` : `the branch is ${name}`}, GITHUB_SHA is ${enclosing}'s HEAD, and every file counts as changed; give it a repository of its own for a clean checkout of a ref`;
  const head: ResolvedRef = { ref, sha, label: `the files of ${repo}`, notes: [`${why}.`] };
  const caller = await findCaller(repo, options.workflow);
  const files = (await gitOut(repo, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])).split('\0');
  const changed = { files: files.filter((f) => f !== ''), from: `every file of ${repo}`, before: '0'.repeat(40) };
  const baseName = options.base ?? 'main';
  const pullRequest: PullRequestRun | undefined = isPullRequest(event)
    ? {
        sides: {
          number: options.prNumber ?? 1,
          headName: ref.replace(/^refs\/(heads|tags)\//, ''),
          head,
          baseName,
          base: { ref: `refs/heads/${baseName}`, sha, label: `branch ${baseName}`, notes: [] },
        },
        why: 'No test merge: head and base are the same files here.',
      }
    : undefined;
  const repository = await repositoryName(repo);
  const target = await resolveRunTarget({
    repo,
    head,
    repository,
    workflowFile: caller.workflow.file,
    events: caller.workflow.template.events,
    event,
    workingTree: true,
    changed,
    ...(pullRequest ? { pullRequest } : {}),
  });
  return {
    head,
    caller,
    target: { ...target, source: 'working tree' },
    repository,
    gitDir: repo,
    cleanup: async () => undefined,
    fill: (workspace) => copyWorkingTree(repo, workspace),
    describe: (n) =>
      `Workspace: a copy of the ${n} files of ${repo} (tracked and untracked, not ignored); every job shares it.`,
  };
}

export async function planRun(repo: string, options: RunOptions): Promise<RunPlan> {
  const workingTree = options.workingTree ?? false;
  const event = options.event ?? 'push';
  if (!(await isRepositoryRoot(repo))) return checkTriggered(await planDirectory(repo, options, event), options);
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
    checkTriggered({ caller, target }, options);
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
