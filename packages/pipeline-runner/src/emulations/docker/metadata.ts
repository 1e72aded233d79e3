/**
 * docker/metadata-action@v6.2.0, computed locally: tags, labels,
 * annotations, version, json and the bake files, with the action's names,
 * order, separators and GITHUB_ENV exports (DOCKER_METADATA_OUTPUT_*). Pure
 * apart from writing the bake files; needs no container engine.
 */
import path from 'node:path';
import { getInput, getList, parseBool, withDefaults } from './inputs.js';
import { parseFlavor, parseImages, parseTags } from './metadata-inputs.js';
import type { Flavor, ImageSpec } from './metadata-inputs.js';
import { computeVersion, globalExp, sanitizeTag } from './metadata-version.js';
import type { MetaContext, Version } from './metadata-version.js';
import { InputError, failure } from './types.js';
import type { EmulationContext, EmulationIO, EmulationOutcome, GitHubContext, StepInputs } from './types.js';

export const METADATA_DEFAULTS: Record<string, string> = { context: 'workflow' };

export interface MetadataResult {
  version: Version;
  tags: string[];
  tagNames: string[];
  labels: string[];
  annotations: string[];
  json: { tags: string[]; 'tag-names': string[]; labels: Record<string, string>; annotations: string[] };
  images: string[];
  warnings: string[];
}

export interface MetadataInputs {
  images: string[];
  tags: string[];
  flavor: string[];
  labels: string[];
  annotations: string[];
  sepTags: string;
  sepLabels: string;
  sepAnnotations: string;
  bakeTarget: string;
}

const LIST = { ignoreComma: true, comment: '#' } as const;

/** The action's getInputs (context.ts upstream). */
export function parseMetadataInputs(raw: StepInputs): MetadataInputs {
  const inputs = withDefaults(raw, METADATA_DEFAULTS);
  const source = getInput(inputs, 'context');
  if (source !== 'workflow' && source !== 'git')
    throw new InputError(`Invalid context source: ${source} (input 'context'; accepted: workflow, git)`);
  return {
    images: getList(inputs, 'images', LIST),
    tags: getList(inputs, 'tags', LIST),
    flavor: getList(inputs, 'flavor', LIST),
    labels: getList(inputs, 'labels', LIST),
    annotations: getList(inputs, 'annotations', LIST),
    sepTags: getInput(inputs, 'sep-tags', false) || '\n',
    sepLabels: getInput(inputs, 'sep-labels', false) || '\n',
    sepAnnotations: getInput(inputs, 'sep-annotations', false) || '\n',
    bakeTarget: getInput(inputs, 'bake-target') || 'docker-metadata-action',
  };
}

function shortShaLength(env: Record<string, string>): number {
  const text = env['DOCKER_METADATA_SHORT_SHA_LENGTH'];
  if (!text) return 7;
  if (Number.isNaN(Number(text)))
    throw new InputError(`DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: ${text}`);
  return Number(text);
}

function generateTags(version: Version, flavor: Flavor, imageName?: string): string[] {
  if (!version.main) return [];
  const prefix = imageName ? `${imageName}:` : '';
  const tags = [`${prefix}${version.main}`, ...version.partial.map((p) => `${prefix}${p}`)];
  if (version.latest) {
    const latest = `${flavor.prefixLatest ? flavor.prefix : ''}latest${flavor.suffixLatest ? flavor.suffix : ''}`;
    tags.push(`${prefix}${sanitizeTag(latest)}`);
  }
  return tags;
}

/** OCI annotations plus custom ones: later keys override, sorted by key. */
function ociWithCustoms(ctx: MetaContext, version: Version, extra: string[]): string[] {
  const { github } = ctx;
  const entries = [
    `org.opencontainers.image.title=${github.repo.name}`,
    `org.opencontainers.image.description=${github.repo.description}`,
    `org.opencontainers.image.url=${github.repo.htmlUrl}`,
    `org.opencontainers.image.source=${github.repo.htmlUrl}`,
    `org.opencontainers.image.version=${version.main ?? ''}`,
    `org.opencontainers.image.created=${github.now.toISOString()}`,
    `org.opencontainers.image.revision=${github.sha}`,
    `org.opencontainers.image.licenses=${github.repo.license}`,
    ...extra.map((label) => globalExp(ctx, label)),
  ];
  const map = new Map<string, string>();
  for (const entry of entries) {
    const [key, ...values] = entry.split('=');
    if (values.length > 0) map.set(key as string, values.join('='));
  }
  return [...map].sort((a, b) => a[0].localeCompare(b[0])).map(([key, value]) => `${key}=${value}`);
}

function toRecord(labels: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of labels) {
    const m = /([^=]*)=(.*)/.exec(label);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** Everything the action computes, from parsed inputs and the GitHub context. */
export function computeMetadata(
  inputs: MetadataInputs,
  github: GitHubContext,
  env: Record<string, string> = {},
): MetadataResult {
  const flavor = parseFlavor(inputs.flavor);
  const ctx: MetaContext = { github, flavor, shortShaLength: shortShaLength(env), warnings: [] };
  const images = parseImages(inputs.images)
    .filter((image: ImageSpec) => image.enable)
    .map((image) => image.name.toLowerCase());
  const version = computeVersion(ctx, parseTags(inputs.tags));
  const tags =
    images.length > 0 ? images.flatMap((image) => generateTags(version, flavor, image)) : generateTags(version, flavor);
  const labels = ociWithCustoms(ctx, version, inputs.labels);
  const levels = (env['DOCKER_METADATA_ANNOTATIONS_LEVELS'] || 'manifest').split(',');
  const rawAnnotations = ociWithCustoms(ctx, version, inputs.annotations);
  const annotations = levels.flatMap((level) => rawAnnotations.map((a) => `${level}:${a}`));
  const tagNames = generateTags(version, flavor);
  if (!version.main) ctx.warnings.push('No Docker image version has been generated. Check tags input.');
  if (tags.length === 0) ctx.warnings.push('No Docker tag has been generated. Check tags input.');
  return {
    version,
    tags,
    tagNames,
    labels,
    annotations,
    json: { tags, 'tag-names': tagNames, labels: toRecord(labels), annotations },
    images,
    warnings: ctx.warnings,
  };
}

/** The bake definition files the action writes (name → JSON text). */
export function bakeFiles(result: MetadataResult, target: string): Record<string, string> {
  const file = (dt: unknown): string => JSON.stringify({ target: { [target]: dt } }, null, 2);
  const args = { DOCKER_META_IMAGES: result.images.join(','), DOCKER_META_VERSION: result.version.main };
  const labels = toRecord(result.labels);
  return {
    'bake-file-tags': file({ tags: result.tags, args }),
    'bake-file-labels': file({ labels }),
    'bake-file-annotations': file({ annotations: result.annotations }),
    'bake-file': file({ tags: result.tags, labels, args }),
  };
}

const BAKE_NAMES: Record<string, string> = {
  'bake-file-tags': 'docker-metadata-action-bake-tags.json',
  'bake-file-labels': 'docker-metadata-action-bake-labels.json',
  'bake-file-annotations': 'docker-metadata-action-bake-annotations.json',
  'bake-file': 'docker-metadata-action-bake.json',
};

function exportsEnabled(env: Record<string, string>): boolean {
  const value = env['DOCKER_METADATA_SET_OUTPUT_ENV'];
  return value ? parseBool(value) : true;
}

/** The emulation: docker/metadata-action's outputs for this step. */
export async function metadataAction(
  raw: StepInputs,
  context: EmulationContext,
  io: EmulationIO,
): Promise<EmulationOutcome> {
  let inputs: MetadataInputs;
  let result: MetadataResult;
  try {
    inputs = parseMetadataInputs(raw);
    result = computeMetadata(inputs, context.github, context.env);
  } catch (error) {
    if (error instanceof InputError) return failure(`docker/metadata-action: ${error.message}`);
    throw error;
  }
  const outputs: Record<string, string> = {
    version: result.version.main ?? '',
    tags: result.tags.join(inputs.sepTags),
    'tag-names': result.tagNames.join(inputs.sepTags),
    labels: result.labels.join(inputs.sepLabels),
    annotations: result.annotations.join(inputs.sepAnnotations),
    json: JSON.stringify(result.json),
  };
  const dir = await io.makeTempDir('docker-actions-toolkit-');
  for (const [name, text] of Object.entries(bakeFiles(result, inputs.bakeTarget))) {
    const file = path.join(dir, BAKE_NAMES[name] as string);
    await io.writeFile(file, text);
    outputs[name] = file;
  }
  const env: Record<string, string> = {};
  if (exportsEnabled(context.env)) {
    for (const [name, value] of Object.entries(outputs))
      env[`DOCKER_METADATA_OUTPUT_${name.replace(/\W/g, '_').toUpperCase()}`] = value;
  }
  const repo = context.github.repo;
  return {
    status: 'success',
    outputs,
    env,
    warnings: result.warnings,
    notes: [
      'emulated: docker/metadata-action v6.2.0 rules evaluated locally',
      `repository metadata from the local checkout, not the GitHub API: title=${repo.name}, url=${repo.htmlUrl}, licence=${repo.license || '(none)'}, default branch=${repo.defaultBranch}`,
    ],
  };
}
