/**
 * The environment a step sees: the `github` and `runner` contexts of this
 * local run, the runner's variables (CI, GITHUB_*, RUNNER_*), PATH with the
 * GITHUB_PATH additions, and hashFiles() over the workspace.
 */
import { createHash } from 'node:crypto';
import { existsSync, globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringValue } from './expressions.js';
import type { Json } from './expressions.js';
import type { RunDirs } from './workspace.js';

export interface GithubFacts {
  event: string;
  ref: string;
  sha: string;
  repository: string;
  workflow: string;
  workspace: string;
}

export function githubContext(facts: GithubFacts): Record<string, Json> {
  const { event, ref, repository } = facts;
  return {
    event_name: event,
    event: {},
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha: facts.sha,
    repository,
    repository_owner: repository.split('/')[0] ?? 'local',
    actor: 'local',
    triggering_actor: 'local',
    run_id: String(Date.now()),
    run_number: '1',
    run_attempt: '1',
    workflow: facts.workflow,
    workspace: facts.workspace,
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    token: '',
    action_path: '',
  };
}

export function runnerContext(dirs: Pick<RunDirs, 'runnerTemp' | 'toolCache'>): Record<string, Json> {
  return { os: 'Linux', arch: 'X64', temp: dirs.runnerTemp, tool_cache: dirs.toolCache, name: 'local', environment: 'self-hosted' };
}

// npm's per-script variables of `npm run pipeline` itself, and the runner's own, do not leak into steps.
const NOT_INHERITED = /^(npm_|INIT_CWD$|GITHUB_|RUNNER_|INPUT_|STATE_|NODE_OPTIONS$)/;

/** This process's environment without npm's and the runner's own variables (a self-hosted runner hands its environment on). */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_INHERITED.test(e[0])));
}

/** PATH for a step: GITHUB_PATH additions first, then this Node, the repository's kubectl (GitHub's images ship one), then PATH. */
export function stepPath(extraPath: string[], library: string): string {
  const kubeBin = path.join(library, 'tools/kube/bin');
  const kube = existsSync(path.join(kubeBin, 'kubectl')) ? [kubeBin] : [];
  return [...extraPath, path.dirname(process.execPath), ...kube, process.env['PATH'] ?? '/usr/bin:/bin'].join(path.delimiter);
}

/** The variables the runner sets for every step. */
export function runnerEnv(github: Record<string, Json>, dirs: Pick<RunDirs, 'runnerTemp' | 'toolCache' | 'workspace' | 'scratch'>): Record<string, string> {
  const text = (key: string): string => stringValue(github[key] ?? '');
  return {
    HOME: process.env['HOME'] ?? dirs.scratch,
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: dirs.runnerTemp,
    RUNNER_TOOL_CACHE: dirs.toolCache,
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_REPOSITORY: text('repository'),
    GITHUB_REPOSITORY_OWNER: text('repository_owner'),
    GITHUB_SHA: text('sha'),
    GITHUB_REF: text('ref'),
    GITHUB_REF_NAME: text('ref_name'),
    GITHUB_REF_TYPE: text('ref_type'),
    GITHUB_EVENT_NAME: text('event_name'),
    GITHUB_RUN_ID: text('run_id'),
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'local',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW: text('workflow'),
    GITHUB_JOB: '',
  };
}

export function hashFiles(workspace: string, patterns: string[]): string {
  const files = new Set<string>();
  for (const pattern of patterns) for (const file of globSync(pattern, { cwd: workspace })) files.add(file);
  const sorted = [...files].sort();
  if (sorted.length === 0) return '';
  const total = createHash('sha256');
  for (const file of sorted) {
    try {
      total.update(createHash('sha256').update(readFileSync(path.join(workspace, file))).digest());
    } catch {
      /* a directory */
    }
  }
  return total.digest('hex');
}
