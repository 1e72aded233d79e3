/**
 * The runner's `github` context object (snake_case, as workflows see it)
 * turned into what the docker emulations read. Repository metadata that the
 * real metadata-action fetches from the GitHub API comes from the local
 * checkout instead (package.json description/license, the default branch).
 */
import type { GitHubContext, RepoData } from './types.js';

const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

export interface LocalRepo {
  description?: string;
  /** SPDX id, e.g. MIT. */
  license?: string;
  defaultBranch?: string;
}

export function githubContextFrom(
  github: Record<string, unknown>,
  local: LocalRepo,
  now: Date,
  commitDate?: Date,
): GitHubContext {
  const repository = text(github['repository']);
  const serverUrl = text(github['server_url']) || 'https://github.com';
  const payload = (typeof github['event'] === 'object' && github['event'] !== null ? github['event'] : {}) as Record<
    string,
    unknown
  >;
  const repo: RepoData = {
    name: repository.split('/')[1] ?? repository,
    description: local.description ?? '',
    htmlUrl: repository ? `${serverUrl}/${repository}` : '',
    license: local.license ?? '',
    defaultBranch: local.defaultBranch ?? 'main',
  };
  const context: GitHubContext = {
    eventName: text(github['event_name']),
    ref: text(github['ref']),
    sha: text(github['sha']),
    repository,
    serverUrl,
    runId: text(github['run_id']),
    runAttempt: text(github['run_attempt']) || '1',
    payload,
    repo,
    now,
  };
  if (commitDate) context.commitDate = commitDate;
  return context;
}

/** GitHub.workflowRunURL(true) of the actions toolkit: the provenance builder-id. */
export function workflowRunUrl(github: GitHubContext): string {
  return `${github.serverUrl}/${github.repository}/actions/runs/${github.runId}/attempts/${github.runAttempt}`;
}
