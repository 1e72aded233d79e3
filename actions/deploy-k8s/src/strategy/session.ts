/**
 * What a canary or blue-green run shares: the options of the inner rolling
 * deploys, the strategy inputs, the report being written, the Lease held
 * for the whole run, and the steps common to both strategies (the dry run
 * before anything changes, pods of a track, waiting for a workload).
 */
import { emptyReport, type DeployReport } from '../report.js';
import { deploy as rollingDeploy, DeployError, type DeployOptions } from '../deploy.js';
import { replaceImages } from '../images.js';
import type { KubeApi } from '../kube.js';
import { acquireLock, leaseName, type HeldLock } from '../lock.js';
import { refOf, stampAnnotations, type KubeObject, type ObjectRef } from '../objects.js';
import { applicationName } from '../phases/prepare.js';
import { arrayOf, recordOf } from '../records.js';
import { selectorString } from '../selectors.js';
import { waitForRollout, type RolloutResult } from '../watcher.js';
import type { StrategyInputs } from './inputs.js';
import type { ProgressiveReport } from './report.js';
import { findTarget, type Target } from './targets.js';

export interface ProgressiveOptions {
  deploy: DeployOptions;
  inputs: StrategyInputs;
  /** PromQL instant query resolving to the worst sample (default: the analysis's prometheus-url). */
  query?: (promql: string, higherIsWorse: boolean) => Promise<number | undefined>;
}

export interface Session {
  readonly api: KubeApi;
  readonly options: DeployOptions;
  readonly inputs: StrategyInputs;
  readonly report: DeployReport;
  readonly progressive: ProgressiveReport;
  readonly namespace: string;
  /** The target objects as they will be applied (images replaced, annotations stamped, namespace set). */
  readonly target: Target;
  readonly clock: () => number;
  log: (message: string) => void;
  mark: (text: string) => void;
  phase: <T>(name: string, body: () => Promise<T>) => Promise<T>;
}

function prepared(object: KubeObject, options: DeployOptions, namespace: string): KubeObject {
  const copy = structuredClone(object);
  replaceImages(copy, options.images);
  stampAnnotations(copy, options.annotations);
  copy.metadata.namespace = namespace;
  return copy;
}

/** The session, or a DeployError (nothing changed) when the manifests do not fit the strategy. */
export function openSession(options: ProgressiveOptions): Session {
  const { deploy: opts, inputs } = options;
  const clock = opts.clock ?? Date.now;
  const log = opts.log ?? (() => undefined);
  const report = emptyReport(false);
  const objects = opts.objects.map((o) => o.object);
  const found = findTarget(objects);
  if (typeof found === 'string') {
    report.failure = `strategy ${inputs.strategy}: ${found}. Nothing was changed.`;
    throw new DeployError(report.failure, report);
  }
  const namespace = opts.namespace ?? found.deployment.metadata.namespace ?? opts.api.contextNamespace ?? 'default';
  const target: Target = {
    deployment: prepared(found.deployment, opts, namespace),
    services: found.services.map((s) => prepared(s, opts, namespace)),
    ingresses: found.ingresses.map((i) => prepared(i, opts, namespace)),
  };
  const progressive: ProgressiveReport = {
    strategy: inputs.strategy === 'blue-green' ? 'blue-green' : 'canary',
    traffic: inputs.strategy === 'blue-green' ? 'service' : target.ingresses.length > 0 ? 'ingress' : 'pods',
    canary: `${namespace}/${target.deployment.metadata.name}-canary`,
    action: inputs.action,
    steps: [],
  };
  report.progressive = progressive;
  const group = opts.phase ?? (<T>(_n: string, body: () => Promise<T>) => body());
  return {
    api: opts.api,
    options: opts,
    inputs,
    report,
    progressive,
    namespace,
    target,
    clock,
    log,
    mark: (text) => void report.timeline.push({ at: clock(), text }),
    phase: async <T>(name: string, body: () => Promise<T>): Promise<T> => {
      const start = clock();
      let ok = false;
      try {
        const result = await group(name, body);
        ok = true;
        return result;
      } finally {
        report.phases.push({ name, start, end: clock(), ok });
      }
    },
  };
}

/** The server-side dry run of every manifest: a bad manifest stops the run before anything changes. */
export async function validateAll(session: Session): Promise<void> {
  await session.phase('Validate (server-side dry run)', async () => {
    try {
      const dry = await rollingDeploy({ ...session.options, dryRun: true, lock: false, phase: undefined });
      session.report.diffs = dry.diffs;
      session.report.resources = dry.resources;
    } catch (error: unknown) {
      if (error instanceof DeployError) Object.assign(session.report, { resources: error.report.resources });
      throw error;
    }
  });
}

/** The deployment Lease, held for the whole progressive run (the inner deploys run with lock: false). */
export async function holdLock(session: Session): Promise<HeldLock | undefined> {
  const { options } = session;
  if (!options.lock) return undefined;
  const name = leaseName(applicationName(options.objects.map((o) => o.object)));
  return session.phase('Acquire lock', async () => {
    const held = await acquireLock({
      api: session.api,
      namespace: session.namespace,
      name,
      holder: options.holder,
      fieldManager: options.fieldManager,
      waitMs: options.timeoutMs,
      log: session.log,
    });
    session.report.lock = { name, namespace: session.namespace, waitedMs: held.waitedMs };
    session.mark(`lock ${session.namespace}/${name} acquired`);
    return held;
  });
}

/** The rolling deploy of every manifest (the last canary step, or blue-green's non-routing objects). */
export async function rollingDeployAll(session: Session, objects = session.options.objects): Promise<DeployReport> {
  try {
    return await rollingDeploy({ ...session.options, objects, lock: false });
  } catch (error: unknown) {
    if (error instanceof DeployError) mergeInner(session, error.report);
    throw error;
  }
}

/** Copies what an inner rolling deploy recorded into the session's report. */
export function mergeInner(session: Session, inner: DeployReport): void {
  const { report } = session;
  report.resources = inner.resources;
  report.revision = inner.revision;
  report.previousRevision = inner.previousRevision;
  report.backupFile = inner.backupFile;
  report.failingPods.push(...inner.failingPods);
  report.workloadEvents.push(...inner.workloadEvents);
  report.timeline.push(...inner.timeline);
  report.phases.push(...inner.phases);
  report.status = inner.status;
  if (inner.failure) report.failure = inner.failure;
}

/** Follows a workload's rollout with the run's timeout and failure grace. */
export async function waitFor(session: Session, workload: KubeObject): Promise<RolloutResult> {
  const { options } = session;
  return waitForRollout({
    api: session.api,
    workload,
    timeoutMs: options.timeoutMs,
    graceMs: options.failureGraceMs,
    settleMs: 0,
    clock: session.clock,
    log: session.log,
    timeline: (entry) => void session.report.timeline.push(entry),
  });
}

/** Names of the Running, Ready, not terminating pods a label selector picks. */
export async function readyPods(api: KubeApi, namespace: string, labelSelector: string): Promise<string[]> {
  const { items } = await api.list('v1', 'Pod', namespace, { labelSelector });
  return items
    .filter((p) => !p.metadata['deletionTimestamp'])
    .filter((p) =>
      arrayOf<{ type?: string; status?: string }>(recordOf(p['status'])['conditions']).some(
        (c) => c.type === 'Ready' && c.status === 'True',
      ),
    )
    .map((p) => p.metadata.name)
    .sort();
}

/** Waits (bounded) until no pod of the selector is left, terminating ones included. */
export async function podsGone(
  api: KubeApi,
  namespace: string,
  labelSelector: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await api.list('v1', 'Pod', namespace, { labelSelector });
    if (items.length === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const selectorOf = (deployment: KubeObject): string => selectorString(recordOf(deployment['spec'])['selector']);

export function deploymentRef(session: Session, name: string): ObjectRef {
  return { ...refOf(session.target.deployment), name };
}

/** After a dry run only (aborted, paused, rejected): say what happened to each object instead of "would ...". */
export function notApplied(session: Session, why: string): void {
  for (const resource of session.report.resources)
    if (resource.result.startsWith('would ')) resource.result = `not applied (${why})`;
}
