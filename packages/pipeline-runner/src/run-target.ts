/**
 * The event a local run simulates, put together from the repository: the
 * ref and commit (ref-checkout.ts), the pull request's head and base, the
 * changed files the path filters see, the webhook payload, and whether the
 * caller's `on:` would start the workflow at all (triggers.ts).
 */
import type { EventsConfig } from '@actions/workflow-parser/model/workflow-template';
import type { Json } from './expressions.js';
import type { CommitFacts, RepositoryFacts } from './event-payload.js';
import { pullRequestPayload, pushPayload, workflowDispatchPayload } from './event-payload.js';
import type { PullRequestSides } from './pull-request.js';
import {
  currentBranch,
  gitTry,
  pullRequestChangedFiles,
  pushChangedFiles,
  RefError,
  resolveRef,
  uncommittedFiles,
} from './ref-checkout.js';
import type { ChangedFiles, ResolvedRef } from './ref-checkout.js';
import { inert, triggerDecision } from './triggers.js';
import type { TriggerDecision } from './triggers.js';

export interface TargetRequest {
  repo: string;
  /** What resolveHead found for --ref / --working-tree. */
  head: ResolvedRef;
  repository: string;
  workflowFile: string;
  events: EventsConfig;
  event: string;
  /** Run the working tree (uncommitted changes included) instead of a clean commit. */
  workingTree: boolean;
  /** The changed files when git cannot say (a directory that is not a repository of its own). */
  changed?: ChangedFiles;
  /** A pull_request run: its sides, and the test merge GITHUB_SHA is (or why there is none). */
  pullRequest?: PullRequestRun;
}

export interface PullRequestRun {
  sides: PullRequestSides;
  mergeSha?: string;
  /** Why the run checks out the head instead of a test merge. */
  why: string;
}

export interface RunTarget {
  event: string;
  /** GITHUB_REF. */
  ref: string;
  /** GITHUB_SHA. */
  sha: string;
  headRef: string;
  baseRef: string;
  source: 'commit' | 'working tree';
  payload: Record<string, Json>;
  trigger: TriggerDecision;
  notes: string[];
}

const NO_COMMIT = '0'.repeat(40);

async function commitFacts(repo: string, sha: string): Promise<CommitFacts> {
  const out = await gitTry(repo, ['show', '-s', '--format=%T%x00%B%x00%cI%x00%an%x00%ae%x00%cn%x00%ce', sha]);
  const [tree = '', message = '', timestamp = '', an = '', ae = '', cn = '', ce = ''] = (out ?? '').split('\0');
  return {
    sha,
    tree,
    message: message.trim(),
    timestamp,
    author: { name: an, email: ae },
    committer: { name: cn, email: ce },
  };
}

/** The working tree: HEAD's commit and branch, and its uncommitted changes on top. */
async function workingTreeRef(repo: string, ref: string | undefined): Promise<ResolvedRef> {
  const branch = await currentBranch(repo);
  if (ref !== undefined && ref !== branch && ref !== `refs/heads/${branch ?? ''}`)
    throw new RefError(
      `--working-tree runs the checked-out ${branch ? `branch ${branch}` : 'detached HEAD'}, and --ref ${ref} names another: drop --working-tree to run ${ref} from a clean checkout`,
    );
  if (!branch) throw new RefError(`${repo}: HEAD is detached; check out a branch to use --working-tree`);
  const sha = (await gitTry(repo, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) ?? NO_COMMIT;
  return { ref: `refs/heads/${branch}`, sha, label: `the working tree of branch ${branch}`, notes: [] };
}

function withUncommitted(changed: ChangedFiles, uncommitted: string[]): ChangedFiles {
  if (uncommitted.length === 0) return changed;
  const files = [...new Set([...changed.files, ...uncommitted])].sort();
  return { ...changed, files, from: `${changed.from} plus ${uncommitted.length} uncommitted` };
}

/** The pull request's part: its merge ref, head and base, the changed files and the payload. */
async function pullRequestTarget(req: TargetRequest, pr: PullRequestRun, repoFacts: RepositoryFacts) {
  const { sides, mergeSha } = pr;
  const { number, headName, head, baseName, base } = sides;
  const changed = req.changed ?? (await pullRequestChangedFiles(req.repo, base.sha, head.sha));
  const title = (await commitFacts(req.repo, head.sha)).message.split('\n')[0] ?? headName;
  const payload = pullRequestPayload(repoFacts, {
    number,
    action: 'opened',
    head: { ref: headName, sha: head.sha },
    base: { ref: baseName, sha: base.sha },
    title,
    ...(mergeSha ? { mergeCommitSha: mergeSha } : {}),
  });
  const notes = [
    `pull_request #${number} (opened): head ${headName} @ ${head.sha.slice(0, 12)} into base ${baseName} @ ${base.sha.slice(0, 12)}; GITHUB_REF refs/pull/${number}/merge. ` +
      (mergeSha
        ? `GITHUB_SHA ${mergeSha.slice(0, 12)} is the test merge of head into base, made here as GitHub makes it (in a scratch clone; its SHA differs from GitHub's, whose merge has GitHub's timestamp).`
        : pr.why),
  ];
  return { changed, payload, notes };
}

/** The commit the run checks out: --ref (default the checked-out branch), or with --working-tree, HEAD's branch. */
export const resolveHead = (repo: string, ref: string | undefined, workingTree: boolean): Promise<ResolvedRef> =>
  workingTree ? workingTreeRef(repo, ref) : resolveRef(repo, ref);

/** The run's event, GitHub's ref and commit for it, its payload, and whether the caller's on: would trigger it. */
export async function resolveRunTarget(req: TargetRequest): Promise<RunTarget> {
  const head = req.head;
  const uncommitted = req.changed ? [] : await uncommittedFiles(req.repo);
  const notes = [...head.notes];
  if (!req.workingTree && uncommitted.length > 0)
    notes.push(
      `${uncommitted.length} uncommitted change${uncommitted.length === 1 ? ' is' : 's are'} not in this run (it runs ${head.label} @ ${head.sha.slice(0, 12)}, as GitHub would after a push): ${inert(uncommitted.slice(0, 5).join(', '))}${uncommitted.length > 5 ? ', …' : ''}; --working-tree includes them.`,
    );
  const repoFacts: RepositoryFacts = {
    fullName: req.repository,
    defaultBranch:
      (await gitTry(req.repo, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']))?.replace(
        /^origin\//,
        '',
      ) ?? 'main',
  };
  const source = req.workingTree ? 'working tree' : 'commit';
  if (req.pullRequest) {
    const pr = await pullRequestTarget(req, req.pullRequest, repoFacts);
    const changed = req.workingTree && !req.changed ? withUncommitted(pr.changed, uncommitted) : pr.changed;
    const { number, headName, baseName } = req.pullRequest.sides;
    const ref = `refs/pull/${number}/merge`;
    const trigger = triggerDecision(req.events, {
      event: req.event,
      ref,
      baseRef: baseName,
      action: 'opened',
      changedFiles: changed.files,
      changedFrom: changed.from,
    });
    const sha = req.pullRequest.mergeSha ?? head.sha;
    const all = [...notes, ...pr.notes];
    return {
      event: req.event,
      ref,
      sha,
      headRef: headName,
      baseRef: baseName,
      source,
      payload: pr.payload,
      trigger,
      notes: all,
    };
  }
  const pushed =
    req.changed ??
    (await pushChangedFiles(req.repo, head).catch(() => ({
      files: [],
      from: 'no commit',
      before: NO_COMMIT,
    })));
  const changed = req.workingTree && !req.changed ? withUncommitted(pushed, uncommitted) : pushed;
  const payload =
    req.event === 'workflow_dispatch'
      ? workflowDispatchPayload(repoFacts, head.ref, req.workflowFile, {})
      : req.event === 'push'
        ? pushPayload(repoFacts, { ref: head.ref, before: changed.before, head: await commitFacts(req.repo, head.sha) })
        : {};
  if (req.event !== 'push' && req.event !== 'workflow_dispatch')
    notes.push(
      `github.event is empty: the local run builds payloads for push, pull_request and workflow_dispatch only, not ${req.event}.`,
    );
  const trigger = triggerDecision(req.events, {
    event: req.event,
    ref: head.ref,
    changedFiles: changed.files,
    changedFrom: changed.from,
  });
  return { event: req.event, ref: head.ref, sha: head.sha, headRef: '', baseRef: '', source, payload, trigger, notes };
}
