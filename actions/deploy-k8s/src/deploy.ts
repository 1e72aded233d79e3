/**
 * The deploy itself: validate everything, lock, back up, apply in order,
 * watch the rollout, roll back on failure. Talks to the cluster only through
 * KubeApi, so it runs the same against a fake in tests and the real API
 * server in the end-to-end tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ActionError } from '@pipeline/action-kit';
import { imageMatches, imagesOf, replaceImages, type ImageRule } from './images.js';
import { isRecord } from './kubeconfig.js';
import { isNotFound, KubeError, type KubeApi } from './kube.js';
import { acquireLock, leaseName, type HeldLock } from './lock.js';
import type { SourcedObject } from './manifests.js';
import {
  applyRank,
  cleanObject,
  describeRef,
  isWorkload,
  objectDiff,
  redactSecret,
  refKey,
  refOf,
  sameObject,
  sortForApply,
  stampAnnotations,
  type KubeObject,
  type ObjectRef,
} from './objects.js';
import { workloadRevision } from './rollout.js';
import { selectorString, waitForRollout, type PodReport, type RolloutResult, type TimelineEntry } from './watcher.js';

export type DeployStatus = 'deployed' | 'unchanged' | 'rolled-back' | 'failed';
export type ResourceAction = 'create' | 'configure' | 'unchanged' | 'invalid';

export interface ResourceReport {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  file: string;
  document: number;
  action: ResourceAction;
  oldImages: string[];
  newImages: string[];
  result: string;
  revision?: string;
  previousRevision?: string;
}

export interface PhaseSpan {
  name: string;
  start: number;
  end: number;
  ok: boolean;
}

export interface DeployReport {
  status: DeployStatus;
  dryRun: boolean;
  revision: string;
  previousRevision: string;
  backupFile: string;
  resources: ResourceReport[];
  diffs: { label: string; diff: string }[];
  timeline: TimelineEntry[];
  phases: PhaseSpan[];
  /** Why the deploy failed (also thrown to fail the step). */
  failure?: string;
  failingPods: PodReport[];
  workloadEvents: string[];
  lock?: { name: string; namespace: string; waitedMs: number };
  unmatchedImageRules: string[];
  firstSignalAt?: number;
  detectedAt?: number;
  rollbackDoneAt?: number;
}

export interface DeployOptions {
  api: KubeApi;
  objects: readonly SourcedObject[];
  namespace: string | undefined;
  images: readonly ImageRule[];
  /** Annotations stamped on every object. */
  annotations: ReadonlyMap<string, string>;
  /** Stamped keys that do not count as a change (run URL, commit, ...). */
  volatileAnnotations: ReadonlySet<string>;
  timeoutMs: number;
  rollbackOnFailure: boolean;
  wait: boolean;
  lock: boolean;
  dryRun: boolean;
  fieldManager: string;
  failureGraceMs: number;
  backupDir: string;
  holder: string;
  clock?: () => number;
  log?: (message: string) => void;
  warn?: (message: string) => void;
  phase?: <T>(name: string, body: () => Promise<T>) => Promise<T>;
  /**
   * The process, to release the lock when the run is cancelled (SIGINT or
   * SIGTERM from the runner) before the signal takes its usual effect.
   */
  process?: Pick<NodeJS.Process, 'once' | 'removeListener' | 'kill' | 'pid'>;
}

/** A failed deploy: carries the report so that outputs and the summary can still be written. */
export class DeployError extends ActionError {
  override readonly name = 'DeployError';
  constructor(
    message: string,
    readonly report: DeployReport,
  ) {
    super(message);
  }
}

interface Item {
  source: SourcedObject;
  object: KubeObject;
  ref: ObjectRef;
  key: string;
  /** Validated only after the Namespace/CRD it needs is applied by this deploy. */
  deferred: boolean;
  live?: KubeObject;
  predicted?: KubeObject;
  applied?: KubeObject;
  action?: ResourceAction;
  /** The revision whose rollout failed (StatefulSet update revision), for a forced rollback. */
  failedRevision?: string;
  report: ResourceReport;
}

export interface ValidationProblem {
  file: string;
  document: number;
  object: string;
  message: string;
}

export class ValidationError extends ActionError {
  override readonly name = 'ValidationError';
  constructor(readonly problems: readonly ValidationProblem[]) {
    super(
      `Validation failed for ${problems.length} object${problems.length === 1 ? '' : 's'}; nothing was applied:\n` +
        problems.map((p) => `  ${p.file} (document ${p.document}) ${p.object}: ${p.message}`).join('\n'),
    );
  }
}

/** Runs `fn` over items with at most `limit` in flight, keeping order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

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
function definedKinds(objects: readonly KubeObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || !isRecord(o['spec'])) continue;
    const spec = o['spec'];
    const names = isRecord(spec['names']) ? spec['names'] : {};
    const versions = Array.isArray(spec['versions']) ? (spec['versions'] as { name?: string }[]) : [];
    for (const v of versions) kinds.add(`${String(spec['group'])}/${v.name ?? ''}|${String(names['kind'])}`);
  }
  return kinds;
}

export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const { api } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? log;
  const runPhase = options.phase ?? (<T>(_name: string, body: () => Promise<T>) => body());
  const timeline: TimelineEntry[] = [];
  const phases: PhaseSpan[] = [];
  const mark = (text: string): void => void timeline.push({ at: clock(), text });
  const phase = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    const start = clock();
    let ok = false;
    try {
      const result = await runPhase(name, body);
      ok = true;
      return result;
    } finally {
      phases.push({ name, start, end: clock(), ok });
    }
  };

  const report: DeployReport = {
    status: 'failed',
    dryRun: options.dryRun,
    revision: '',
    previousRevision: '',
    backupFile: '',
    resources: [],
    diffs: [],
    timeline,
    phases,
    failingPods: [],
    workloadEvents: [],
    unmatchedImageRules: [],
  };
  const fail = (message: string): never => {
    report.failure = message;
    throw new DeployError(message, report);
  };

  // 1. Prepare: images, annotations, scope and namespace of every object.
  const items: Item[] = [];
  const problems: ValidationProblem[] = [];
  const matchedRules = new Set<string>();
  const crdKinds = definedKinds(options.objects.map((o) => o.object));
  const createdNamespaces = new Set(options.objects.filter((o) => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1').map((o) => o.object.metadata.name));
  const defaultNamespace = options.namespace ?? api.contextNamespace ?? 'default';

  await phase('Validate manifests', async () => {
    // Discovery for every API group at once (cached per group), then the checks in manifest order.
    const kinds = [...new Map(options.objects.map((o) => [`${o.object.apiVersion}|${o.object.kind}`, o.object])).values()];
    await Promise.all(kinds.map((o) => api.resourceInfo(o.apiVersion, o.kind).catch(() => undefined)));
    for (const source of options.objects) {
      const object = structuredClone(source.object);
      const oldImages = imagesOf(object);
      for (const image of oldImages) for (const rule of options.images) if (imageMatches(rule.name, image)) matchedRules.add(rule.name);
      const changes = replaceImages(object, options.images);
      for (const c of changes) log(`${object.kind}/${object.metadata.name}: container ${c.container} image ${c.from} -> ${c.to}`);
      stampAnnotations(object, options.annotations);
      const label = `${object.kind}/${object.metadata.name}`;
      const problem = (message: string): void => void problems.push({ file: source.file, document: source.document, object: label, message });
      let deferred = false;
      const info = await api.resourceInfo(object.apiVersion, object.kind);
      if (!info) {
        if (crdKinds.has(`${object.apiVersion}|${object.kind}`)) {
          deferred = true;
        } else {
          problem(`the API server serves no kind ${object.kind} in ${object.apiVersion} (is the apiVersion right, or the CustomResourceDefinition installed?)`);
          continue;
        }
      }
      const namespaced = info ? info.namespaced : true;
      if (namespaced) {
        const given = object.metadata.namespace;
        if (options.namespace && given && given !== options.namespace) {
          problem(`its namespace ${given} differs from the 'namespace' input ${options.namespace}; remove metadata.namespace or change the input`);
          continue;
        }
        object.metadata.namespace = given ?? defaultNamespace;
      } else {
        delete object.metadata.namespace;
      }
      const ref = refOf(object);
      const key = refKey(ref);
      if (items.some((i) => i.key === key)) {
        problem(`${describeRef(ref)} appears more than once in the manifests`);
        continue;
      }
      items.push({
        source,
        object,
        ref,
        key,
        deferred,
        report: {
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          name: ref.name,
          ...(ref.namespace ? { namespace: ref.namespace } : {}),
          file: source.file,
          document: source.document,
          action: 'unchanged',
          oldImages: [],
          newImages: imagesOf(object),
          result: 'not applied',
        },
      });
    }
    report.unmatchedImageRules = options.images.map((r) => r.name).filter((n) => !matchedRules.has(n));
    for (const rule of report.unmatchedImageRules) warn(`Input 'images': no container uses an image named ${rule}; the rule changed nothing.`);

    // Objects in a namespace this deploy creates are validated once it exists.
    const missing = new Set<string>();
    for (const ns of createdNamespaces) {
      const live = await api.get({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch((error: unknown) => {
        if (error instanceof KubeError && error.status === 403) return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } satisfies KubeObject;
        throw error;
      });
      if (!live) missing.add(ns);
    }
    for (const item of items) if (item.ref.namespace && missing.has(item.ref.namespace)) item.deferred = true;
  });
  report.resources = items.map((i) => i.report);
  if (problems.length > 0) fail(new ValidationError(problems).message);

  const ordered = sortForApply(items);
  const firstWorkload = ordered.find((i) => isWorkload(i.ref));

  // 2. Lock (not for a dry run). When the lock's namespace is created by this deploy, lock right after creating it.
  let lock: HeldLock | undefined;
  let removeSignalHandlers = (): void => undefined;
  const lockNamespace = firstWorkload?.ref.namespace ?? ordered.find((i) => i.ref.namespace)?.ref.namespace ?? defaultNamespace;
  const lockName = leaseName(applicationName(ordered.map((i) => i.object)));
  const takeLock = async (): Promise<void> => {
    if (!options.lock || options.dryRun || lock) return;
    await phase('Acquire lock', async () => {
      mark(`waiting for lock ${lockNamespace}/${lockName}`);
      lock = await acquireLock({ api, namespace: lockNamespace, name: lockName, holder: options.holder, fieldManager: options.fieldManager, waitMs: options.timeoutMs, log });
      const proc = options.process;
      if (proc) {
        const held = lock;
        const onSignal = (signal: NodeJS.Signals): void => {
          warn(`Received ${signal} (the run is being cancelled): releasing the lock Lease ${lockNamespace}/${lockName}; no rollback is attempted. The backup is ${report.backupFile || 'not written yet'}.`);
          void held.release().finally(() => proc.kill(proc.pid, signal));
        };
        proc.once('SIGINT', onSignal);
        proc.once('SIGTERM', onSignal);
        removeSignalHandlers = () => {
          proc.removeListener('SIGINT', onSignal);
          proc.removeListener('SIGTERM', onSignal);
        };
      }
      report.lock = { name: lockName, namespace: lockNamespace, waitedMs: lock.waitedMs };
      mark(`lock acquired after ${Math.round(lock.waitedMs / 100) / 10} s`);
      log(`Holding lock Lease ${lockNamespace}/${lockName} as ${options.holder}`);
    });
  };

  try {
    if (!createdNamespaces.has(lockNamespace) || !ordered.some((i) => i.deferred)) await takeLock();

    // 3. Server-side dry run of everything that can be checked now, and the live state.
    const validate = async (batch: Item[]): Promise<void> => {
      const found: ValidationProblem[] = [];
      await mapLimit(batch, 4, async (item) => {
        try {
          [item.live, item.predicted] = await Promise.all([api.get(item.ref), api.apply(item.object, { fieldManager: options.fieldManager, dryRun: true })]);
        } catch (error: unknown) {
          const message = error instanceof KubeError ? error.message.replace(/^[^:]*: /, '') : error instanceof Error ? error.message : String(error);
          found.push({ file: item.source.file, document: item.source.document, object: `${item.ref.kind}/${item.ref.name}`, message });
          item.report.action = 'invalid';
          item.report.result = 'rejected by the server-side dry run';
          return;
        }
        item.action = !item.live ? 'create' : sameObject(item.live, item.predicted, options.volatileAnnotations) ? 'unchanged' : 'configure';
        item.report.action = item.action;
        item.report.oldImages = item.live ? imagesOf(item.live) : [];
        item.report.previousRevision = workloadRevision(item.live);
        if (item.action !== 'unchanged') {
          report.diffs.push({ label: describeRef(item.ref), diff: objectDiff(item.live ? redactSecret(item.live) : undefined, redactSecret(item.predicted), `${item.ref.kind}/${item.ref.name}`) });
        }
      });
      found.sort((a, b) => a.file.localeCompare(b.file) || a.document - b.document);
      if (found.length > 0) throw new ValidationError(found);
    };

    await phase('Server-side dry run', async () => {
      mark('server-side dry run');
      try {
        await validate(ordered.filter((i) => !i.deferred));
      } catch (error: unknown) {
        if (error instanceof ValidationError) fail(error.message);
        throw error;
      }
      for (const item of ordered.filter((i) => !i.deferred)) log(`${describeRef(item.ref)}: ${item.action === 'unchanged' ? 'unchanged' : `would ${item.action}`}`);
      const deferred = ordered.filter((i) => i.deferred);
      if (deferred.length > 0) log(`${deferred.length} object(s) are validated after their Namespace or CustomResourceDefinition is created: ${deferred.map((i) => describeRef(i.ref)).join(', ')}`);
    });

    if (firstWorkload) report.previousRevision = firstWorkload.report.previousRevision ?? '';

    if (options.dryRun) {
      report.status = 'unchanged';
      for (const item of ordered) item.report.result = item.deferred ? 'validated at apply time' : item.action === 'unchanged' ? 'unchanged' : `would ${item.action}`;
      report.revision = report.previousRevision;
      return report;
    }

    const changing = ordered.filter((i) => i.deferred || i.action !== 'unchanged');
    if (changing.length === 0) {
      report.status = 'unchanged';
      for (const item of ordered) item.report.result = 'unchanged';
      report.revision = report.previousRevision;
      for (const item of ordered) item.report.revision = item.report.previousRevision ?? '';
      log('Every object already matches its manifest: nothing to apply.');
      return report;
    }

    // 4. Backup of the live state of everything about to change.
    const backups = new Map<string, KubeObject>();
    await phase('Back up live state', async () => {
      for (const item of changing) if (item.live) backups.set(item.key, cleanObject(item.live));
      await mkdir(options.backupDir, { recursive: true });
      const stamp = new Date(clock()).toISOString().replace(/[:.]/g, '-');
      report.backupFile = path.join(options.backupDir, `deploy-k8s-backup-${stamp}.yaml`);
      const header = `# deploy-k8s backup taken ${new Date(clock()).toISOString()} before applying; ${backups.size} live object(s).\n# Secret values are replaced by digests. Objects the deploy creates are listed as comments.\n`;
      const created = changing.filter((i) => !i.live).map((i) => `# would be created: ${describeRef(i.ref)}`).join('\n');
      const docs = [...backups.values()].map((o) => toYaml(redactSecret(o), { lineWidth: 0 }));
      await writeFile(report.backupFile, `${header}${created ? `${created}\n` : ''}${docs.map((d) => `---\n${d}`).join('')}`, { mode: 0o600 });
      mark(`backup of ${backups.size} object(s) written`);
      log(`Backup of ${backups.size} live object(s): ${report.backupFile}`);
    });

    // 5. Apply in dependency order.
    const appliedItems: Item[] = [];
    let failure: string | undefined;
    let rollout: RolloutResult[] = [];
    await phase('Apply', async () => {
      mark('apply started');
      for (const item of changing) {
        if (item.deferred && !item.predicted) {
          // Its namespace or CRD now exists (applied earlier in this loop): validate it before writing.
          await waitForCrds(api, appliedItems, clock);
          try {
            await takeLock();
            await validate([item]);
          } catch (error: unknown) {
            failure = error instanceof Error ? error.message : String(error);
            item.report.result = 'invalid';
            break;
          }
          if (item.action === 'unchanged') {
            item.report.result = 'unchanged';
            continue;
          }
        }
        try {
          item.applied = await api.apply(item.object, { fieldManager: options.fieldManager, dryRun: false });
          appliedItems.push(item);
          item.report.result = 'applied';
          log(`${describeRef(item.ref)}: ${item.action === 'create' ? 'created' : 'configured'}`);
        } catch (error: unknown) {
          item.report.result = 'apply failed';
          failure = `${item.source.file} (document ${item.source.document}) ${item.ref.kind}/${item.ref.name}: ${error instanceof Error ? error.message : String(error)}`;
          break;
        }
      }
      for (const item of ordered) if (item.action === 'unchanged' && item.report.result === 'not applied') item.report.result = 'unchanged';
      mark(failure ? 'apply failed' : `applied ${appliedItems.length} object(s)`);
    });

    // 6. Watch the rollout of every changed workload.
    const workloads = appliedItems.filter((i) => isWorkload(i.ref));
    if (!failure && options.wait && workloads.length > 0) {
      await phase('Wait for rollout', async () => {
        // One failing workload is enough to roll back: stop waiting for the others then.
        const stop = new AbortController();
        rollout = await Promise.all(
          workloads.map(async (item) => {
            const result = await waitForRollout({
              api,
              workload: item.applied as KubeObject,
              timeoutMs: options.timeoutMs,
              graceMs: options.failureGraceMs,
              clock,
              log,
              timeline: (entry) => timeline.push(entry),
              signal: stop.signal,
            });
            if (result.outcome !== 'complete') stop.abort();
            return result;
          }),
        );
        rollout.forEach((result, index) => {
          const item = workloads[index] as Item;
          item.report.result = result.outcome === 'complete' ? 'ready' : `${result.outcome}: ${result.reason ?? result.message}`;
          item.report.revision = result.revision;
          if (result.outcome !== 'complete' && item.ref.kind === 'StatefulSet') item.failedRevision = result.revision;
        });
        const bad = rollout.filter((r) => r.outcome !== 'complete' && r.outcome !== 'stopped');
        if (bad.length > 0) {
          failure = bad.map((r) => r.message).join('; ');
          report.failingPods = bad.flatMap((r) => r.failingPods);
          report.workloadEvents = bad.flatMap((r) => r.workloadEvents);
          const signals = bad.map((r) => r.firstSignalAt).filter((t): t is number => t !== undefined);
          if (signals.length > 0) report.firstSignalAt = Math.min(...signals);
          const detected = bad.map((r) => r.detectedAt).filter((t): t is number => t !== undefined);
          if (detected.length > 0) report.detectedAt = Math.min(...detected);
          log(`Rollout failed: ${failure}`);
          for (const pod of report.failingPods) {
            log(`  pod ${pod.pod}: ${pod.reason}${pod.container ? ` (container ${pod.container})` : ''}: ${pod.message}`);
            for (const event of pod.events) log(`    event: ${event}`);
          }
        }
      });
    }

    if (!failure) {
      report.status = 'deployed';
      for (const item of ordered) {
        if (!isWorkload(item.ref) || item.report.revision) continue;
        // Unchanged workloads keep their revision; without a wait, read the revision the controller assigned so far.
        item.report.revision = item.applied ? workloadRevision(await api.get(item.ref).catch(() => item.applied)) : (item.report.previousRevision ?? '');
      }
      report.revision = firstWorkload?.report.revision ?? '';
      return report;
    }

    // 7. Roll back.
    if (!options.rollbackOnFailure || appliedItems.length === 0) {
      for (const item of changing) if (item.report.result === 'not applied') item.report.result = 'skipped';
      fail(
        appliedItems.length === 0
          ? `${failure}\nNothing was applied.`
          : `${failure}\nrollback-on-failure is false: the cluster is left as it is now. The backup is ${report.backupFile}.`,
      );
    }
    mark('rollback started');
    const rollbackProblems: string[] = [];
    await phase('Roll back', async () => {
      const restored: Item[] = [];
      for (const item of appliedItems) {
        const backup = backups.get(item.key);
        if (!backup) continue;
        try {
          await restore(api, item, backup, options.fieldManager, log);
          if (item.failedRevision) await deleteBrokenPods(api, item, item.failedRevision, log);
          restored.push(item);
          item.report.result = appendResult(item.report.result, 'rolled back');
        } catch (error: unknown) {
          rollbackProblems.push(`${describeRef(item.ref)}: ${error instanceof Error ? error.message : String(error)}`);
          item.report.result = appendResult(item.report.result, 'rollback failed');
        }
      }
      const created = appliedItems.filter((i) => !backups.has(i.key)).sort((a, b) => applyRank(b.ref.kind) - applyRank(a.ref.kind));
      for (const item of created) {
        try {
          await api.remove(item.ref);
          item.report.result = appendResult(item.report.result, 'deleted (rolled back)');
          log(`${describeRef(item.ref)}: deleted (it did not exist before)`);
        } catch (error: unknown) {
          rollbackProblems.push(`${describeRef(item.ref)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const restoredWorkloads = restored.filter((i) => isWorkload(i.ref));
      const health = await Promise.all(
        restoredWorkloads.map(async (item) => {
          const live = await api.get(item.ref);
          if (!live) return undefined;
          return waitForRollout({ api, workload: live, timeoutMs: options.timeoutMs, graceMs: options.failureGraceMs, clock, log, timeline: (entry) => timeline.push(entry) });
        }),
      );
      health.forEach((result, index) => {
        const item = restoredWorkloads[index] as Item;
        if (!result) return;
        item.report.revision = result.revision;
        if (result.outcome !== 'complete') rollbackProblems.push(`${describeRef(item.ref)} did not become healthy after the rollback: ${result.message}`);
      });
      report.rollbackDoneAt = clock();
      mark(rollbackProblems.length === 0 ? 'rollback complete and healthy' : 'rollback incomplete');
    });
    if (firstWorkload) {
      const live = await api.get(firstWorkload.ref).catch(() => undefined);
      report.revision = workloadRevision(live);
    }
    if (rollbackProblems.length > 0) {
      fail(`${failure}\nThe rollback did not fully succeed:\n  ${rollbackProblems.join('\n  ')}\nThe backup is ${report.backupFile}.`);
    }
    report.status = 'rolled-back';
    report.failure = `${failure}\nRolled back: every changed object was restored from the backup taken before the deploy and new objects were deleted.`;
    throw new DeployError(report.failure, report);
  } finally {
    removeSignalHandlers();
    if (lock) {
      await lock.release().catch((error: unknown) => warn(`Could not release the lock Lease: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

function appendResult(current: string, next: string): string {
  return current === 'applied' || current === 'not applied' ? next : `${current}, ${next}`;
}

/**
 * A StatefulSet does not replace a pod of the failed revision that never
 * became ready, even after its template is restored (the documented "forced
 * rollback"): delete those pods so that the controller recreates them from
 * the restored template.
 */
async function deleteBrokenPods(api: KubeApi, item: Item, failedRevision: string, log: (message: string) => void): Promise<void> {
  const spec = isRecord(item.applied?.['spec']) ? item.applied['spec'] : {};
  const { items } = await api.list('v1', 'Pod', item.ref.namespace, { labelSelector: selectorString(spec['selector']) });
  for (const pod of items) {
    if (pod.metadata.labels?.['controller-revision-hash'] !== failedRevision) continue;
    const status = isRecord(pod['status']) ? pod['status'] : {};
    const ready = Array.isArray(status['conditions']) && (status['conditions'] as { type?: string; status?: string }[]).some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready) continue;
    await api.remove({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, ...(item.ref.namespace ? { namespace: item.ref.namespace } : {}) });
    log(`pod ${pod.metadata.name}: deleted (revision ${failedRevision} never became ready; the StatefulSet recreates it from the restored template)`);
  }
}

/** Waits (bounded) until the CRDs this deploy applied are Established. */
async function waitForCrds(api: KubeApi, applied: readonly Item[], clock: () => number): Promise<void> {
  const crds = applied.filter((i) => i.ref.kind === 'CustomResourceDefinition');
  const deadline = clock() + 30_000;
  for (const crd of crds) {
    for (;;) {
      const live = await api.get(crd.ref);
      const conditions = live && isRecord(live['status']) && Array.isArray(live['status']['conditions']) ? (live['status']['conditions'] as { type?: string; status?: string }[]) : [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (clock() > deadline) throw new ActionError(`${describeRef(crd.ref)} was not Established within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Restores one object from its backup with a PUT at the live resourceVersion.
 * A Deployment gets the pod template of its previous ReplicaSet (what
 * `kubectl rollout undo` does); everything else gets the backup as it was.
 */
async function restore(api: KubeApi, item: Item, backup: KubeObject, fieldManager: string, log: (message: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const live = await api.get(item.ref);
    const target = structuredClone(backup);
    if (item.ref.kind === 'Deployment' && live) {
      const template = await previousTemplate(api, live, item.report.previousRevision ?? '');
      if (template && isRecord(target['spec'])) target['spec']['template'] = template;
    }
    try {
      if (live) {
        target.metadata['resourceVersion'] = live.metadata['resourceVersion'];
        await api.replace(target, { fieldManager });
      } else {
        await api.create(target, { fieldManager });
      }
      log(`${describeRef(item.ref)}: restored from the backup${item.ref.kind === 'Deployment' ? ' (previous ReplicaSet template)' : ''}`);
      return;
    } catch (error: unknown) {
      if (attempt < 3 && error instanceof KubeError && error.status === 409) continue;
      if (isNotFound(error) && attempt < 3) continue;
      throw error;
    }
  }
}

/** The pod template of the Deployment's ReplicaSet at `revision`, without the pod-template-hash label. */
async function previousTemplate(api: KubeApi, deployment: KubeObject, revision: string): Promise<Record<string, unknown> | undefined> {
  if (!revision) return undefined;
  const namespace = deployment.metadata.namespace;
  const uid = deployment.metadata['uid'];
  const { items } = await api.list('apps/v1', 'ReplicaSet', namespace);
  const rs = items.find(
    (r) =>
      r.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision &&
      Array.isArray(r.metadata['ownerReferences']) &&
      (r.metadata['ownerReferences'] as { uid?: string }[]).some((o) => o.uid === uid),
  );
  const template = rs && isRecord(rs['spec']) && isRecord(rs['spec']['template']) ? structuredClone(rs['spec']['template']) : undefined;
  if (!template) return undefined;
  const metadata = isRecord(template['metadata']) ? template['metadata'] : undefined;
  if (metadata && isRecord(metadata['labels'])) {
    delete metadata['labels']['pod-template-hash'];
  }
  return template;
}
