/**
 * The event payload a run's GITHUB_EVENT_PATH holds and `github.event`
 * reads: the fields of GitHub's push, pull_request and workflow_dispatch
 * webhook payloads that follow from local facts (repository, refs, commits).
 * IDs and URLs GitHub would assign are derived from the names; nothing here
 * pretends to come from GitHub's API.
 */
import type { Json } from './expressions.js';

export interface CommitFacts {
  sha: string;
  tree: string;
  message: string;
  /** ISO 8601. */
  timestamp: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
}

export interface RepositoryFacts {
  /** owner/name. */
  fullName: string;
  defaultBranch: string;
}

export interface PushFacts {
  ref: string;
  before: string;
  head: CommitFacts;
}

export interface PullRequestFacts {
  number: number;
  action: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  title: string;
  /** The test merge of head into base (refs/pull/<n>/merge). */
  mergeCommitSha?: string;
}

const SERVER = 'https://github.com';
const API = 'https://api.github.com';
const LOCAL_ACTOR = { login: 'local', type: 'User' };

export function repositoryPayload(repo: RepositoryFacts): Record<string, Json> {
  const [owner = 'local', name = repo.fullName] = repo.fullName.split('/');
  return {
    name,
    full_name: repo.fullName,
    owner: { login: owner, type: 'Organization' },
    private: true,
    html_url: `${SERVER}/${repo.fullName}`,
    url: `${API}/repos/${repo.fullName}`,
    clone_url: `${SERVER}/${repo.fullName}.git`,
    default_branch: repo.defaultBranch,
  };
}

function commitPayload(repo: RepositoryFacts, commit: CommitFacts): Record<string, Json> {
  return {
    id: commit.sha,
    tree_id: commit.tree,
    distinct: true,
    message: commit.message,
    timestamp: commit.timestamp,
    url: `${SERVER}/${repo.fullName}/commit/${commit.sha}`,
    author: { ...commit.author },
    committer: { ...commit.committer },
  };
}

export function pushPayload(repo: RepositoryFacts, push: PushFacts): Record<string, Json> {
  const created = /^0+$/.test(push.before);
  const head = commitPayload(repo, push.head);
  return {
    ref: push.ref,
    before: push.before,
    after: push.head.sha,
    base_ref: null,
    created,
    deleted: false,
    forced: false,
    compare: `${SERVER}/${repo.fullName}/compare/${created ? push.head.sha.slice(0, 12) : `${push.before.slice(0, 12)}...${push.head.sha.slice(0, 12)}`}`,
    commits: [head],
    head_commit: head,
    pusher: { name: push.head.author.name, email: push.head.author.email },
    repository: repositoryPayload(repo),
    sender: LOCAL_ACTOR,
  };
}

export function pullRequestPayload(repo: RepositoryFacts, pr: PullRequestFacts): Record<string, Json> {
  const repository = repositoryPayload(repo);
  const owner = repo.fullName.split('/')[0] ?? 'local';
  const side = (s: { ref: string; sha: string }): Record<string, Json> => ({
    label: `${owner}:${s.ref}`,
    ref: s.ref,
    sha: s.sha,
    user: { login: owner, type: 'Organization' },
    repo: repository,
  });
  return {
    action: pr.action,
    number: pr.number,
    pull_request: {
      url: `${API}/repos/${repo.fullName}/pulls/${pr.number}`,
      html_url: `${SERVER}/${repo.fullName}/pull/${pr.number}`,
      number: pr.number,
      state: 'open',
      locked: false,
      draft: false,
      merged: false,
      merge_commit_sha: pr.mergeCommitSha ?? null,
      title: pr.title,
      user: LOCAL_ACTOR,
      head: side(pr.head),
      base: side(pr.base),
    },
    repository,
    sender: LOCAL_ACTOR,
  };
}

export function workflowDispatchPayload(
  repo: RepositoryFacts,
  ref: string,
  workflow: string,
  inputs: Record<string, string>,
): Record<string, Json> {
  return { inputs, ref, workflow, repository: repositoryPayload(repo), sender: LOCAL_ACTOR };
}
