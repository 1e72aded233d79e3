/**
 * The inputs of the progressive strategies (canary, blue-green), manual
 * gates and GitHub Deployments, read and checked together: a combination
 * that cannot work is refused before anything changes. Pure; called from
 * parseInputs.
 */
import {
  InputError,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseHttpUrl,
  type ReadInput,
  type RunContext,
} from '@pipeline/action-kit';
import { parseAnalysis, type AnalysisConfig } from '../analysis/config.js';
import { parseSteps } from './weights.js';

export const STRATEGIES = ['rolling', 'canary', 'blue-green'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const ACTIONS = ['deploy', 'promote', 'reject', 'switch-back'] as const;
export type StrategyAction = (typeof ACTIONS)[number];
export const PROMOTE_MODES = ['auto', 'manual'] as const;
export type PromoteMode = (typeof PROMOTE_MODES)[number];

export interface GithubDeploymentInputs {
  token: string;
  environment: string;
  environmentUrl: string | undefined;
  /** GITHUB_API_URL, else https://api.github.com (as on GitHub). */
  apiUrl: string;
  repository: string;
  /** The commit (GITHUB_SHA) the deployment is for. */
  ref: string;
}

export interface StrategyInputs {
  strategy: Strategy;
  steps: readonly number[];
  stepDurationMs: number;
  analysis: AnalysisConfig;
  promote: PromoteMode;
  action: StrategyAction;
  blueGreenKeep: boolean;
  github: GithubDeploymentInputs | undefined;
}

function parseGithub(
  read: ReadInput,
  env: Readonly<Record<string, string | undefined>>,
  run: RunContext,
): GithubDeploymentInputs | undefined {
  const token = read('github-token').trim();
  const environment = read('environment').trim();
  if (!token && !environment) return undefined;
  if (!token)
    throw new InputError(
      'github-token',
      '',
      "a token (e.g. ${{ github.token }}, with deployments: write) when 'environment' is set",
    );
  if (!environment)
    throw new InputError('environment', '', "an environment name (e.g. production) when 'github-token' is set");
  if (environment.length > 255 || /[\r\n]/.test(environment))
    throw new InputError('environment', environment, 'an environment name of at most 255 characters on one line');
  const rawUrl = read('environment-url').trim();
  const environmentUrl = rawUrl ? parseHttpUrl('environment-url', rawUrl).toString() : undefined;
  const apiUrl = parseHttpUrl('GITHUB_API_URL', env['GITHUB_API_URL']?.trim() || 'https://api.github.com')
    .toString()
    .replace(/\/+$/, '');
  if (!run.repository || !run.sha)
    throw new InputError(
      'environment',
      environment,
      'a run with GITHUB_REPOSITORY and GITHUB_SHA set (as on GitHub), to create a deployment for the commit',
    );
  return { token, environment, environmentUrl, apiUrl, repository: run.repository, ref: run.sha };
}

export function parseStrategyInputs(
  read: ReadInput,
  env: Readonly<Record<string, string | undefined>>,
  run: RunContext,
): StrategyInputs {
  const strategy = parseEnum('strategy', read('strategy'), STRATEGIES, 'rolling');
  const action = parseEnum('action', read('action'), ACTIONS, 'deploy');
  const promote = parseEnum('promote', read('promote'), PROMOTE_MODES, 'auto');
  const rawSteps = read('canary-steps');
  const steps = parseSteps(rawSteps);
  const stepDurationMs = parseDuration(
    'canary-step-duration',
    read('canary-step-duration'),
    { minMs: 0, maxMs: 3_600_000 },
    30_000,
  );
  const analysis = parseAnalysis(read('canary-analysis'));
  const blueGreenKeep = parseBoolean('blue-green-keep', read('blue-green-keep'), true);
  if (strategy === 'rolling' && action !== 'deploy')
    throw new InputError(
      'action',
      action,
      "deploy with strategy rolling (promote and reject finish a paused canary or blue-green: set 'strategy' too)",
    );
  if (action === 'switch-back' && strategy !== 'blue-green')
    throw new InputError(
      'action',
      action,
      'deploy, promote or reject with strategy canary (switch-back is for blue-green)',
    );
  // canary-steps and canary-analysis are ignored by rolling (a caller may pass them for every strategy); a manual gate is not.
  if (strategy === 'rolling' && promote === 'manual')
    throw new InputError(
      'promote',
      'manual',
      'auto with strategy rolling (a manual gate needs strategy canary or blue-green)',
    );
  return {
    strategy,
    steps,
    stepDurationMs,
    analysis,
    promote,
    action,
    blueGreenKeep,
    github: parseGithub(read, env, run),
  };
}
