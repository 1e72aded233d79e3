/**
 * Follows one workload's rollout with the watch API (no polling): the
 * workload itself and the pods of its new revision. Decides with the pure
 * functions in rollout.ts; keeps the clock and the first time each pod
 * signal was seen, so that "unschedulable for longer than the grace period"
 * is measured here, not from timestamps written by another machine.
 */
import { isRecord, str } from './records.js';
import type { KubeApi, WatchHandle } from './kube.js';
import type { KubeObject } from './objects.js';
import { evaluateWorkload, podSignal, signalDeadline, signalIsFailure, workloadRevision, type PodSignal } from './rollout.js';

export interface PodReport {
  pod: string;
  reason: string;
  message: string;
  container?: string;
  events: string[];
}

export interface RolloutResult {
  /** `stopped`: the caller gave up on it (another workload of the same deploy failed). */
  outcome: 'complete' | 'failed' | 'timeout' | 'stopped';
  message: string;
  reason?: string;
  failingPods: PodReport[];
  workloadEvents: string[];
  final: KubeObject | undefined;
  revision: string;
  /** Clock time the first failing pod signal was seen, if any. */
  firstSignalAt?: number;
  detectedAt?: number;
}

export interface TimelineEntry {
  at: number;
  text: string;
}

export interface WaitOptions {
  api: KubeApi;
  workload: KubeObject;
  timeoutMs: number;
  graceMs: number;
  clock?: () => number;
  log?: (message: string) => void;
  timeline?: (entry: TimelineEntry) => void;
  /** Stops the wait early (outcome `stopped`). */
  signal?: AbortSignal;
}

/** `matchLabels` + `matchExpressions` as a label selector string. */
export function selectorString(selector: unknown): string {
  if (!isRecord(selector)) return '';
  const parts: string[] = [];
  if (isRecord(selector['matchLabels'])) {
    for (const [k, v] of Object.entries(selector['matchLabels'])) parts.push(`${k}=${String(v)}`);
  }
  if (Array.isArray(selector['matchExpressions'])) {
    for (const e of selector['matchExpressions'] as { key?: string; operator?: string; values?: string[] }[]) {
      const values = (e.values ?? []).join(',');
      if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
      else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
      else if (e.operator === 'Exists') parts.push(`${e.key ?? ''}`);
      else if (e.operator === 'DoesNotExist') parts.push(`!${e.key ?? ''}`);
    }
  }
  return parts.join(',');
}

function eventLine(event: KubeObject): string {
  const e = event as KubeObject & { type?: string; reason?: string; message?: string; count?: number; series?: { count?: number } };
  const count = e.series?.count ?? e.count;
  return `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${(e.message ?? '').trim()}${count && count > 1 ? ` (x${count})` : ''}`;
}

/** Recent events about one object, newest last (at most `limit`). */
export async function recentEvents(api: KubeApi, namespace: string, name: string, limit = 5, uid?: string): Promise<string[]> {
  try {
    // By uid when known: a StatefulSet pod keeps its name across restarts, its events should not.
    const selector = uid ? `involvedObject.name=${name},involvedObject.uid=${uid}` : `involvedObject.name=${name}`;
    const { items } = await api.list('v1', 'Event', namespace, { fieldSelector: selector });
    const time = (e: KubeObject): string => {
      const r = e as KubeObject & { lastTimestamp?: string; eventTime?: string };
      return r.lastTimestamp ?? r.eventTime ?? str(e.metadata['creationTimestamp']);
    };
    return items
      .sort((a, b) => time(a).localeCompare(time(b)))
      .slice(-limit)
      .map(eventLine);
  } catch {
    return [];
  }
}

export async function waitForRollout(options: WaitOptions): Promise<RolloutResult> {
  const { api, workload, timeoutMs, graceMs } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const timeline = options.timeline ?? (() => undefined);
  const namespace = workload.metadata.namespace as string;
  const name = workload.metadata.name;
  const kind = workload.kind;
  const podSelector = selectorString(isRecord(workload['spec']) ? workload['spec']['selector'] : undefined);
  const started = clock();

  let current: KubeObject | undefined = workload;
  const pods = new Map<string, KubeObject>();
  const firstSeen = new Map<string, number>();
  let firstSignalAt: number | undefined;
  let newPodKey: { label: string; value: string } | undefined;
  let newPodKeyRevision = '';
  let lastMessage = '';
  let settled = false;
  /** A failure is being reported (events are being fetched): no further evaluation. */
  let stopping = false;
  const handles: WatchHandle[] = [];
  let recheck: NodeJS.Timeout | undefined;
  let overall: NodeJS.Timeout | undefined;
  const seenPods = new Set<string>();

  return new Promise<RolloutResult>((resolve) => {
    const finish = (result: Omit<RolloutResult, 'final' | 'revision' | 'workloadEvents' | 'firstSignalAt' | 'detectedAt'> & { workloadEvents?: string[] }): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(recheck);
      clearTimeout(overall);
      for (const h of handles) h.stop();
      resolve({
        workloadEvents: [],
        ...result,
        final: current,
        revision: workloadRevision(current),
        ...(firstSignalAt === undefined ? {} : { firstSignalAt }),
        ...(result.outcome === 'complete' ? {} : { detectedAt: clock() }),
      });
    };

    const failWith = async (outcome: 'failed' | 'timeout' | 'stopped', message: string, reason: string | undefined, failing: { pod: string; signal: PodSignal }[]): Promise<void> => {
      if (settled || stopping) return;
      stopping = true;
      const reports: PodReport[] = [];
      for (const { pod, signal } of failing.slice(0, 5)) {
        reports.push({ pod, reason: signal.reason, message: signal.message, ...(signal.container ? { container: signal.container } : {}), events: await recentEvents(api, namespace, pod, 5, str(pods.get(pod)?.metadata['uid']) || undefined) });
      }
      const workloadEvents = await recentEvents(api, namespace, name);
      finish({ outcome, message, ...(reason ? { reason } : {}), failingPods: reports, workloadEvents });
    };

    const isNewPod = (pod: KubeObject): boolean => {
      if (!newPodKey) return false;
      return pod.metadata.labels?.[newPodKey.label] === newPodKey.value;
    };

    const refreshNewPodKey = async (): Promise<void> => {
      if (!current) return;
      const status = isRecord(current['status']) ? current['status'] : {};
      // Until the controller has observed the new generation, revision fields still describe the old one.
      const generation = typeof current.metadata['generation'] === 'number' ? current.metadata['generation'] : 0;
      if (kind !== 'DaemonSet' && (typeof status['observedGeneration'] === 'number' ? status['observedGeneration'] : 0) < generation) return;
      if (kind === 'StatefulSet' && typeof status['updateRevision'] === 'string') {
        newPodKey = { label: 'controller-revision-hash', value: status['updateRevision'] };
      } else if (kind === 'DaemonSet' && current.metadata['generation'] !== undefined) {
        newPodKey = { label: 'pod-template-generation', value: str(current.metadata['generation']) };
      } else if (kind === 'Deployment') {
        const revision = workloadRevision(current);
        if (!revision || revision === newPodKeyRevision) return;
        const uid = current.metadata['uid'];
        const { items } = await api.list('apps/v1', 'ReplicaSet', namespace, { labelSelector: podSelector });
        const owned = items.filter((rs) => Array.isArray(rs.metadata['ownerReferences']) && (rs.metadata['ownerReferences'] as { uid?: string }[]).some((o) => o.uid === uid));
        const rs = owned.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision);
        const hash = rs?.metadata.labels?.['pod-template-hash'];
        if (hash) {
          newPodKey = { label: 'pod-template-hash', value: hash };
          newPodKeyRevision = revision;
        }
      }
    };

    const evaluate = (): void => {
      if (settled || stopping || !current) return;
      const state = evaluateWorkload(current);
      if (state.message !== lastMessage) {
        lastMessage = state.message;
        log(`${kind}/${name}: ${state.message}`);
      }
      if (state.phase === 'complete') {
        timeline({ at: clock(), text: `${kind}/${name} rollout complete` });
        finish({ outcome: 'complete', message: state.message, failingPods: [] });
        return;
      }
      const now = clock();
      const failing: { pod: string; signal: PodSignal }[] = [];
      let nextDeadline = Infinity;
      for (const [podName, pod] of pods) {
        if (!isNewPod(pod)) continue;
        if (!seenPods.has(podName)) {
          seenPods.add(podName);
          timeline({ at: now, text: `pod ${podName} created` });
        }
        const signal = podSignal(pod);
        if (!signal) continue;
        const key = `${podName}|${signal.reason}`;
        if (!firstSeen.has(key)) {
          firstSeen.set(key, now);
          firstSignalAt ??= now;
          timeline({ at: now, text: `pod ${podName}: ${signal.reason}` });
          log(`pod ${podName}: ${signal.reason}: ${signal.message}`);
        }
        const since = firstSeen.get(key) as number;
        if (signalIsFailure(signal, since, now, graceMs)) failing.push({ pod: podName, signal });
        else nextDeadline = Math.min(nextDeadline, signalDeadline(signal, since, graceMs));
      }
      if (state.phase === 'failed') {
        timeline({ at: now, text: `${kind}/${name}: ${state.reason ?? 'failed'}` });
        void failWith('failed', state.message, state.reason, failing);
        return;
      }
      if (failing.length > 0) {
        const first = failing[0] as { pod: string; signal: PodSignal };
        timeline({ at: now, text: `failure detected (${first.signal.reason})` });
        void failWith('failed', `${failing.length} new pod${failing.length === 1 ? '' : 's'} failing: ${first.pod} ${first.signal.reason}`, first.signal.reason, failing);
        return;
      }
      clearTimeout(recheck);
      if (nextDeadline !== Infinity) {
        recheck = setTimeout(evaluate, Math.max(0, nextDeadline - clock()) + 50);
      }
    };

    const follow = async (watchKind: 'workload' | 'pods'): Promise<void> => {
      if (settled) return;
      const apiVersion = watchKind === 'workload' ? workload.apiVersion : 'v1';
      const watchedKind = watchKind === 'workload' ? kind : 'Pod';
      const opts = watchKind === 'workload' ? { fieldSelector: `metadata.name=${name}` } : { labelSelector: podSelector };
      try {
        const list = await api.list(apiVersion, watchedKind, namespace, opts);
        if (watchKind === 'workload') {
          current = list.items[0];
          if (!current) {
            void failWith('failed', `${kind}/${name} was deleted while rolling out`, 'Deleted', []);
            return;
          }
          await refreshNewPodKey();
        } else {
          pods.clear();
          for (const pod of list.items) pods.set(pod.metadata.name, pod);
        }
        evaluate();
        if (settled) return;
        const handle = await api.watch(
          apiVersion,
          watchedKind,
          namespace,
          { ...opts, resourceVersion: list.resourceVersion },
          (type, object) => {
            if (settled || type === 'BOOKMARK' || type === 'ERROR') return;
            if (watchKind === 'workload') {
              current = type === 'DELETED' ? undefined : object;
              if (!current) {
                void failWith('failed', `${kind}/${name} was deleted while rolling out`, 'Deleted', []);
                return;
              }
              refreshNewPodKey().then(evaluate, (error: unknown) => log(`could not list ReplicaSets: ${String(error)}`));
            } else {
              if (type === 'DELETED') pods.delete(object.metadata.name);
              else pods.set(object.metadata.name, object);
              evaluate();
            }
          },
          (error) => {
            if (settled) return;
            if (error) log(`watch of ${watchedKind} ended (${error instanceof Error ? error.message : 'unknown error'}); resuming`);
            setTimeout(() => void follow(watchKind), error ? 1000 : 0).unref();
          },
        );
        if (settled) handle.stop();
        else handles.push(handle);
      } catch (error: unknown) {
        if (settled) return;
        log(`watching ${watchedKind} failed (${error instanceof Error ? error.message : String(error)}); retrying`);
        setTimeout(() => void follow(watchKind), 1000).unref();
      }
    };

    overall = setTimeout(() => {
      const failing: { pod: string; signal: PodSignal }[] = [];
      for (const [podName, pod] of pods) {
        const signal = isNewPod(pod) ? podSignal(pod) : undefined;
        if (signal) failing.push({ pod: podName, signal });
      }
      void failWith('timeout', `${kind}/${name} did not finish rolling out within ${Math.round(timeoutMs / 1000)} s: ${lastMessage}`, 'Timeout', failing);
    }, Math.max(0, timeoutMs - (clock() - started)));

    const onAbort = (): void => void failWith('stopped', `${kind}/${name}: stopped waiting because another workload failed (${lastMessage})`, 'Stopped', []);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    timeline({ at: clock(), text: `watching ${kind}/${name}` });
    void follow('workload');
    void follow('pods');
  });
}
