/**
 * What the run checks out, as GitHub would for the event: `--ref` (a
 * branch, tag, remote branch or commit that must exist), the ref and SHA
 * GitHub would report, the files the push or pull request changes (for
 * path filters), and a clean copy of that commit. Uncommitted changes are
 * used only with --working-tree. Everything here only reads the
 * repository: the copy goes through a temporary index file.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export class RefError extends Error {
  override name = 'RefError';
}

export interface RefCandidate {
  /** What git resolves. */
  gitRef: string;
  /** The ref GitHub would report; undefined for a bare commit. */
  githubRef: string | undefined;
  /** How the run names what it found. */
  label: string;
}

/** The git refs a --ref value may mean, in the order they are tried; an error text when it cannot name a push. */
export function refCandidates(input: string): RefCandidate[] | string {
  if (input.trim() === '') return '--ref is empty';
  if (input.startsWith('refs/pull/'))
    return `--ref ${input}: a pull-request ref comes from --event pull_request --pr <n>`;
  const branch = /^refs\/heads\/(.+)$/.exec(input)?.[1];
  if (branch) return [{ gitRef: input, githubRef: input, label: `branch ${branch}` }];
  const tag = /^refs\/tags\/(.+)$/.exec(input)?.[1];
  if (tag) return [{ gitRef: input, githubRef: input, label: `tag ${tag}` }];
  const remote = /^refs\/remotes\/[^/]+\/(.+)$/.exec(input)?.[1];
  if (remote) return [{ gitRef: input, githubRef: `refs/heads/${remote}`, label: `remote branch ${input.slice(13)}` }];
  if (input.startsWith('refs/'))
    return `--ref ${input}: accepted are refs/heads/*, refs/tags/*, refs/remotes/*/*, a name or a commit`;
  return [
    { gitRef: `refs/heads/${input}`, githubRef: `refs/heads/${input}`, label: `branch ${input}` },
    { gitRef: `refs/tags/${input}`, githubRef: `refs/tags/${input}`, label: `tag ${input}` },
    {
      gitRef: `refs/remotes/origin/${input}`,
      githubRef: `refs/heads/${input}`,
      label: `remote branch origin/${input}`,
    },
    { gitRef: input, githubRef: undefined, label: `commit ${input}` },
  ];
}

/** GitHub's ref_name: the branch or tag, or `<n>/merge` for a pull request. */
export const refName = (ref: string): string => ref.replace(/^refs\/(heads|tags|pull)\//, '');

export async function gitOut(repo: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-C', repo, ...args], {
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
    // No optional lock or index refresh: the run only reads the repository.
    env: { ...(env ?? process.env), GIT_OPTIONAL_LOCKS: '0' },
  });
  return stdout;
}

export async function gitTry(repo: string, args: string[]): Promise<string | undefined> {
  try {
    return (await gitOut(repo, args)).trim();
  } catch {
    return undefined;
  }
}

const commitOf = (repo: string, rev: string): Promise<string | undefined> =>
  gitTry(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);

export interface ResolvedRef {
  /** The ref GitHub would report (refs/heads/..., refs/tags/...). */
  ref: string;
  sha: string;
  label: string;
  notes: string[];
}

/** The checked-out branch, or the one branch pointing at a detached HEAD. */
export async function currentBranch(repo: string): Promise<string | undefined> {
  const symbolic = await gitTry(repo, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (symbolic) return symbolic;
  const pointing = (await gitTry(repo, ['branch', '--points-at', 'HEAD', '--format=%(refname:short)']))
    ?.split('\n')
    .filter((b) => b !== '');
  return pointing?.length === 1 ? pointing[0] : undefined;
}

async function knownNames(repo: string): Promise<string> {
  const list = async (pattern: string): Promise<string[]> =>
    ((await gitTry(repo, ['for-each-ref', '--format=%(refname:short)', pattern])) ?? '')
      .split('\n')
      .filter((n) => n !== '');
  const branches = await list('refs/heads');
  const tags = await list('refs/tags');
  const show = (names: string[]): string =>
    names.length === 0 ? 'none' : names.slice(0, 8).join(', ') + (names.length > 8 ? ', …' : '');
  return `branches: ${show(branches)}; tags: ${show(tags)}`;
}

/** Resolves --ref (default: the checked-out branch) to the ref and commit GitHub would report; fails when it does not exist. */
export async function resolveRef(repo: string, input: string | undefined): Promise<ResolvedRef> {
  const branch = await currentBranch(repo);
  const wanted = input ?? branch;
  if (wanted === undefined)
    throw new RefError(`${repo}: HEAD is detached and no branch points at it; pass --ref <branch>`);
  const candidates = refCandidates(wanted);
  if (typeof candidates === 'string') throw new RefError(candidates);
  for (const candidate of candidates) {
    const sha = await commitOf(repo, candidate.gitRef);
    if (!sha) continue;
    if (candidate.githubRef) return { ref: candidate.githubRef, sha, label: candidate.label, notes: [] };
    if (!branch)
      throw new RefError(`--ref ${wanted} is a commit, and HEAD is detached: name a branch or tag with --ref instead`);
    return {
      ref: `refs/heads/${branch}`,
      sha,
      label: `commit ${sha.slice(0, 12)}`,
      notes: [
        `--ref ${wanted} is commit ${sha.slice(0, 12)}, not a branch or tag: the run is a push of it to the checked-out branch ${branch} (GITHUB_REF refs/heads/${branch}).`,
      ],
    };
  }
  const empty = !(await commitOf(repo, 'HEAD'));
  throw new RefError(
    empty
      ? `${repo} has no commits yet: commit first, or run the working tree with --working-tree`
      : `--ref ${wanted}: no branch, tag, remote branch or commit of that name in ${repo} (${await knownNames(repo)})`,
  );
}

/** The pull request's base branch: --base, else the remote's default branch, else main or master. */
export async function defaultBase(repo: string): Promise<string> {
  const remoteHead = await gitTry(repo, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (remoteHead) return remoteHead.replace(/^origin\//, '');
  for (const name of ['main', 'master']) if (await commitOf(repo, `refs/heads/${name}`)) return name;
  throw new RefError(`${repo} has no origin/HEAD, main or master branch to target: pass --base <branch>`);
}

export interface ChangedFiles {
  files: string[];
  /** Which comparison, e.g. "origin/develop..develop" or "main...topic". */
  from: string;
  /** The commit compared against (a push's `before`); zeros when there is none. */
  before: string;
}

const NO_COMMIT = '0'.repeat(40);
const lines = (text: string): string[] => text.split('\0').filter((l) => l !== '');

/**
 * The files a push of sha changes: against the remote branch when it exists
 * and is behind (what `git push` would send), else against the first parent;
 * every file of a root commit.
 */
export async function pushChangedFiles(repo: string, resolved: ResolvedRef): Promise<ChangedFiles> {
  const branch = /^refs\/heads\/(.+)$/.exec(resolved.ref)?.[1];
  const upstream = branch ? await commitOf(repo, `refs/remotes/origin/${branch}`) : undefined;
  const isBehind =
    upstream !== undefined &&
    upstream !== resolved.sha &&
    (await gitTry(repo, ['merge-base', '--is-ancestor', upstream, resolved.sha])) !== undefined;
  const parent = await commitOf(repo, `${resolved.sha}~1`);
  const before = isBehind ? upstream : parent;
  if (!before) {
    const all = await gitOut(repo, ['ls-tree', '-r', '-z', '--name-only', resolved.sha]);
    return { files: lines(all), from: `root commit ${resolved.sha.slice(0, 12)}`, before: NO_COMMIT };
  }
  const diff = await gitOut(repo, ['diff', '--name-only', '-z', '--no-renames', before, resolved.sha]);
  const from = isBehind
    ? `origin/${branch}..${branch}`
    : `${resolved.sha.slice(0, 12)}~1..${resolved.sha.slice(0, 12)}`;
  return { files: lines(diff), from, before };
}

/** A pull request's files: the three-dot diff base...head, as GitHub compares them. */
export async function pullRequestChangedFiles(repo: string, baseSha: string, headSha: string): Promise<ChangedFiles> {
  const diff = await gitOut(repo, ['diff', '--name-only', '-z', '--no-renames', `${baseSha}...${headSha}`]);
  return { files: lines(diff), from: `${baseSha.slice(0, 12)}...${headSha.slice(0, 12)}`, before: baseSha };
}

/** Uncommitted changes (tracked and untracked, not ignored) of the working tree. */
export async function uncommittedFiles(repo: string): Promise<string[]> {
  const changed = await gitTry(repo, ['diff', '--name-only', '-z', '--no-renames', 'HEAD']);
  const untracked = await gitOut(repo, ['ls-files', '-z', '--others', '--exclude-standard']);
  return [...new Set([...lines(changed ?? ''), ...lines(untracked)])].sort();
}

/**
 * A clean copy of a commit's files in destination, as a checkout makes it
 * (filters and attributes applied), through a temporary index so that the
 * repository's own index and worktree list stay untouched.
 */
export async function checkoutCommit(repo: string, sha: string, destination: string, scratch: string): Promise<number> {
  await mkdir(destination, { recursive: true });
  const index = path.join(scratch, 'checkout.index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  try {
    await gitOut(repo, ['read-tree', sha], env);
    await gitOut(repo, ['--work-tree', destination, 'checkout-index', '--all', '--force'], env);
    return lines(await gitOut(repo, ['ls-files', '-z'], env)).length;
  } finally {
    await rm(index, { force: true });
  }
}
