/**
 * What a step sees of this machine: the `github` and `runner` contexts of
 * this local run, the environment the runner hands on, its PATH, and
 * hashFiles() over the workspace. The environment block itself is the kit's
 * protocol (step-process.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Json } from './expressions.js';
import type { RunDirs } from './workspace.js';

export interface GithubFacts {
  event: string;
  ref: string;
  sha: string;
  repository: string;
  workflow: string;
  workspace: string;
  /** The webhook payload (github.event) and the file that holds it (GITHUB_EVENT_PATH). */
  payload?: Record<string, Json>;
  eventPath?: string;
  /** pull_request: the head and base branches (GITHUB_HEAD_REF, GITHUB_BASE_REF); empty otherwise, as on GitHub. */
  headRef?: string;
  baseRef?: string;
}

export function githubContext(facts: GithubFacts): Record<string, Json> {
  const { event, ref, repository } = facts;
  return {
    event_name: event,
    event: facts.payload ?? {},
    event_path: facts.eventPath ?? '',
    head_ref: facts.headRef ?? '',
    base_ref: facts.baseRef ?? '',
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags|pull)\//, ''),
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
  return {
    os: 'Linux',
    arch: 'X64',
    temp: dirs.runnerTemp,
    tool_cache: dirs.toolCache,
    name: 'local',
    environment: 'self-hosted',
  };
}

// npm's per-script variables of `npm run pipeline` itself, and the runner's own, do not leak into steps.
const NOT_INHERITED = /^(npm_|INIT_CWD$|GITHUB_|RUNNER_|INPUT_|STATE_|NODE_OPTIONS$)/;

/** This process's environment without npm's and the runner's own variables (a self-hosted runner hands its environment on). */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_INHERITED.test(e[0])),
  );
}

/**
 * The runner's own PATH (GITHUB_PATH goes in front of it): this Node, the
 * project's kubectl (GitHub's images ship one) and Trivy (what setup-trivy
 * installs on GitHub; actions/security/scripts/install-trivy.sh builds it), then PATH.
 */
export function stepPath(library: string): string {
  const tools = [
    [path.join(library, 'tools/kube/bin'), 'kubectl'],
    [path.join(library, 'actions/security/.tools/bin'), 'trivy'],
  ]
    .filter(([dir, program]) => existsSync(path.join(dir as string, program as string)))
    .map(([dir]) => dir as string);
  return [path.dirname(process.execPath), ...tools, process.env['PATH'] ?? '/usr/bin:/bin'].join(path.delimiter);
}

/**
 * The kubectl the runner itself runs (node listing, port-forwards, secret
 * look-ups): the project's when it is built, else the one on PATH, as the
 * steps get it (stepPath). A checkout without tools/kube/bin (a worktree, or
 * a clone given another cluster's kubeconfig) still reaches that cluster.
 */
export function kubectlProgram(library: string): string {
  const built = path.join(library, 'tools/kube/bin/kubectl');
  return existsSync(built) ? built : 'kubectl';
}

export function hashFiles(workspace: string, patterns: string[]): string {
  const files = new Set<string>();
  for (const pattern of patterns) for (const file of globSync(pattern, { cwd: workspace })) files.add(file);
  const sorted = [...files].sort();
  if (sorted.length === 0) return '';
  const total = createHash('sha256');
  for (const file of sorted) {
    try {
      total.update(
        createHash('sha256')
          .update(readFileSync(path.join(workspace, file)))
          .digest(),
      );
    } catch {
      /* a directory */
    }
  }
  return total.digest('hex');
}
