/**
 * One lookup for the runner's step loop: a `uses:` value → the emulation of
 * that docker action, or undefined when the action is not one of them.
 *
 *   const emulate = dockerEmulation(step.uses);
 *   if (emulate) outcome = await emulate(withValues, context, io);
 */
import { buildPushAction } from './build-push.js';
import { BUILD_PUSH_INPUTS } from './build-push-inputs.js';
import { setupBuildxAction } from './buildx.js';
import { loginAction } from './login.js';
import { metadataAction } from './metadata.js';
import { setupQemuAction } from './qemu.js';
import { checkRegistry } from './registry-mapping.js';
import type { DockerEnv, Emulation } from './types.js';

/** Each action's declared inputs (its action.yml at the pinned version). */
export const DECLARED_INPUTS: Record<string, readonly string[]> = {
  'docker/setup-qemu-action@': ['image', 'platforms', 'reset', 'cache-image'],
  'docker/setup-buildx-action@': [
    'version',
    'driver',
    'driver-opts',
    'buildkitd-flags',
    'buildkitd-config',
    'buildkitd-config-inline',
    'use',
    'name',
    'endpoint',
    'platforms',
    'append',
    'keep-state',
    'cache-binary',
    'cleanup',
  ],
  'docker/login-action@': ['registry', 'username', 'password', 'ecr', 'scope', 'logout', 'registry-auth'],
  'docker/metadata-action@': [
    'context',
    'images',
    'tags',
    'flavor',
    'labels',
    'annotations',
    'sep-tags',
    'sep-labels',
    'sep-annotations',
    'bake-target',
    'github-token',
  ],
  'docker/build-push-action@': BUILD_PUSH_INPUTS,
};

/** The runner's warning for inputs an action does not declare (GitHub's wording). */
function checkingInputs(prefix: string, emulation: Emulation): Emulation {
  const declared = DECLARED_INPUTS[prefix] ?? [];
  return async (inputs, context, io) => {
    const outcome = await emulation(inputs, context, io);
    const unexpected = Object.keys(inputs).filter((name) => !declared.includes(name));
    if (unexpected.length === 0) return outcome;
    const warning = `Unexpected input(s) ${unexpected.map((n) => `'${n}'`).join(', ')}, valid inputs are [${declared.map((n) => `'${n}'`).join(', ')}]`;
    return { ...outcome, warnings: [warning, ...(outcome.warnings ?? [])] };
  };
}

export const DOCKER_EMULATIONS: Record<string, Emulation> = Object.fromEntries(
  Object.entries({
    'docker/setup-qemu-action@': setupQemuAction,
    'docker/setup-buildx-action@': setupBuildxAction,
    'docker/login-action@': loginAction,
    'docker/metadata-action@': metadataAction,
    'docker/build-push-action@': buildPushAction,
  }).map(([prefix, emulation]) => [prefix, checkingInputs(prefix, emulation)]),
);

/** The emulation for `uses` (owner/name@ref, case-insensitive owner and name), if any. */
export function dockerEmulation(uses: string): Emulation | undefined {
  const at = uses.indexOf('@');
  if (at < 0) return undefined;
  return DOCKER_EMULATIONS[`${uses.slice(0, at).toLowerCase()}@`];
}

/**
 * The tooling description from `containers.sh up` (or `env`) output:
 * KEY=value lines (BUILDX_BUILDER, optional STAND_IN_IMAGES as a comma
 * list) and the registry host:port as the last line or CONTAINERS_REGISTRY;
 * plus what the runner decides (cache directory, host architecture).
 */
export function dockerEnvFromUp(
  output: string,
  extra: { cacheDir: string; hostArch: string; binfmtDir?: string },
): { env: DockerEnv; vars: Record<string, string> } {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const vars: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1] as string] = m[2] as string;
  }
  const last = lines[lines.length - 1] ?? '';
  // `up` ends with the registry address; `env` gives it as CONTAINERS_REGISTRY.
  const registry = checkRegistry(/^[A-Z_][A-Z0-9_]*=/.test(last) ? (vars['CONTAINERS_REGISTRY'] ?? '') : last);
  const env: DockerEnv = {
    registry,
    builder: vars['BUILDX_BUILDER'] ?? '',
    cacheDir: extra.cacheDir,
    dockerCommand: 'docker',
    hostArch: extra.hostArch,
    binfmtDir: extra.binfmtDir ?? '/proc/sys/fs/binfmt_misc',
    standInImages: (vars['STAND_IN_IMAGES'] ?? '').split(',').filter((s) => s !== ''),
  };
  return { env, vars };
}

export { githubContextFrom } from './github-context.js';
export { nodeIO } from './node-io.js';
export type { NodeIOOptions } from './node-io.js';
export { localImageRef, mapImage } from './registry-mapping.js';
export type * from './types.js';
