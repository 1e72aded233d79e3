/**
 * Rollout evaluation from object status alone (what `kubectl rollout status`
 * decides) and pod failure signals. Pure functions: the watcher feeds them
 * objects from the watch API and keeps the clock.
 */
import { arrayOf, num, recordOf as rec, str } from './records.js';
import type { KubeObject } from './objects.js';

export type RolloutPhase = 'waiting' | 'complete' | 'failed';

export interface RolloutState {
  phase: RolloutPhase;
  message: string;
  reason?: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function conditions(status: Record<string, unknown>): Condition[] {
  return arrayOf<Condition>(status['conditions']);
}

/** Decides whether a Deployment, StatefulSet or DaemonSet has finished rolling out its current generation. */
export function evaluateWorkload(object: KubeObject): RolloutState {
  const spec = rec(object['spec']);
  const status = rec(object['status']);
  const generation = num(object.metadata['generation']);
  const observed = num(status['observedGeneration']);
  if (generation > observed) {
    return {
      phase: 'waiting',
      message: `waiting for the controller to observe generation ${generation} (observed ${observed})`,
    };
  }
  switch (object.kind) {
    case 'Deployment':
      return evaluateDeployment(spec, status);
    case 'StatefulSet':
      return evaluateStatefulSet(spec, status);
    case 'DaemonSet':
      return evaluateDaemonSet(spec, status);
    default:
      return { phase: 'complete', message: `${object.kind} has no rollout` };
  }
}

function evaluateDeployment(spec: Record<string, unknown>, status: Record<string, unknown>): RolloutState {
  const progressing = conditions(status).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      phase: 'failed',
      reason: 'ProgressDeadlineExceeded',
      message: progressing.message ?? 'the rollout exceeded its progress deadline',
    };
  }
  const desired = spec['replicas'] === undefined ? 1 : num(spec['replicas']);
  const updated = num(status['updatedReplicas']);
  const total = num(status['replicas']);
  const available = num(status['availableReplicas']);
  if (updated < desired)
    return { phase: 'waiting', message: `${updated} of ${desired} new replicas have been updated` };
  if (total > updated) return { phase: 'waiting', message: `${total - updated} old replicas are pending termination` };
  if (available < updated)
    return { phase: 'waiting', message: `${available} of ${updated} updated replicas are available` };
  return { phase: 'complete', message: `${updated} of ${desired} replicas updated and available` };
}

function evaluateStatefulSet(spec: Record<string, unknown>, status: Record<string, unknown>): RolloutState {
  const strategy = rec(spec['updateStrategy']);
  if (strategy['type'] === 'OnDelete')
    return { phase: 'complete', message: 'OnDelete update strategy: pods are replaced when deleted' };
  const desired = spec['replicas'] === undefined ? 1 : num(spec['replicas']);
  const ready = num(status['readyReplicas']);
  if (ready < desired) return { phase: 'waiting', message: `${ready} of ${desired} pods are ready` };
  const partition = num(rec(strategy['rollingUpdate'])['partition']);
  const updated = num(status['updatedReplicas']);
  if (partition > 0) {
    if (updated < desired - partition)
      return { phase: 'waiting', message: `${updated} of ${desired - partition} pods above the partition are updated` };
    return { phase: 'complete', message: `partitioned rollout: ${updated} pods updated` };
  }
  if (status['updateRevision'] !== status['currentRevision']) {
    return {
      phase: 'waiting',
      message: `${updated} of ${desired} pods are at revision ${str(status['updateRevision']) || '?'}`,
    };
  }
  return {
    phase: 'complete',
    message: `${ready} of ${desired} pods ready at revision ${str(status['currentRevision']) || '?'}`,
  };
}

function evaluateDaemonSet(spec: Record<string, unknown>, status: Record<string, unknown>): RolloutState {
  const strategy = rec(spec['updateStrategy']);
  if (strategy['type'] === 'OnDelete')
    return { phase: 'complete', message: 'OnDelete update strategy: pods are replaced when deleted' };
  const desired = num(status['desiredNumberScheduled']);
  const updated = num(status['updatedNumberScheduled']);
  const available = num(status['numberAvailable']);
  if (updated < desired) return { phase: 'waiting', message: `${updated} of ${desired} updated pods are scheduled` };
  if (available < desired)
    return { phase: 'waiting', message: `${available} of ${desired} updated pods are available` };
  return { phase: 'complete', message: `${available} of ${desired} pods updated and available` };
}

/** The revision of a workload as users know it. */
export function workloadRevision(object: KubeObject | undefined): string {
  if (!object) return '';
  if (object.kind === 'Deployment') return object.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '';
  const status = rec(object['status']);
  if (object.kind === 'StatefulSet') return str(status['updateRevision']) || str(status['currentRevision']);
  if (object.kind === 'DaemonSet') return str(object.metadata['generation']);
  return '';
}

/** A pod-level reason to think a rollout is broken. */
export interface PodSignal {
  reason: string;
  message: string;
  container?: string;
  /** Fails the rollout as soon as it is seen (otherwise after `graceMs`). */
  immediate: boolean;
  /** Extra time this signal needs before it counts, beyond the general grace (readiness probes). */
  minimumMs: number;
}

/** Waiting reasons that do not heal by themselves. */
export const FATAL_WAITING = new Set([
  'CrashLoopBackOff',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreCreateHookError',
  'PostStartHookError',
]);

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: unknown;
    terminated?: { reason?: string; exitCode?: number; message?: string };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

/** The most serious failure signal of a pod, or undefined when it looks healthy or just starting. */
export function podSignal(pod: KubeObject): PodSignal | undefined {
  if (pod.metadata['deletionTimestamp']) return undefined;
  const status = rec(pod['status']);
  const spec = rec(pod['spec']);
  if (status['phase'] === 'Failed') {
    return {
      reason: str(status['reason']) || 'Failed',
      message: str(status['message']) || 'the pod failed',
      immediate: true,
      minimumMs: 0,
    };
  }
  const statuses = [
    ...((Array.isArray(status['initContainerStatuses']) ? status['initContainerStatuses'] : []) as ContainerStatus[]),
    ...((Array.isArray(status['containerStatuses']) ? status['containerStatuses'] : []) as ContainerStatus[]),
  ];
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
      const last = c.lastState?.terminated;
      // A crash loop's cause is the last exit (OOMKilled, Error), not the back-off itself.
      const cause = last ? ` (last exit: ${last.reason ?? 'Error'}, code ${last.exitCode ?? '?'})` : '';
      return {
        reason: waiting.reason,
        message: `${waiting.message ?? waiting.reason}${cause}`,
        ...(c.name ? { container: c.name } : {}),
        immediate: true,
        minimumMs: 0,
      };
    }
    const terminated = c.state?.terminated ?? c.lastState?.terminated;
    // Killed for exceeding its memory limit: it will be again, no need to wait for a crash loop.
    if (terminated?.reason === 'OOMKilled') {
      return {
        reason: 'OOMKilled',
        message: `container was killed for exceeding its memory limit (exit code ${terminated.exitCode ?? '?'}, restarted ${c.restartCount ?? 0} times)`,
        ...(c.name ? { container: c.name } : {}),
        immediate: true,
        minimumMs: 0,
      };
    }
    if (terminated && (terminated.exitCode ?? 0) !== 0 && (c.restartCount ?? 0) >= 2) {
      return {
        reason: terminated.reason ?? 'Error',
        message: `container exited with code ${terminated.exitCode ?? '?'} and restarted ${c.restartCount ?? 0} times`,
        ...(c.name ? { container: c.name } : {}),
        immediate: true,
        minimumMs: 0,
      };
    }
  }
  const podConditions = conditions(status);
  const scheduled = podConditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return {
      reason: 'Unschedulable',
      message: scheduled.message ?? 'no node fits the pod',
      immediate: false,
      minimumMs: 0,
    };
  }
  const ready = podConditions.find((c) => c.type === 'Ready');
  const containers = (
    Array.isArray(status['containerStatuses']) ? status['containerStatuses'] : []
  ) as ContainerStatus[];
  const allRunning = containers.length > 0 && containers.every((c) => c.state?.running !== undefined);
  if (status['phase'] === 'Running' && allRunning && ready?.status === 'False') {
    const notReady = containers.filter((c) => !c.ready).map((c) => c.name ?? '?');
    return {
      reason: 'NotReady',
      message: `containers not ready: ${notReady.join(', ') || '?'}${ready.message ? ` (${ready.message})` : ''}`,
      ...(notReady[0] ? { container: notReady[0] } : {}),
      immediate: false,
      minimumMs: readinessAllowanceMs(spec),
    };
  }
  return undefined;
}

/** How long readiness probes may legitimately keep a started container not ready. */
export function readinessAllowanceMs(podSpec: Record<string, unknown>): number {
  const containers = arrayOf<Record<string, unknown>>(podSpec['containers']);
  let longest = 0;
  for (const c of containers) {
    let ms = 0;
    for (const field of ['startupProbe', 'readinessProbe']) {
      const probe = c[field] as Probe | undefined;
      if (!probe) continue;
      ms += ((probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3)) * 1000;
    }
    longest = Math.max(longest, ms);
  }
  return longest;
}

/** Has a signal first seen at `firstSeenMs` become a failure by `nowMs`? */
export function signalIsFailure(signal: PodSignal, firstSeenMs: number, nowMs: number, graceMs: number): boolean {
  if (signal.immediate) return true;
  return nowMs - firstSeenMs >= Math.max(graceMs, signal.minimumMs);
}

/** When a non-immediate signal will count as a failure (for scheduling a re-check). */
export function signalDeadline(signal: PodSignal, firstSeenMs: number, graceMs: number): number {
  return signal.immediate ? firstSeenMs : firstSeenMs + Math.max(graceMs, signal.minimumMs);
}

/** Container restarts of a pod so far (init containers included). */
export function podRestarts(pod: KubeObject): number {
  const status = rec(pod['status']);
  const statuses = [
    ...arrayOf<ContainerStatus>(status['initContainerStatuses']),
    ...arrayOf<ContainerStatus>(status['containerStatuses']),
  ];
  return statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}

/**
 * A restart since `baseline` restarts were counted (when the rollout looked
 * complete), as a failure signal: during the settle period one crash is
 * enough, where the rollout itself waits for a crash loop.
 */
export function restartSignal(pod: KubeObject, baseline: number): PodSignal | undefined {
  const restarts = podRestarts(pod);
  if (restarts <= baseline) return undefined;
  const restarted = arrayOf<ContainerStatus>(rec(pod['status'])['containerStatuses']).find(
    (c) => (c.restartCount ?? 0) > 0 && c.lastState?.terminated,
  );
  const terminated = restarted?.lastState?.terminated;
  return {
    reason: terminated?.reason === 'OOMKilled' ? 'OOMKilled' : 'RestartedAfterReady',
    message: `container ${restarted?.name ?? '?'} restarted after the rollout looked complete (exit code ${terminated?.exitCode ?? '?'}, ${terminated?.reason ?? 'unknown reason'})`,
    ...(restarted?.name ? { container: restarted.name } : {}),
    immediate: true,
    minimumMs: 0,
  };
}
