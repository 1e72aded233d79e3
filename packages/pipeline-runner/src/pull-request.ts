/**
 * A pull request as GitHub runs it: the base branch, and the test merge of
 * the head into the base that refs/pull/<n>/merge points at (GITHUB_SHA).
 * The merge is made in a scratch clone that shares the repository's
 * objects (`git clone --shared`), so nothing is written into the
 * repository; a head that conflicts with its base gets no merge commit,
 * and GitHub runs no pull_request workflow for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultBase, gitOut, RefError, resolveRef } from './ref-checkout.js';
import type { ResolvedRef } from './ref-checkout.js';

export interface PullRequestSides {
  number: number;
  headName: string;
  head: ResolvedRef;
  baseName: string;
  base: ResolvedRef;
}

export type TestMerge = { sha: string; dir: string } | { conflict: string };

const MERGER = {
  GIT_AUTHOR_NAME: 'local',
  GIT_AUTHOR_EMAIL: 'local@localhost',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
};

/** The head (--ref) and the base (--base, else the default branch), which must be a branch. */
export async function pullRequestSides(
  repo: string,
  head: ResolvedRef,
  number: number,
  baseOption: string | undefined,
): Promise<PullRequestSides> {
  const baseName = baseOption ?? (await defaultBase(repo));
  const base = await resolveRef(repo, baseName);
  if (!base.ref.startsWith('refs/heads/'))
    throw new RefError(`--base ${baseName} is a ${base.label}: a pull request targets a branch`);
  return {
    number,
    headName: head.ref.replace(/^refs\/(heads|tags)\//, ''),
    head,
    baseName: base.ref.slice('refs/heads/'.length),
    base,
  };
}

/** GitHub's test merge of head into base, in a scratch clone; the caller removes `dir` when the run ends. */
export async function testMerge(repo: string, sides: PullRequestSides): Promise<TestMerge> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pipeline-merge-'));
  try {
    await gitOut(repo, ['clone', '--quiet', '--shared', '--no-checkout', repo, dir]);
    const env = { ...process.env, ...MERGER };
    let tree: string;
    try {
      tree =
        (await gitOut(dir, ['merge-tree', '--write-tree', sides.base.sha, sides.head.sha], env)).split('\n')[0] ?? '';
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      const out = (error as { stdout?: string }).stdout ?? '';
      const conflicts = out
        .split('\n')
        .filter((l) => l.startsWith('CONFLICT'))
        .slice(0, 3);
      return { conflict: conflicts.join('; ') || String(error) };
    }
    const message = `Merge ${sides.head.sha} into ${sides.base.sha}`;
    const sha = (
      await gitOut(dir, ['commit-tree', tree, '-p', sides.base.sha, '-p', sides.head.sha, '-m', message], env)
    ).trim();
    return { sha, dir };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
