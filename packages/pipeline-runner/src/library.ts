/**
 * Library resolution: which commit (or working tree) of the pipeline library
 * the caller's `uses:` resolves to, and the pipeline workflow at that point.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Caller } from './caller.js';
import { git, repositoryName, tryGit } from './local.js';
import { loadWorkflow, WorkflowError } from './workflow.js';
import type { ParsedWorkflow } from './workflow.js';

export interface ResolvedLibrary {
  repository: string;
  /** The commit the call resolved to; undefined when the files come from a working tree. */
  commit: string | undefined;
  /** The commit shown in the report (HEAD of the tree when there is no resolved commit). */
  shownCommit: string;
  source: 'commit' | 'working tree';
  /** Where the library's files come from: the caller's own tree for a local call, else the library checkout. */
  sourceDir: string;
  pipeline: ParsedWorkflow;
}

const NO_COMMIT = '0'.repeat(40);

export async function resolveLibrary(
  caller: Caller,
  repo: string,
  library: string,
  libraryRef?: string,
): Promise<ResolvedLibrary> {
  const pipelinePath = caller.target.workflowPath;
  const head = (await tryGit(library, ['rev-parse', 'HEAD'])) ?? NO_COMMIT;
  if (caller.target.kind === 'local') {
    // A call inside the same repository: the workflow and its actions come from the tree being run.
    const content = await readFile(path.join(repo, pipelinePath), 'utf8');
    return {
      repository: await repositoryName(repo),
      commit: undefined,
      shownCommit: (await tryGit(repo, ['rev-parse', 'HEAD'])) ?? head,
      source: 'working tree',
      sourceDir: repo,
      pipeline: await loadWorkflow(pipelinePath, content),
    };
  }
  const repository = caller.target.repository;
  if (libraryRef === 'worktree') {
    const content = await readFile(path.join(library, pipelinePath), 'utf8');
    return {
      repository,
      commit: undefined,
      shownCommit: head,
      source: 'working tree',
      sourceDir: library,
      pipeline: await loadWorkflow(pipelinePath, content),
    };
  }
  const ref = libraryRef ?? caller.target.ref;
  const commit =
    (await tryGit(library, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])) ??
    (await tryGit(library, ['rev-parse', '--verify', '--quiet', `origin/${ref}^{commit}`]));
  if (!commit) {
    throw new WorkflowError(
      `${caller.workflow.file} calls ${caller.job.ref.value}, but '${ref}' is not a commit, branch or tag in ${library}. ` +
        `Fetch it (git fetch --tags), pass --library-ref <ref>, or --library-ref worktree to use the working tree.`,
    );
  }
  const content = await git(library, ['show', `${commit}:${pipelinePath}`]);
  return {
    repository,
    commit,
    shownCommit: commit,
    source: 'commit',
    sourceDir: library,
    pipeline: await loadWorkflow(pipelinePath, content),
  };
}
