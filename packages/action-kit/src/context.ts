/**
 * Everything an action reads from the runner's GITHUB_* and RUNNER_*
 * variables, read in one place with one rule each. Pure over the environment
 * it is given; an empty variable counts as unset.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunContext {
  /** GITHUB_WORKSPACE, else the working directory; absolute. */
  workspace: string;
  /** RUNNER_TEMP, else the system temp directory (never the workspace, where linters and git would see the files). */
  runnerTemp: string;
  /** GITHUB_SERVER_URL without a trailing slash, else https://github.com. */
  serverUrl: string;
  repository?: string;
  /** `${serverUrl}/${repository}`. */
  repositoryUrl?: string;
  sha?: string;
  ref?: string;
  /** The branch or tag a person would name: GITHUB_HEAD_REF on pull requests, else GITHUB_REF_NAME, else GITHUB_REF without refs/heads/ or refs/tags/. */
  branch?: string;
  /** GITHUB_BASE_REF: the target branch of a pull request. */
  baseRef?: string;
  runId?: string;
  /** GITHUB_RUN_ATTEMPT as a number (1 for the first attempt). */
  runAttempt?: number;
  /**
   * The page of this attempt of the run:
   * `${serverUrl}/${repository}/actions/runs/${runId}/attempts/${runAttempt}`. The
   * attempt is always included, the first one too: without it the link opens
   * the latest attempt, which after a re-run is not the one that reported.
   * Without GITHUB_RUN_ATTEMPT the attempt is unknown and left out.
   */
  runUrl?: string;
  actor?: string;
  workflow?: string;
  job?: string;
  eventName?: string;
  /** RUNNER_OS: Linux, Windows or macOS. */
  runnerOs?: string;
}

/** The process environment, or a plain table of it in tests. */
export type RunEnv = Readonly<Record<string, string | undefined>>;

const encodePath = (value: string): string => value.split('/').map(encodeURIComponent).join('/');

export function runContext(env: RunEnv = process.env, cwd: string = process.cwd()): RunContext {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const serverUrl = (value('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, '');
  const context: RunContext = {
    workspace: path.resolve(cwd, value('GITHUB_WORKSPACE') ?? '.'),
    runnerTemp: path.resolve(cwd, value('RUNNER_TEMP') ?? tmpdir()),
    serverUrl,
  };
  const set = <K extends keyof RunContext>(key: K, v: RunContext[K] | undefined): void => {
    if (v !== undefined) context[key] = v;
  };
  const repository = value('GITHUB_REPOSITORY');
  const ref = value('GITHUB_REF');
  set('repository', repository);
  set('repositoryUrl', repository && `${serverUrl}/${encodePath(repository)}`);
  set('sha', value('GITHUB_SHA'));
  set('ref', ref);
  set('branch', value('GITHUB_HEAD_REF') ?? value('GITHUB_REF_NAME') ?? ref?.replace(/^refs\/(heads|tags)\//, ''));
  set('baseRef', value('GITHUB_BASE_REF'));
  const runId = value('GITHUB_RUN_ID');
  const attempt = value('GITHUB_RUN_ATTEMPT');
  set('runId', runId);
  set('runAttempt', attempt && /^[1-9]\d*$/.test(attempt) ? Number(attempt) : undefined);
  if (runId && context.repositoryUrl) {
    const run = `${context.repositoryUrl}/actions/runs/${encodeURIComponent(runId)}`;
    context.runUrl = context.runAttempt === undefined ? run : `${run}/attempts/${context.runAttempt}`;
  }
  set('actor', value('GITHUB_ACTOR'));
  set('workflow', value('GITHUB_WORKFLOW'));
  set('job', value('GITHUB_JOB'));
  set('eventName', value('GITHUB_EVENT_NAME'));
  set('runnerOs', value('RUNNER_OS'));
  return context;
}
