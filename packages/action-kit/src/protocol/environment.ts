/**
 * The environment of a JavaScript action's process, assembled as
 * actions/runner does it (ActionRunner.cs, NodeScriptActionHandler.cs,
 * Handler.cs, GitHubContext.cs, RunnerContext.cs, ProcessInvoker.cs), in this
 * order, later winning: the runner's own environment; the env context
 * (workflow, job and step `env:`, GITHUB_ENV of earlier steps); STATE_* for a
 * post step; INPUT_*; PATH with GITHUB_PATH directories in front; GITHUB_*
 * from the github context and RUNNER_* from the runner context; then
 * GITHUB_ACTIONS=true, and CI=true unless CI is set already.
 */
import type { FileCommandPaths } from './file-commands.js';
import { prependedPath } from './file-commands.js';

/** The github context keys the runner exports as GITHUB_<KEY> (GitHubContext's allow-list). */
export const GITHUB_ENV_KEYS = [
  'action',
  'action_path',
  'action_ref',
  'action_repository',
  'actor',
  'actor_id',
  'api_url',
  'artifacts',
  'artifacts_list',
  'base_ref',
  'env',
  'event_name',
  'event_path',
  'graphql_url',
  'head_ref',
  'job',
  'output',
  'path',
  'ref',
  'ref_name',
  'ref_protected',
  'ref_type',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'retention_days',
  'run_attempt',
  'run_id',
  'run_number',
  'server_url',
  'sha',
  'state',
  'step_summary',
  'triggering_actor',
  'workflow',
  'workflow_ref',
  'workflow_sha',
  'workspace',
] as const;

export type GithubContext = Partial<Record<(typeof GITHUB_ENV_KEYS)[number], string | boolean>> &
  Record<string, unknown>;
/** The runner context (os, arch, name, environment, temp, tool_cache, workspace, debug), each exported as RUNNER_<KEY>. */
export type RunnerContext = Record<string, string>;

export interface StepEnvironmentOptions {
  /** The runner process's own environment (a self-hosted runner passes its environment on). */
  inherited?: Record<string, string | undefined>;
  /** The env context for this step. */
  env?: Record<string, string>;
  /** Saved state for a post step (GITHUB_STATE of the main step), as STATE_<name>. */
  state?: Record<string, string>;
  /** INPUT_* variables (inputEnv().env). */
  inputs?: Record<string, string>;
  /** The job's GITHUB_PATH directories, in the order they were added (addToPath). */
  prependPath?: readonly string[];
  github: GithubContext;
  runner: RunnerContext;
  /** This step's file-command files; they become github.output, github.env, ... */
  files: FileCommandPaths;
}

const FILE_CONTEXT_KEYS: Record<keyof FileCommandPaths, string> = {
  GITHUB_OUTPUT: 'output',
  GITHUB_ENV: 'env',
  GITHUB_PATH: 'path',
  GITHUB_STATE: 'state',
  GITHUB_STEP_SUMMARY: 'step_summary',
};

/** GITHUB_* variables of a github context: string and boolean values of the allow-listed keys. */
export function githubEnv(github: GithubContext): Record<string, string> {
  const allowed = new Set<string>(GITHUB_ENV_KEYS);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(github)) {
    if (!allowed.has(key.toLowerCase())) continue;
    if (typeof value === 'string' || typeof value === 'boolean') env[`GITHUB_${key.toUpperCase()}`] = String(value);
  }
  return env;
}

export function runnerEnv(runner: RunnerContext): Record<string, string> {
  return Object.fromEntries(Object.entries(runner).map(([key, value]) => [`RUNNER_${key.toUpperCase()}`, value]));
}

export function stepEnvironment(options: StepEnvironmentOptions): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(options.inherited ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const env: Record<string, string> = { ...options.env };
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  Object.assign(env, options.inputs);
  if ((options.prependPath ?? []).length > 0)
    env['PATH'] = prependedPath(options.prependPath ?? [], env['PATH'] ?? inherited['PATH']);
  const files = Object.fromEntries(
    Object.entries(FILE_CONTEXT_KEYS).map(([name, key]) => [key, options.files[name as keyof FileCommandPaths]]),
  );
  Object.assign(env, githubEnv({ ...options.github, ...files }), runnerEnv(options.runner));
  const result: Record<string, string> = { ...inherited, ...env, GITHUB_ACTIONS: 'true' };
  if (result['CI'] === undefined) result['CI'] = 'true';
  return result;
}
