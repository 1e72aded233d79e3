/**
 * Every input of the action, read once, validated and frozen, with what the
 * deploy needs from the run's environment. Secret inputs are masked as they
 * are read (maskingReader), before anything else can print them.
 */
import path from 'node:path';
import * as core from '@actions/core';
import {
  InputError,
  maskSecret,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseGlob,
  parseKeyValueMap,
  parseList,
  OUTSIDE_WORKSPACE_INPUT,
  runContext,
  type ReadInput,
  type RunContext,
} from '@pipeline/action-kit';
import { decodeKubeconfig, kubeconfigMasks, type DecodedKubeconfig } from '@pipeline/action-kit/kube';
import { parseImage, type ImageRule } from './images.js';
import { runAnnotations } from './objects.js';
import { parseGenerateInputs, type GenerateInputs } from './generated-inputs.js';
import { UNKNOWN_KINDS_POLICIES, type UnknownKindsPolicy } from './unserved-kinds.js';
import { parseStrategyInputs, type StrategyInputs } from './strategy/inputs.js';

/** The runner's environment variables (process.env in production). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface Inputs {
  /** Decoded kubeconfig from the input, or undefined to fall back to KUBECONFIG / in-cluster. */
  kubeconfig: DecodedKubeconfig | undefined;
  context: string | undefined;
  namespace: string | undefined;
  manifests: readonly string[];
  images: readonly ImageRule[];
  timeoutMs: number;
  rollbackOnFailure: boolean;
  wait: boolean;
  lock: boolean;
  dryRun: boolean;
  fieldManager: string;
  annotations: ReadonlyMap<string, string>;
  failureGraceMs: number;
  unknownKinds: UnknownKindsPolicy;
  /** How long new pods are watched after the rollout looks complete (0: not at all). */
  settleMs: number;
  /** The run, from GITHUB_* and RUNNER_TEMP. */
  run: RunContext;
  /** Run metadata and the user's annotations, stamped on every object. */
  stampedAnnotations: ReadonlyMap<string, string>;
  /** Stamped keys that do not count as a change. */
  volatileAnnotations: ReadonlySet<string>;
  /** Where the backup file is written. */
  backupDir: string;
  /** allow-outside-workspace: manifests may lie outside the workspace (and symlinks are followed). */
  allowOutsideWorkspace: boolean;
  /** Manifests generated when none match (generate-manifests: when-missing). */
  generate: GenerateInputs;
  /** strategy (rolling, canary, blue-green), its analysis, manual gates and GitHub Deployments. */
  progressive: StrategyInputs;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Annotation keys: optional DNS-subdomain prefix and a name of at most 63 characters.
const ANNOTATION_KEY =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Wraps an input reader so that secret inputs are masked the moment they are read. */
export function maskingReader(read: ReadInput, mask: (value: string) => void = maskSecret): ReadInput {
  return (name) => {
    const value = read(name);
    if (name === 'kubeconfig') for (const secret of kubeconfigMasks(value)) mask(secret);
    if (name === 'github-token' && value.trim() !== '') mask(value.trim());
    return value;
  };
}

/** `images`: name=image lines whose name is an image repository name and whose image is a reference. */
function parseImageRules(raw: string): ImageRule[] {
  const images: ImageRule[] = [];
  for (const [name, image] of parseKeyValueMap('images', raw)) {
    if (!parseImage(name) && !/^[a-z0-9][a-z0-9._/-]*$/.test(name)) {
      throw new InputError(
        'images',
        `${name}=${image}`,
        'name=registry/name:tag lines whose name is an image repository name',
      );
    }
    if (!parseImage(image)) {
      throw new InputError(
        'images',
        `${name}=${image}`,
        'name=registry/name:tag lines whose right-hand side is an image reference (registry/name:tag or registry/name@sha256:...)',
      );
    }
    images.push({ name, image });
  }
  return images;
}

/** `annotations`: key=value lines with Kubernetes annotation keys. */
function parseAnnotations(raw: string): Map<string, string> {
  const annotations = parseKeyValueMap('annotations', raw);
  for (const key of annotations.keys()) {
    if (!ANNOTATION_KEY.test(key) || key.length > 316) {
      throw new InputError(
        'annotations',
        key,
        'key=value lines with Kubernetes annotation keys ([prefix/]name, name of at most 63 letters, digits, -, _ or .)',
      );
    }
  }
  return annotations;
}

/** Reads and checks every input; pure (getInputs passes the runner's reader and environment). */
export function parseInputs(read: ReadInput, env: Environment): Inputs {
  const rawKubeconfig = read('kubeconfig');
  const kubeconfig = rawKubeconfig.trim() === '' ? undefined : decodeKubeconfig(rawKubeconfig);

  const context = read('context').trim() || undefined;

  const namespaceRaw = read('namespace').trim();
  if (namespaceRaw !== '' && (!DNS_LABEL.test(namespaceRaw) || namespaceRaw.length > 63)) {
    throw new InputError(
      'namespace',
      namespaceRaw,
      'a namespace name: lowercase letters, digits and -, at most 63 characters',
    );
  }

  const run = runContext(env);
  const allowOutside = parseBoolean(OUTSIDE_WORKSPACE_INPUT, read(OUTSIDE_WORKSPACE_INPUT), false);
  const rawManifests = read('manifests');
  const manifests = parseList('manifests', rawManifests, { separator: 'newline' }).map((pattern) =>
    parseGlob('manifests', pattern, {
      workspace: run.workspace,
      allowOutside,
      what: 'a manifest file, directory or glob',
    }),
  );
  if (manifests.length === 0)
    throw new InputError('manifests', rawManifests, 'at least one file, directory or glob pattern, one per line');

  const images = parseImageRules(read('images'));

  const timeoutMs = parseDuration('timeout', read('timeout'), { minMs: 1000, maxMs: 6 * 3_600_000 }, 300_000);
  const rollbackOnFailure = parseBoolean('rollback-on-failure', read('rollback-on-failure'), true);
  const wait = parseBoolean('wait', read('wait'), true);
  const lock = parseBoolean('lock', read('lock'), true);
  const dryRun = parseBoolean('dry-run', read('dry-run'), false);

  const fieldManager = read('field-manager').trim() || 'deploy-k8s';
  if (fieldManager.length > 128 || /[\s]/.test(fieldManager)) {
    throw new InputError('field-manager', fieldManager, 'a field manager name without spaces, at most 128 characters');
  }

  const annotations = parseAnnotations(read('annotations'));

  const failureGraceMs = parseDuration('failure-grace', read('failure-grace'), { minMs: 0, maxMs: 3_600_000 }, 5000);
  const unknownKinds = parseEnum('unknown-kinds', read('unknown-kinds'), UNKNOWN_KINDS_POLICIES, 'fail');
  const settleMs = parseDuration('settle', read('settle'), { minMs: 0, maxMs: 3_600_000 }, 0);
  const runMetadata = runAnnotations(run, new Map());

  return Object.freeze({
    kubeconfig,
    context,
    namespace: namespaceRaw || undefined,
    manifests: Object.freeze(manifests),
    images: Object.freeze(images),
    timeoutMs,
    rollbackOnFailure,
    wait,
    lock,
    dryRun,
    fieldManager,
    annotations,
    failureGraceMs,
    unknownKinds,
    settleMs,
    run,
    stampedAnnotations: runAnnotations(run, annotations),
    // A re-run of the same manifests is unchanged although its run URL and commit differ (unless the user set those keys).
    volatileAnnotations: new Set([...runMetadata.keys()].filter((key) => !annotations.has(key))),
    backupDir: path.join(run.runnerTemp, 'deploy-k8s'),
    allowOutsideWorkspace: allowOutside,
    generate: parseGenerateInputs(read),
    progressive: parseStrategyInputs(read, env, run),
  });
}

/** The only reader of the action's inputs. */
export const getInputs = (): Inputs =>
  parseInputs(
    maskingReader((name) => core.getInput(name)),
    process.env,
  );
