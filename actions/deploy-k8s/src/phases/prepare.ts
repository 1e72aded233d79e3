/**
 * Phase 1, prepare: images replaced, annotations stamped, scope and
 * namespace settled for every object, duplicates and unknown kinds reported
 * all at once. Reads API discovery and namespaces; writes nothing.
 */
import { isRecord } from '@pipeline/action-kit';
import { imageMatches, imagesOf, replaceImages } from '../images.js';
import { KubeError } from '../kube.js';
import { leaseName } from '../lock.js';
import type { SourcedObject } from '../manifests.js';
import { describeRef, isWorkload, refKey, refOf, sortForApply, stampAnnotations, type KubeObject } from '../objects.js';
import { arrayOf } from '../records.js';
import { fail, ValidationError, type ValidationProblem } from '../report.js';
import { FAIL_HINT, findUnserved, skippedWarning } from '../unserved-kinds.js';
import type { Item, PhaseContext, Prepared } from './context.js';

/** The application a lock is for: a well-known label, else the first workload's name, else the first object's. */
export function applicationName(objects: readonly KubeObject[]): string {
  for (const label of ['app.kubernetes.io/part-of', 'app.kubernetes.io/name', 'app']) {
    for (const o of objects) {
      const value = o.metadata.labels?.[label];
      if (value) return value;
    }
  }
  const workload = objects.find((o) => isWorkload(o));
  return (workload ?? objects[0])?.metadata.name ?? 'app';
}

/** Kinds a CustomResourceDefinition in the manifests defines, as `group/version|Kind`. */
export function definedKinds(objects: readonly KubeObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || !isRecord(o['spec'])) continue;
    const spec = o['spec'];
    const names = isRecord(spec['names']) ? spec['names'] : {};
    const versions = arrayOf<{ name?: string }>(spec['versions']);
    for (const v of versions) kinds.add(`${String(spec['group'])}/${v.name ?? ''}|${String(names['kind'])}`);
  }
  return kinds;
}

interface Scope {
  namespace: string | undefined;
  defaultNamespace: string;
  crdKinds: ReadonlySet<string>;
}

/** The object as it will be applied, or the problem that stops it. */
async function prepareObject(
  ctx: PhaseContext,
  source: SourcedObject,
  scope: Scope,
  seen: ReadonlySet<string>,
): Promise<Item | string> {
  const { options, api } = ctx;
  const object = structuredClone(source.object);
  for (const c of replaceImages(object, options.images))
    ctx.log(`${object.kind}/${object.metadata.name}: container ${c.container} image ${c.from} -> ${c.to}`);
  stampAnnotations(object, options.annotations);
  const info = await api.resourceInfo(object.apiVersion, object.kind);
  const deferred = !info && scope.crdKinds.has(`${object.apiVersion}|${object.kind}`);
  if (!info && !deferred) {
    return `the API server serves no kind ${object.kind} in ${object.apiVersion}: ${FAIL_HINT}`;
  }
  if (info ? info.namespaced : true) {
    const given = object.metadata.namespace;
    if (scope.namespace && given && given !== scope.namespace) {
      return `its namespace ${given} differs from the 'namespace' input ${scope.namespace}; remove metadata.namespace or change the input`;
    }
    object.metadata.namespace = given ?? scope.defaultNamespace;
  } else {
    delete object.metadata.namespace;
  }
  const ref = refOf(object);
  const key = refKey(ref);
  if (seen.has(key)) return `${describeRef(ref)} appears more than once in the manifests`;
  const report = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    file: source.file,
    document: source.document,
    action: 'unchanged' as const,
    oldImages: [],
    newImages: imagesOf(object),
    result: 'not applied',
  };
  return { source, object, ref, key, deferred, report };
}

/** Image rules that select no container of the manifests. */
function unmatchedRules(ctx: PhaseContext): string[] {
  const images = ctx.options.objects.flatMap((o) => imagesOf(o.object));
  return ctx.options.images.map((r) => r.name).filter((name) => !images.some((image) => imageMatches(name, image)));
}

/** Namespaces the manifests create that do not exist yet (their objects are validated once they do). */
async function missingNamespaces(ctx: PhaseContext, created: ReadonlySet<string>): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const ns of created) {
    const live = await ctx.api.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch((error: unknown) => {
      // Not allowed to read namespaces: assume it exists, as the server-side dry run will tell.
      if (error instanceof KubeError && error.status === 403)
        return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } satisfies KubeObject;
      throw error;
    });
    if (!live) missing.add(ns);
  }
  return missing;
}

/** Kinds used after this phase: the lock's Lease, and the Pods the rollout watch follows. */
export function laterKinds(
  ctx: Pick<PhaseContext, 'options'>,
  objects: readonly SourcedObject[],
): { apiVersion: string; kind: string }[] {
  const { lock, dryRun, wait } = ctx.options;
  return [
    ...(lock && !dryRun ? [{ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }] : []),
    ...(wait && !dryRun && objects.some((o) => isWorkload(o.object)) ? [{ apiVersion: 'v1', kind: 'Pod' }] : []),
  ];
}

async function prepareAll(
  ctx: PhaseContext,
  scope: Scope,
  objects: readonly SourcedObject[],
): Promise<{ items: Item[]; problems: ValidationProblem[] }> {
  const { api } = ctx;
  // Discovery for every API group at once (cached per group), then the checks in manifest order. The
  // groups the lock and the rollout watch use later are looked up in the same round trip, not one by one
  // on the way to the apply (a failure here is reported where they are used).
  const kinds = [...new Map(objects.map((o) => [`${o.object.apiVersion}|${o.object.kind}`, o.object])).values()];
  await Promise.all(
    [...kinds, ...laterKinds(ctx, objects)].map((o) => api.resourceInfo(o.apiVersion, o.kind).catch(() => undefined)),
  );
  const items: Item[] = [];
  const problems: ValidationProblem[] = [];
  const seen = new Set<string>();
  for (const source of objects) {
    const prepared = await prepareObject(ctx, source, scope, seen);
    if (typeof prepared === 'string') {
      problems.push({
        file: source.file,
        document: source.document,
        object: `${source.object.kind}/${source.object.metadata.name}`,
        message: prepared,
      });
    } else {
      seen.add(prepared.key);
      items.push(prepared);
    }
  }
  return { items, problems };
}

/** The objects to prepare: all of them, less those whose kind the cluster does not serve under `unknown-kinds: skip`. */
async function deployable(ctx: PhaseContext, scope: Scope): Promise<readonly SourcedObject[]> {
  const { objects, unknownKinds } = ctx.options;
  if (unknownKinds !== 'skip') return objects; // fail: prepareObject reports each one
  const unserved = await findUnserved(ctx.api, objects, scope.crdKinds);
  if (unserved.length === 0) return objects;
  ctx.report.skipped = unserved;
  ctx.warn(skippedWarning(unserved));
  const skipped = new Set(unserved.map((u) => `${u.file}#${u.document}`));
  return objects.filter((o) => !skipped.has(`${o.file}#${o.document}`));
}

export async function prepare(ctx: PhaseContext): Promise<Prepared> {
  const { options, report } = ctx;
  const createdNamespaces = new Set(
    options.objects
      .filter((o) => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1')
      .map((o) => o.object.metadata.name),
  );
  const defaultNamespace = options.namespace ?? ctx.api.contextNamespace ?? 'default';
  const scope: Scope = {
    namespace: options.namespace,
    defaultNamespace,
    crdKinds: definedKinds(options.objects.map((o) => o.object)),
  };
  const { items, problems } = await ctx.phase('Validate manifests', async () => {
    const result = await prepareAll(ctx, scope, await deployable(ctx, scope));
    report.unmatchedImageRules = unmatchedRules(ctx);
    for (const rule of report.unmatchedImageRules)
      ctx.warn(`Input 'images': no container uses an image named ${rule}; the rule changed nothing.`);
    const missing = await missingNamespaces(ctx, createdNamespaces);
    for (const item of result.items) if (item.ref.namespace && missing.has(item.ref.namespace)) item.deferred = true;
    return result;
  });
  report.resources = items.map((i) => i.report);
  if (problems.length > 0) fail(report, new ValidationError(problems).message);

  const ordered = sortForApply(items);
  const firstWorkload = ordered.find((i) => isWorkload(i.ref));
  const lockNamespace =
    firstWorkload?.ref.namespace ?? ordered.find((i) => i.ref.namespace)?.ref.namespace ?? defaultNamespace;
  const lockTarget = { namespace: lockNamespace, name: leaseName(applicationName(ordered.map((i) => i.object))) };
  return { items: ordered, firstWorkload, defaultNamespace, createdNamespaces, lockTarget };
}
