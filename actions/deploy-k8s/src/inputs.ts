/**
 * Every input of the action, read once, validated and frozen. Secrets are
 * masked here, before anything else can print them.
 */
import * as core from '@actions/core';
import {
  InputError,
  maskSecret,
  parseBoolean,
  parseDuration,
  parseKeyValueMap,
  parseList,
} from '@pipeline/action-kit';
import { decodeKubeconfig, secretValues, type DecodedKubeconfig } from './kubeconfig.js';
import { parseImage, type ImageRule } from './images.js';

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
}

export type InputReader = (name: string) => string;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Annotation keys: optional DNS-subdomain prefix and a name of at most 63 characters.
const ANNOTATION_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Masks a kubeconfig: the input as given, the decoded text, each line and each secret inside. */
export function maskKubeconfig(decoded: { text: string; original: string }, mask: (value: string) => void = maskSecret): void {
  mask(decoded.original);
  if (decoded.original.trim() !== decoded.original) mask(decoded.original.trim());
  mask(decoded.text);
  for (const secret of secretValues(decoded.text)) mask(secret);
}

/** Masks the secret values inside a kubeconfig even when it is too broken to use (YAML or base64). */
function maskSecretsInside(raw: string, mask: (value: string) => void): void {
  const trimmed = raw.trim();
  const texts = [trimmed];
  if (!trimmed.includes(':')) {
    const decoded = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8');
    mask(decoded);
    texts.push(decoded);
  }
  for (const text of texts) for (const secret of secretValues(text)) mask(secret);
}

export function parseInputs(read: InputReader, mask: (value: string) => void = maskSecret): Inputs {
  const rawKubeconfig = read('kubeconfig');
  let kubeconfig: DecodedKubeconfig | undefined;
  if (rawKubeconfig.trim() !== '') {
    // Mask before decoding so that even a broken value never shows.
    mask(rawKubeconfig);
    maskSecretsInside(rawKubeconfig, mask);
    kubeconfig = decodeKubeconfig(rawKubeconfig);
    maskKubeconfig(kubeconfig, mask);
  }

  const context = read('context').trim() || undefined;

  const namespaceRaw = read('namespace').trim();
  if (namespaceRaw !== '' && (!DNS_LABEL.test(namespaceRaw) || namespaceRaw.length > 63)) {
    throw new InputError('namespace', namespaceRaw, 'a namespace name: lowercase letters, digits and -, at most 63 characters');
  }

  const manifests = parseList('manifests', read('manifests'), { separator: 'newline' });
  if (manifests.length === 0) throw new InputError('manifests', read('manifests'), 'at least one file, directory or glob pattern, one per line');

  const images: ImageRule[] = [];
  for (const [name, image] of parseKeyValueMap('images', read('images'))) {
    if (!parseImage(name) && !/^[a-z0-9][a-z0-9._/-]*$/.test(name)) {
      throw new InputError('images', `${name}=${image}`, 'name=registry/name:tag lines whose name is an image repository name');
    }
    if (!parseImage(image)) {
      throw new InputError('images', `${name}=${image}`, 'name=registry/name:tag lines whose right-hand side is an image reference (registry/name:tag or registry/name@sha256:...)');
    }
    images.push({ name, image });
  }

  const timeoutMs = parseDuration('timeout', read('timeout'), { minMs: 1000, maxMs: 6 * 3_600_000 }, 300_000);
  const rollbackOnFailure = parseBoolean('rollback-on-failure', read('rollback-on-failure'), true);
  const wait = parseBoolean('wait', read('wait'), true);
  const lock = parseBoolean('lock', read('lock'), true);
  const dryRun = parseBoolean('dry-run', read('dry-run'), false);

  const fieldManager = read('field-manager').trim() || 'deploy-k8s';
  if (fieldManager.length > 128 || /[\s]/.test(fieldManager)) {
    throw new InputError('field-manager', fieldManager, 'a field manager name without spaces, at most 128 characters');
  }

  const annotations = parseKeyValueMap('annotations', read('annotations'));
  for (const key of annotations.keys()) {
    if (!ANNOTATION_KEY.test(key) || key.length > 316) {
      throw new InputError('annotations', key, 'key=value lines with Kubernetes annotation keys ([prefix/]name, name of at most 63 letters, digits, -, _ or .)');
    }
  }

  const failureGraceMs = parseDuration('failure-grace', read('failure-grace'), { minMs: 0, maxMs: 3_600_000 }, 5000);

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
  });
}

export function getInputs(): Inputs {
  return parseInputs((name) => core.getInput(name));
}
