/**
 * The project's container tooling for the docker steps of a local run:
 * tools/containers/containers.sh up (dockerd, registry, BuildKit + buildx,
 * arm64 emulation) and the base-image stand-ins, started once per run and
 * left running for the next one, like the cluster.
 */
import path from 'node:path';
import { dockerEnvFromUp } from '../emulations/docker/index.js';
import type { DockerEnv, ImageMapping } from '../emulations/docker/index.js';
import { localImageRef } from '../local-images.js';
import { runScript } from '../local.js';

export interface ContainerTooling {
  env: DockerEnv;
  /** DOCKER_HOST, DOCKER_CONFIG, BUILDX_BUILDER...: what the docker CLI needs. */
  vars: Record<string, string>;
}

/** Go's spelling of this host's architecture. */
export const hostArch = (): string => (process.arch === 'x64' ? 'amd64' : process.arch);

export async function startContainerTooling(library: string, log: (line: string) => void): Promise<ContainerTooling> {
  const tools = path.join(library, 'tools/containers');
  await runScript(path.join(tools, 'containers.sh'), ['up'], process.env, 45 * 60_000, log);
  await runScript(path.join(tools, 'base-images.sh'), [], process.env, 45 * 60_000, log);
  // `env` after the base images: STAND_IN_IMAGES then lists them.
  const out = await runScript(path.join(tools, 'containers.sh'), ['env'], process.env, 60_000, log);
  const { env, vars } = dockerEnvFromUp(out, {
    cacheDir: path.join(library, '.tmp/containers/gha-cache'),
    hostArch: hostArch(),
  });
  const keep = ['DOCKER_HOST', 'DOCKER_CONFIG', 'BUILDKIT_HOST', 'BUILDX_BUILDER'];
  return { env, vars: Object.fromEntries(Object.entries(vars).filter(([k]) => keep.includes(k))) };
}

/** trivy.yaml sending each registry the run redirected (ghcr.io...) to the local registry. */
export function trivyMirrorConfig(mappings: readonly ImageMapping[], registry: string): string {
  const hosts = [...new Set(mappings.map((m) => m.from.split('/')[0] ?? ''))].filter((h) => h !== '' && h !== registry);
  return ['registry:', '  mirrors:', ...hosts.flatMap((h) => [`    ${h}:`, `      - ${registry}`]), ''].join('\n');
}

export interface EngineStepInputs {
  withValues: Record<string, string>;
  env: Record<string, string>;
  notes: string[];
}

/**
 * A step that runs the image its `input` names on the container engine: the
 * engine's variables (DOCKER_HOST...) for its environment, and the image by
 * the local name the run pushed it under (a note says so). Without the engine
 * (or the input) the step runs as written.
 */
export function engineStepInputs(
  input: string | undefined,
  withValues: Record<string, string>,
  engine: Record<string, string> | undefined,
  mappings: readonly ImageMapping[],
): EngineStepInputs {
  const value = input ? withValues[input] : undefined;
  if (!input || !value || !engine) return { withValues, env: {}, notes: [] };
  const local = localImageRef(value, mappings);
  if (!local) return { withValues, env: engine, notes: [] };
  return {
    withValues: { ...withValues, [input]: local },
    env: engine,
    notes: [
      `input ${input} is local: ${local} in the project's registry (the workflow named ${value}; the build pushed it there instead).`,
    ],
  };
}
