/**
 * Kubernetes objects as plain data: references, dependency order, cleaning
 * live objects for backups, stamping run metadata, change detection and
 * diffs. Pure functions.
 */
import { createHash } from 'node:crypto';
import { isRecord, type RunContext } from '@pipeline/action-kit';
import { createTwoFilesPatch } from 'diff';
import { stringify as toYaml } from 'yaml';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/** `Deployment/web` or `Deployment/web in shop` for messages and tables. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.name} in ${ref.namespace}` : `${ref.kind}/${ref.name}`;
}

export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

/** Apply order: what others depend on first. Unknown kinds (custom resources) go last. */
const RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  PriorityClass: 2,
  StorageClass: 2,
  IngressClass: 2,
  ResourceQuota: 2,
  LimitRange: 2,
  NetworkPolicy: 2,
  ServiceAccount: 3,
  ClusterRole: 4,
  Role: 4,
  ClusterRoleBinding: 5,
  RoleBinding: 5,
  ConfigMap: 6,
  Secret: 6,
  PersistentVolume: 7,
  PersistentVolumeClaim: 8,
  Service: 9,
  Deployment: 10,
  StatefulSet: 10,
  DaemonSet: 10,
  ReplicaSet: 10,
  ReplicationController: 10,
  Pod: 10,
  Job: 10,
  CronJob: 10,
  Ingress: 11,
  HorizontalPodAutoscaler: 11,
  PodDisruptionBudget: 11,
};
const UNKNOWN_RANK = 12;

export function applyRank(kind: string): number {
  return RANK[kind] ?? UNKNOWN_RANK;
}

/** Stable sort into apply order; manifest order is kept within a rank. */
export function sortForApply<T extends { object: KubeObject }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => applyRank(a.item.object.kind) - applyRank(b.item.object.kind) || a.index - b.index)
    .map(({ item }) => item);
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export function isWorkload(ref: { kind: string; apiVersion: string }): boolean {
  return WORKLOAD_KINDS.has(ref.kind) && ref.apiVersion === 'apps/v1';
}

/** Annotations written by controllers or kubectl that must not be restored from a backup. */
const SERVER_ANNOTATIONS = [
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
];
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** A deep copy of a live object without the fields the server manages (status, managedFields, uid, ...). */
export function cleanObject(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  delete copy['status'];
  const meta = copy.metadata as Record<string, unknown>;
  for (const field of SERVER_METADATA) delete meta[field];
  if (isRecord(meta['annotations'])) {
    const annotations = meta['annotations'];
    for (const key of SERVER_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete meta['annotations'];
  }
  return copy;
}

/** Secret values replaced by digests, for anything written outside memory (backup file, summary, diff). */
export function redactSecret(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1') return object;
  const copy = structuredClone(object);
  for (const field of ['data', 'stringData']) {
    const values = copy[field];
    if (!isRecord(values)) continue;
    for (const key of Object.keys(values)) {
      values[key] = `<redacted sha256:${createHash('sha256').update(String(values[key])).digest('hex').slice(0, 12)}>`;
    }
  }
  const annotations = copy.metadata.annotations;
  if (annotations && 'kubectl.kubernetes.io/last-applied-configuration' in annotations) {
    annotations['kubectl.kubernetes.io/last-applied-configuration'] = '<redacted>';
  }
  return copy;
}

/** Sets each annotation on the object (in place). */
export function stampAnnotations(object: KubeObject, annotations: ReadonlyMap<string, string>): void {
  if (annotations.size === 0) return;
  const current = isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
  for (const [key, value] of annotations) current[key] = value;
  object.metadata.annotations = current;
}

/** The run metadata stamped on every object, then the user's annotations. */
export function runAnnotations(
  run: Pick<RunContext, 'repository' | 'sha' | 'runUrl' | 'actor'>,
  extra: ReadonlyMap<string, string>,
  prefix = 'deploy-k8s.pipeline-actions.io',
): Map<string, string> {
  const result = new Map<string, string>();
  if (run.repository) result.set(`${prefix}/repository`, run.repository);
  if (run.sha) result.set(`${prefix}/commit`, run.sha);
  if (run.runUrl) result.set(`${prefix}/run-url`, run.runUrl);
  if (run.actor) result.set(`${prefix}/actor`, run.actor);
  for (const [key, value] of extra) result.set(key, value);
  return result;
}

/**
 * The part of an object that a deploy can change, for "did anything change?":
 * cleaned, and without the run-metadata annotations (a re-run of the same
 * manifests is `unchanged` even though its run URL differs).
 */
export function comparable(object: KubeObject, ignoreAnnotations: ReadonlySet<string>): unknown {
  const copy = cleanObject(object);
  const annotations = copy.metadata.annotations;
  if (annotations) {
    for (const key of ignoreAnnotations) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
  }
  return sortKeys(copy);
}

export function sameObject(a: KubeObject, b: KubeObject, ignoreAnnotations: ReadonlySet<string>): boolean {
  return JSON.stringify(comparable(a, ignoreAnnotations)) === JSON.stringify(comparable(b, ignoreAnnotations));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/** YAML of a cleaned, Secret-redacted object. */
export function toCleanYaml(object: KubeObject): string {
  return toYaml(redactSecret(cleanObject(object)), { sortMapEntries: false, lineWidth: 0 });
}

/** A unified diff between the live object (or nothing) and what the server would store. */
export function objectDiff(before: KubeObject | undefined, after: KubeObject, label: string): string {
  const a = before ? toCleanYaml(before) : '';
  const b = toCleanYaml(after);
  return createTwoFilesPatch(before ? `live/${label}` : '/dev/null', `new/${label}`, a, b, undefined, undefined, {
    context: 3,
  })
    .split('\n')
    .slice(1) // drop the "Index:"/"=====" header line
    .filter((line) => !/^=+$/.test(line))
    .join('\n')
    .trim();
}

/** Pod template of a Deployment/StatefulSet/DaemonSet. */
export function templateOf(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object['spec'];
  return isRecord(spec) && isRecord(spec['template']) ? spec['template'] : undefined;
}
