/** The real SourceIo: files on disk and `kubectl kustomize` (argument array, bounded). */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError, describeError, execArgs, printable, tail } from '@pipeline/action-kit';
import { expandManifestPaths, loadManifests } from './manifests.js';
import type { SourceIo } from './manifest-source.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const KUSTOMIZE_TIMEOUT_MS = 120_000;

async function kustomization(directory: string): Promise<string | undefined> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) return undefined;
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(directory, name);
    if ((await stat(file).catch(() => undefined))?.isFile()) return file;
  }
  return undefined;
}

async function kustomize(directory: string): Promise<string> {
  let result;
  try {
    result = await execArgs('kubectl', ['kustomize', directory], { timeoutMs: KUSTOMIZE_TIMEOUT_MS });
  } catch (error: unknown) {
    throw new ActionError(
      `Input 'manifests': ${printable(directory)} is a kustomize directory and rendering it needs kubectl on PATH (GitHub's hosted runners have it): ${describeError(error)}`,
    );
  }
  if (result.exitCode !== 0)
    throw new ActionError(
      `Input 'manifests': kubectl kustomize ${printable(directory)} failed (exit ${result.exitCode}): ${tail(result.stderr)}`,
    );
  return result.stdout;
}

export const realSourceIo: SourceIo = {
  loadManifests,
  unmatched: async (patterns, workspace, allowOutside) =>
    (await expandManifestPaths(patterns, workspace, allowOutside)).unmatched,
  kustomization,
  kustomize,
  write: async (file, text) => {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  },
};
