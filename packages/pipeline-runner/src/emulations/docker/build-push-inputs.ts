/**
 * docker/build-push-action v7.3.0's inputs (src/context.ts getInputs
 * upstream): the same list rules per input (commas split `tags` and
 * `platforms` but not `labels` or `build-args`; `secrets` keep their
 * whitespace; `outputs` ignore quotes), the same booleans, and the
 * provenance input resolved with its builder-id.
 */
import { provenanceInput } from './build-attests.js';
import { workflowRunUrl } from './github-context.js';
import { getBooleanInput, getInput, getList, withDefaults } from './inputs.js';
import type { GitHubContext, StepInputs } from './types.js';

export const BUILD_PUSH_DEFAULTS: Record<string, string> = {
  load: 'false',
  'no-cache': 'false',
  pull: 'false',
  push: 'false',
};

export const BUILD_PUSH_INPUTS = [
  'add-hosts',
  'allow',
  'annotations',
  'attests',
  'build-args',
  'build-contexts',
  'builder',
  'cache-from',
  'cache-to',
  'call',
  'cgroup-parent',
  'context',
  'file',
  'labels',
  'load',
  'network',
  'no-cache',
  'no-cache-filters',
  'outputs',
  'platforms',
  'provenance',
  'pull',
  'push',
  'sbom',
  'secrets',
  'secret-envs',
  'secret-files',
  'shm-size',
  'ssh',
  'tags',
  'target',
  'ulimit',
  'github-token',
] as const;

export interface BuildPushInputs {
  'add-hosts': string[];
  allow: string[];
  annotations: string[];
  attests: string[];
  'build-args': string[];
  'build-contexts': string[];
  builder: string;
  'cache-from': string[];
  'cache-to': string[];
  call: string;
  'cgroup-parent': string;
  /** As written; '' means the action's default Git context. */
  context: string;
  file: string;
  labels: string[];
  load: boolean;
  network: string;
  'no-cache': boolean;
  'no-cache-filters': string[];
  outputs: string[];
  platforms: string[];
  provenance: string;
  pull: boolean;
  push: boolean;
  sbom: string;
  secrets: string[];
  'secret-envs': string[];
  'secret-files': string[];
  'shm-size': string;
  ssh: string[];
  tags: string[];
  target: string;
  ulimit: string[];
}

const IGNORE_COMMA = { ignoreComma: true } as const;

export function parseBuildPushInputs(raw: StepInputs, github: GitHubContext): BuildPushInputs {
  const inputs = withDefaults(raw, BUILD_PUSH_DEFAULTS);
  return {
    'add-hosts': getList(inputs, 'add-hosts'),
    allow: getList(inputs, 'allow'),
    annotations: getList(inputs, 'annotations', IGNORE_COMMA),
    attests: getList(inputs, 'attests', IGNORE_COMMA),
    'build-args': getList(inputs, 'build-args', IGNORE_COMMA),
    'build-contexts': getList(inputs, 'build-contexts', IGNORE_COMMA),
    builder: getInput(inputs, 'builder'),
    'cache-from': getList(inputs, 'cache-from', IGNORE_COMMA),
    'cache-to': getList(inputs, 'cache-to', IGNORE_COMMA),
    call: getInput(inputs, 'call'),
    'cgroup-parent': getInput(inputs, 'cgroup-parent'),
    context: getInput(inputs, 'context'),
    file: getInput(inputs, 'file'),
    labels: getList(inputs, 'labels', IGNORE_COMMA),
    load: getBooleanInput(inputs, 'load'),
    network: getInput(inputs, 'network'),
    'no-cache': getBooleanInput(inputs, 'no-cache'),
    'no-cache-filters': getList(inputs, 'no-cache-filters'),
    outputs: getList(inputs, 'outputs', { ignoreComma: true, quote: false }),
    platforms: getList(inputs, 'platforms'),
    provenance: provenanceInput(inputs, workflowRunUrl(github)),
    pull: getBooleanInput(inputs, 'pull'),
    push: getBooleanInput(inputs, 'push'),
    sbom: getInput(inputs, 'sbom'),
    secrets: getList(inputs, 'secrets', { ignoreComma: true, trimWhitespace: false }),
    'secret-envs': getList(inputs, 'secret-envs'),
    'secret-files': getList(inputs, 'secret-files', IGNORE_COMMA),
    'shm-size': getInput(inputs, 'shm-size'),
    ssh: getList(inputs, 'ssh'),
    tags: getList(inputs, 'tags'),
    target: getInput(inputs, 'target'),
    ulimit: getList(inputs, 'ulimit', IGNORE_COMMA),
  };
}

/** The action's default context is the event's Git URL; a local run builds paths only. */
export function remoteContext(context: string): string | undefined {
  if (context === '' || context.includes('{{defaultContext}}')) return 'the default Git context (a clone from GitHub)';
  if (/^(https?:\/\/|git:\/\/|github\.com\/|git@)/.test(context)) return `the remote context ${context}`;
  return undefined;
}

/** The secret's id and value (`KEY=value`); undefined when it is not one. */
export function parseSecretKvp(kvp: string): [string, string] | undefined {
  const at = kvp.indexOf('=');
  const key = at < 0 ? '' : kvp.substring(0, at);
  const value = at < 0 ? '' : kvp.substring(at + 1);
  return key.length === 0 || value.length === 0 ? undefined : [key, value];
}
