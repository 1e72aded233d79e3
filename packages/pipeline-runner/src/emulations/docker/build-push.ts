/**
 * docker/build-push-action@v7.3.0 against the project's builder and local
 * registry: the plan's argv runs as is; the outputs come from the iidfile and
 * the buildx metadata file exactly as the action reads them (imageid,
 * digest = containerimage.digest, metadata = the JSON, indented); a failed
 * build fails with the action's "buildx failed with: <last stderr line>".
 */
import path from 'node:path';
import { ghaImportDirs } from './build-cache.js';
import { parseBuildPushInputs, remoteContext } from './build-push-inputs.js';
import type { BuildPushInputs } from './build-push-inputs.js';
import { planBuild, resolvePath } from './build-push-plan.js';
import type { BuildPlan } from './build-push-plan.js';
import { baseImages, standInsUsed } from './dockerfile.js';
import { InputError, NO_ENGINE, failure, skipped } from './types.js';
import type { DockerEnv, EmulationContext, EmulationIO, EmulationOutcome, StepInputs } from './types.js';

export interface BuildOutputs {
  imageid?: string;
  digest?: string;
  metadata?: string;
}

/** Reads the outputs the way the toolkit's resolveImageID/resolveMetadata/resolveDigest do. */
export function buildOutputs(iidText: string | undefined, metadataText: string | undefined): BuildOutputs {
  const out: BuildOutputs = {};
  const iid = iidText?.trim();
  if (iid) out.imageid = iid;
  const content = metadataText?.trim();
  if (content === undefined || content === '' || content === 'null') return out;
  const metadata = JSON.parse(content) as Record<string, unknown>;
  const digest = metadata['containerimage.digest'];
  if (typeof digest === 'string' && digest !== '') out.digest = digest;
  out.metadata = JSON.stringify(metadata, null, 2);
  return out;
}

/** The action's error text: the last non-empty stderr line. */
export function buildxError(stderr: string, exitCode: number): string {
  const last = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .pop();
  return last ? `buildx failed with: ${last}` : `buildx failed with exit code ${exitCode} and no error output`;
}

/** Every path whose existence the plan depends on. */
function pathsToCheck(inputs: BuildPushInputs, workspace: string, cacheDir: string | undefined): string[] {
  const contextDir = resolvePath(workspace, inputs.context);
  return [
    contextDir,
    inputs.file ? resolvePath(workspace, inputs.file) : path.join(contextDir, 'Dockerfile'),
    ...inputs['secret-files'].map((kvp) => resolvePath(workspace, kvp.slice(kvp.indexOf('=') + 1))),
    ...(cacheDir === undefined
      ? []
      : ghaImportDirs(inputs['cache-from'], cacheDir).map((dir) => path.join(dir, 'index.json'))),
  ];
}

async function existingPaths(io: EmulationIO, paths: string[]): Promise<Set<string>> {
  const found = await Promise.all(paths.map(async (p) => ((await io.exists(p)) ? p : undefined)));
  return new Set(found.filter((p): p is string => p !== undefined));
}

function buildArgsRecord(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map((kv) => [kv.split('=')[0] ?? '', kv.slice(kv.indexOf('=') + 1)]));
}

async function describe(
  plan: BuildPlan,
  inputs: BuildPushInputs,
  docker: DockerEnv,
  io: EmulationIO,
): Promise<string[]> {
  const notes = [...plan.notes];
  for (const m of plan.mappings) notes.push(`emulated: ${m.from} → ${m.to} (local registry)`);
  if (inputs.push)
    notes.push(`emulated: pushed to the local registry ${docker.registry}, not to the workflow's registry`);
  const text = await io.readFile(plan.dockerfile);
  const standIns = standInsUsed(baseImages(text ?? '', buildArgsRecord(inputs['build-args'])), docker.standInImages);
  for (const image of standIns) notes.push(`used local stand-in base image ${image}`);
  return notes;
}

async function finishCache(plan: BuildPlan, io: EmulationIO, ok: boolean): Promise<void> {
  for (const move of plan.cacheMoves) {
    if (!ok) {
      await io.remove(move.from);
      continue;
    }
    if (!(await io.exists(move.from))) continue;
    await io.remove(move.to);
    await io.rename(move.from, move.to);
  }
}

async function runPlan(
  plan: BuildPlan,
  inputs: BuildPushInputs,
  docker: DockerEnv,
  io: EmulationIO,
): Promise<EmulationOutcome> {
  for (const secret of plan.secretFiles) await io.writeFile(secret.path, secret.content, 0o600);
  const result = await io.exec(plan.argv, {
    env: { BUILDX_METADATA_WARNINGS: 'true', BUILDX_BUILDER: docker.builder },
  });
  const outputs = buildOutputs(await io.readFile(plan.iidFile), await io.readFile(plan.metadataFile));
  await finishCache(plan, io, result.exitCode === 0);
  const extra = {
    outputs: { ...outputs },
    masks: plan.masks,
    warnings: plan.warnings,
    mappings: plan.mappings,
    notes: await describe(plan, inputs, docker, io),
  };
  if (result.exitCode !== 0) return failure(buildxError(result.stderr, result.exitCode), extra);
  return { status: 'success', ...extra };
}

/** The emulation: builds (and pushes to the local registry) as the action would. */
export async function buildPushAction(
  raw: StepInputs,
  context: EmulationContext,
  io: EmulationIO,
): Promise<EmulationOutcome> {
  const docker = context.docker;
  let inputs: BuildPushInputs;
  try {
    inputs = parseBuildPushInputs(raw, context.github);
  } catch (error) {
    if (error instanceof InputError) return failure(`docker/build-push-action: ${error.message}`);
    throw error;
  }
  const remote = remoteContext(inputs.context);
  if (remote)
    return skipped(`builds ${remote}, which needs GitHub; the local run builds a path context (set the context input)`);
  let plan: BuildPlan | undefined;
  let tmpDir: string | undefined;
  try {
    const existing = await existingPaths(io, pathsToCheck(inputs, context.workspace, docker?.cacheDir));
    if (!docker) {
      // Still fail a missing Dockerfile or a bad platform at once, as GitHub would.
      planBuild(inputs, {
        github: context.github,
        docker: OFFLINE,
        env: context.env,
        workspace: context.workspace,
        tmpDir: '/nonexistent',
        existing,
      });
      return skipped(NO_ENGINE);
    }
    tmpDir = await io.makeTempDir('docker-actions-toolkit-');
    plan = planBuild(inputs, {
      github: context.github,
      docker,
      env: context.env,
      workspace: context.workspace,
      tmpDir,
      existing,
    });
    return await runPlan(plan, inputs, docker, io);
  } catch (error) {
    if (error instanceof InputError)
      return failure(`docker/build-push-action: ${error.message}`, plan ? { masks: plan.masks } : {});
    throw error;
  } finally {
    // Secret files live only as long as the build.
    if (tmpDir !== undefined) await io.remove(tmpDir);
  }
}

/** Stand-in tooling for validating inputs when the engine is not up (nothing is executed with it). */
const OFFLINE: DockerEnv = {
  registry: '127.0.0.1:1',
  builder: '',
  cacheDir: '/nonexistent',
  dockerCommand: 'docker',
  hostArch: 'amd64',
  binfmtDir: '/proc/sys/fs/binfmt_misc',
  standInImages: [],
};
