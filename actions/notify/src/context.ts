/**
 * The facts and links about the run that a notification shows, from the
 * kit's runContext (the one reader of the GITHUB_* variables). Pure: it
 * takes the environment as a plain record.
 */
import { runContext, type RunEnv } from '@pipeline/action-kit';

export interface RunFacts {
  repository?: string;
  repositoryUrl?: string;
  branch?: string;
  branchUrl?: string;
  sha?: string;
  commitUrl?: string;
  actor?: string;
  workflow?: string;
  runUrl?: string;
  runLabel?: string;
}

const encodePath = (value: string): string => value.split('/').map(encodeURIComponent).join('/');

export function runFacts(env: RunEnv): RunFacts {
  const run = runContext(env, '/');
  const facts: RunFacts = {};
  const { repository, repositoryUrl, branch, sha } = run;
  if (repository) facts.repository = repository;
  if (repositoryUrl) facts.repositoryUrl = repositoryUrl;
  if (branch) {
    facts.branch = branch;
    if (repositoryUrl) facts.branchUrl = `${repositoryUrl}/tree/${encodePath(branch)}`;
  }
  if (sha) {
    facts.sha = sha;
    if (repositoryUrl) facts.commitUrl = `${repositoryUrl}/commit/${encodeURIComponent(sha)}`;
  }
  if (run.actor) facts.actor = run.actor;
  if (run.workflow) facts.workflow = run.workflow;
  if (run.runUrl) {
    facts.runUrl = run.runUrl;
    const attempt = run.runAttempt ?? 1;
    facts.runLabel = `run ${run.runId ?? ''}${attempt > 1 ? ` (attempt ${attempt})` : ''}`;
  }
  return facts;
}
