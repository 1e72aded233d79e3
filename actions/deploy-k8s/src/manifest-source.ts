/**
 * Where the objects to deploy come from: plain files, directories and globs
 * (manifests.ts), kustomize directories (rendered with `kubectl kustomize`),
 * or, when nothing matched and generate-manifests is when-missing, the
 * generated Deployment and Service (generated-manifests.ts).
 */
import path from 'node:path';
import { ActionError, printable } from '@pipeline/action-kit';
import type { ImageRule } from './images.js';
import { generateManifests, manifestsYaml } from './generated-manifests.js';
import type { GenerateInputs } from './generated-inputs.js';
import { ManifestError, parseManifest, type SourcedObject } from './manifests.js';

export interface SourceIo {
  loadManifests: (patterns: readonly string[], workspace: string, allowOutside: boolean) => Promise<SourcedObject[]>;
  /** Files, directories and globs that match nothing. */
  unmatched: (patterns: readonly string[], workspace: string, allowOutside: boolean) => Promise<string[]>;
  /** The kustomization file in a directory, if it is one. */
  kustomization: (directory: string) => Promise<string | undefined>;
  /** `kubectl kustomize <directory>`'s output. */
  kustomize: (directory: string) => Promise<string>;
  write: (file: string, text: string) => Promise<void>;
}

export interface SourceRequest {
  manifests: readonly string[];
  workspace: string;
  allowOutside: boolean;
  images: readonly ImageRule[];
  generate: GenerateInputs;
  /** Where a generated file is kept (the action's RUNNER_TEMP folder). */
  outputDir: string;
}

export interface Sources {
  objects: SourcedObject[];
  /** The generated manifests' file and text, when they were generated. */
  generated?: { file: string; yaml: string };
  /** Directories rendered with kustomize. */
  kustomized: string[];
}

async function generated(req: SourceRequest, io: SourceIo): Promise<Sources> {
  const image = req.images[0]?.name;
  if (image === undefined)
    throw new ActionError(
      "Input 'images': generate-manifests needs the image to deploy (name=registry/name:tag); it is empty.",
    );
  const name = req.generate.appName ?? (image.split('/').pop() ?? image).replace(/[:@].*$/, '').toLowerCase();
  const objects = generateManifests({ ...req.generate, name, image });
  const yaml = manifestsYaml(objects);
  const file = path.join(req.outputDir, 'generated-manifests.yaml');
  await io.write(file, yaml);
  const shown = 'generated-manifests.yaml (generated)';
  const parsed = parseManifest(yaml, shown);
  return { objects: parsed.objects, generated: { file, yaml }, kustomized: [] };
}

export async function readSources(req: SourceRequest, io: SourceIo): Promise<Sources> {
  const { manifests, workspace, allowOutside } = req;
  if (req.generate.policy === 'when-missing') {
    const unmatched = await io.unmatched(manifests, workspace, allowOutside);
    if (unmatched.length === manifests.length) return generated(req, io);
  }
  const plain: string[] = [];
  const objects: SourcedObject[] = [];
  const kustomized: string[] = [];
  for (const pattern of manifests) {
    const directory = path.resolve(workspace, pattern);
    if ((await io.kustomization(directory)) === undefined) {
      plain.push(pattern);
      continue;
    }
    const shown = `${path.relative(workspace, directory) || '.'} (kustomize)`;
    const parsed = parseManifest(await io.kustomize(directory), shown);
    if (parsed.problems.length > 0) throw new ManifestError(parsed.problems);
    objects.push(...parsed.objects);
    kustomized.push(path.relative(workspace, directory) || '.');
  }
  if (plain.length > 0) objects.push(...(await io.loadManifests(plain, workspace, allowOutside)));
  if (objects.length === 0)
    throw new ActionError(`Input 'manifests': ${printable(manifests.join(', '))} rendered no Kubernetes objects.`);
  return { objects, kustomized };
}
