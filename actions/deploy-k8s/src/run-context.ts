/**
 * What deploy-k8s reads from the runner's GITHUB_* and RUNNER_TEMP
 * variables, with the rules the kit's runContext() has (an empty variable
 * is unset; RUNNER_TEMP falls back to the system temp directory; the run
 * URL names the attempt when GITHUB_RUN_ATTEMPT is known). Replaced by the
 * kit's runContext() once it has one.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunContext {
  workspace: string;
  runnerTemp: string;
  repository?: string;
  sha?: string;
  runId?: string;
  runUrl?: string;
  actor?: string;
  job?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export function runContext(env: Environment, cwd: string = process.cwd()): RunContext {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  const context: RunContext = { workspace: path.resolve(cwd, value('GITHUB_WORKSPACE') ?? '.'), runnerTemp: path.resolve(cwd, value('RUNNER_TEMP') ?? tmpdir()) };
  const set = (key: Exclude<keyof RunContext, 'workspace' | 'runnerTemp'>, v: string | undefined): void => {
    if (v !== undefined) context[key] = v;
  };
  const serverUrl = (value('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, '');
  const repository = value('GITHUB_REPOSITORY');
  const runId = value('GITHUB_RUN_ID');
  const attempt = value('GITHUB_RUN_ATTEMPT');
  set('repository', repository);
  set('sha', value('GITHUB_SHA'));
  set('runId', runId);
  if (repository && runId) {
    const run = `${serverUrl}/${repository.split('/').map(encodeURIComponent).join('/')}/actions/runs/${encodeURIComponent(runId)}`;
    context.runUrl = attempt && /^[1-9]\d*$/.test(attempt) ? `${run}/attempts/${attempt}` : run;
  }
  set('actor', value('GITHUB_ACTOR'));
  set('job', value('GITHUB_JOB'));
  return context;
}
