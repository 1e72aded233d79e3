/**
 * One workload's rollout, followed with the watch API: the workload itself
 * and the pods of its new revision. Decides with the pure functions in
 * rollout.ts; keeps the clock and the first time each pod signal was seen,
 * so that "unschedulable for longer than the grace period" is measured here,
 * not from timestamps written by another machine.
 */
import { isRecord, plural } from '@pipeline/action-kit';
import type { KubeApi, WatchEventType } from './kube.js';
import type { KubeObject } from './objects.js';
import { str } from './records.js';
import {
  evaluateWorkload,
  podRestarts,
  podSignal,
  restartSignal,
  signalDeadline,
  signalIsFailure,
  workloadRevision,
  type PodSignal,
} from './rollout.js';
import { recentEvents } from './events.js';
import { ResumableWatch } from './resumable-watch.js';
import { selectorString } from './selectors.js';
import type { PodReport, RolloutResult, TimelineEntry, WaitOptions } from './watcher.js';

type Outcome = RolloutResult['outcome'];
type Failing = { pod: string; signal: PodSignal }[];
type Finished = Omit<RolloutResult, 'final' | 'revision' | 'workloadEvents' | 'firstSignalAt' | 'detectedAt'> & {
  workloadEvents?: string[];
};

/** The label that marks the pods of a workload's current revision. */
interface PodKey {
  label: string;
  value: string;
  /** Deployment revision it was found for (the ReplicaSet lookup is done once per revision). */
  revision?: string;
}

/** The pod key of the workload's current revision, or `known` when it cannot tell yet. */
export async function currentPodKey(
  api: KubeApi,
  workload: KubeObject,
  podSelector: string,
  known: PodKey | undefined,
): Promise<PodKey | undefined> {
  const status = isRecord(workload['status']) ? workload['status'] : {};
  const kind = workload.kind;
  // Until the controller has observed the new generation, revision fields still describe the old one.
  const generation = typeof workload.metadata['generation'] === 'number' ? workload.metadata['generation'] : 0;
  if (
    kind !== 'DaemonSet' &&
    (typeof status['observedGeneration'] === 'number' ? status['observedGeneration'] : 0) < generation
  )
    return known;
  if (kind === 'StatefulSet' && typeof status['updateRevision'] === 'string')
    return { label: 'controller-revision-hash', value: status['updateRevision'] };
  if (kind === 'DaemonSet' && workload.metadata['generation'] !== undefined)
    return { label: 'pod-template-generation', value: str(workload.metadata['generation']) };
  if (kind !== 'Deployment') return known;
  const revision = workloadRevision(workload);
  if (!revision || revision === known?.revision) return known;
  const uid = workload.metadata['uid'];
  const { items } = await api.list('apps/v1', 'ReplicaSet', workload.metadata.namespace, {
    labelSelector: podSelector,
  });
  const owned = items.filter(
    (rs) =>
      Array.isArray(rs.metadata['ownerReferences']) &&
      (rs.metadata['ownerReferences'] as { uid?: string }[]).some((o) => o.uid === uid),
  );
  const hash = owned.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision)?.metadata
    .labels?.['pod-template-hash'];
  return hash ? { label: 'pod-template-hash', value: hash, revision } : known;
}

export class RolloutWatch {
  private readonly api: KubeApi;
  private readonly clock: () => number;
  private readonly log: (message: string) => void;
  private readonly timeline: (entry: TimelineEntry) => void;
  private readonly namespace: string;
  private readonly name: string;
  private readonly kind: string;
  private readonly podSelector: string;
  private readonly started: number;
  private current: KubeObject | undefined;
  private readonly pods = new Map<string, KubeObject>();
  private readonly firstSeen = new Map<string, number>();
  private readonly seenPods = new Set<string>();
  private firstSignalAt: number | undefined;
  private podKey: PodKey | undefined;
  private lastMessage = '';
  /** Settle period: when it ends, and each new pod's restarts when the rollout first looked complete. */
  private settleUntil: number | undefined;
  private readonly restartsAtComplete = new Map<string, number>();
  private settled = false;
  /** A failure is being reported (events are being fetched): no further evaluation. */
  private stopping = false;
  private readonly watches: ResumableWatch[] = [];
  private recheck: NodeJS.Timeout | undefined;
  private overall: NodeJS.Timeout | undefined;
  private resolve: (result: RolloutResult) => void = () => undefined;
  private readonly onAbort = (): void =>
    void this.failWith(
      'stopped',
      `${this.label}: stopped waiting because another workload failed (${this.lastMessage})`,
      'Stopped',
      [],
    );

  constructor(private readonly options: WaitOptions) {
    const { workload } = options;
    this.api = options.api;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.timeline = options.timeline ?? (() => undefined);
    this.namespace = workload.metadata.namespace as string;
    this.name = workload.metadata.name;
    this.kind = workload.kind;
    this.podSelector = selectorString(isRecord(workload['spec']) ? workload['spec']['selector'] : undefined);
    this.started = this.clock();
    this.current = workload;
  }

  private get label(): string {
    return `${this.kind}/${this.name}`;
  }

  run(): Promise<RolloutResult> {
    return new Promise<RolloutResult>((resolve) => {
      this.resolve = resolve;
      const { timeoutMs, signal } = this.options;
      this.overall = setTimeout(() => this.timedOut(), Math.max(0, timeoutMs - (this.clock() - this.started)));
      if (signal?.aborted) this.onAbort();
      signal?.addEventListener('abort', this.onAbort, { once: true });
      this.timeline({ at: this.clock(), text: `watching ${this.label}` });
      for (const which of ['workload', 'pods'] as const) {
        const watch = this.resumable(which);
        this.watches.push(watch);
        watch.start();
      }
    });
  }

  private finish(result: Finished): void {
    if (this.settled) return;
    this.settled = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.recheck);
    clearTimeout(this.overall);
    for (const w of this.watches) w.stop();
    this.resolve({
      workloadEvents: [],
      ...result,
      final: this.current,
      revision: workloadRevision(this.current),
      ...(this.firstSignalAt === undefined ? {} : { firstSignalAt: this.firstSignalAt }),
      ...(result.outcome === 'complete' ? {} : { detectedAt: this.clock() }),
    });
  }

  private async failWith(
    outcome: Exclude<Outcome, 'complete'>,
    message: string,
    reason: string | undefined,
    failing: Failing,
  ): Promise<void> {
    if (this.settled || this.stopping) return;
    this.stopping = true;
    const reports: PodReport[] = [];
    for (const { pod, signal } of failing.slice(0, 5)) {
      const events = await recentEvents(
        this.api,
        this.namespace,
        pod,
        5,
        str(this.pods.get(pod)?.metadata['uid']) || undefined,
      );
      reports.push({
        pod,
        reason: signal.reason,
        message: signal.message,
        ...(signal.container ? { container: signal.container } : {}),
        events,
      });
    }
    const workloadEvents = await recentEvents(this.api, this.namespace, this.name);
    this.finish({ outcome, message, ...(reason ? { reason } : {}), failingPods: reports, workloadEvents });
  }

  private timedOut(): void {
    const failing: Failing = [];
    for (const [pod, object] of this.pods) {
      const signal = this.isNewPod(object) ? podSignal(object) : undefined;
      if (signal) failing.push({ pod, signal });
    }
    const within = Math.round(this.options.timeoutMs / 1000);
    void this.failWith(
      'timeout',
      `${this.label} did not finish rolling out within ${within} s: ${this.lastMessage}`,
      'Timeout',
      failing,
    );
  }

  private isNewPod(pod: KubeObject): boolean {
    return this.podKey !== undefined && pod.metadata.labels?.[this.podKey.label] === this.podKey.value;
  }

  private async refreshPodKey(): Promise<void> {
    if (this.current) this.podKey = await currentPodKey(this.api, this.current, this.podSelector, this.podKey);
  }

  /** Pod signals of the new revision, first sightings logged; the failing ones and when the next one would count. */
  private podFailures(now: number): { failing: Failing; nextDeadline: number } {
    const failing: Failing = [];
    let nextDeadline = Infinity;
    for (const [pod, object] of this.pods) {
      if (!this.isNewPod(object)) continue;
      if (!this.seenPods.has(pod)) {
        this.seenPods.add(pod);
        this.timeline({ at: now, text: `pod ${pod} created` });
      }
      // In the settle period a restart is the clearest signal (a crashed container is also NotReady).
      const signal =
        (this.settleUntil === undefined ? undefined : restartSignal(object, this.restartsAtComplete.get(pod) ?? 0)) ??
        podSignal(object);
      const key = `${pod}|${signal?.reason ?? ''}`;
      // A signal that went away starts its grace period afresh when it comes back (ready, then not ready).
      for (const seen of this.firstSeen.keys())
        if (seen.startsWith(`${pod}|`) && seen !== key) this.firstSeen.delete(seen);
      if (!signal) continue;
      if (!this.firstSeen.has(key)) {
        this.firstSeen.set(key, now);
        this.firstSignalAt ??= now;
        this.timeline({ at: now, text: `pod ${pod}: ${signal.reason}` });
        this.log(`pod ${pod}: ${signal.reason}: ${signal.message}`);
      }
      const since = this.firstSeen.get(key) as number;
      if (signalIsFailure(signal, since, now, this.options.graceMs)) failing.push({ pod, signal });
      else nextDeadline = Math.min(nextDeadline, signalDeadline(signal, since, this.options.graceMs));
    }
    return { failing, nextDeadline };
  }

  private evaluate(): void {
    if (this.settled || this.stopping || !this.current) return;
    const state = evaluateWorkload(this.current);
    if (state.message !== this.lastMessage) {
      this.lastMessage = state.message;
      this.log(`${this.label}: ${state.message}`);
    }
    const now = this.clock();
    if (state.phase === 'complete' && !this.settling(now, state.message)) {
      this.timeline({ at: now, text: `${this.label} rollout complete` });
      this.finish({ outcome: 'complete', message: state.message, failingPods: [] });
      return;
    }
    const { failing, nextDeadline: signalDeadlineAt } = this.podFailures(now);
    const nextDeadline = Math.min(
      signalDeadlineAt,
      this.settleUntil !== undefined && this.settleUntil > now ? this.settleUntil : Infinity,
    );
    if (state.phase === 'failed') {
      this.timeline({ at: now, text: `${this.label}: ${state.reason ?? 'failed'}` });
      void this.failWith('failed', state.message, state.reason, failing);
      return;
    }
    const first = failing[0];
    if (first) {
      this.timeline({ at: now, text: `failure detected (${first.signal.reason})` });
      void this.failWith(
        'failed',
        `${plural(failing.length, 'new pod')} failing: ${first.pod} ${first.signal.reason}`,
        first.signal.reason,
        failing,
      );
      return;
    }
    clearTimeout(this.recheck);
    if (nextDeadline !== Infinity)
      this.recheck = setTimeout(() => this.evaluate(), Math.max(0, nextDeadline - this.clock()) + 50);
  }

  /**
   * Whether a rollout that looks complete is still in its settle period (the
   * `settle` input): the new pods are watched on, and one restart fails it.
   * The period starts when the rollout first looks complete.
   */
  private settling(now: number, message: string): boolean {
    const settleMs = this.options.settleMs ?? 0;
    if (settleMs <= 0) return false;
    if (this.settleUntil === undefined) {
      this.settleUntil = now + settleMs;
      for (const [pod, object] of this.pods)
        if (this.isNewPod(object)) this.restartsAtComplete.set(pod, podRestarts(object));
      this.timeline({ at: now, text: `${this.label}: ${message}; settling for ${Math.round(settleMs / 1000)} s` });
      this.log(`${this.label}: ${message}; watching the new pods for ${Math.round(settleMs / 1000)} s more (settle)`);
    }
    return now < this.settleUntil;
  }

  private deleted(): void {
    void this.failWith('failed', `${this.label} was deleted while rolling out`, 'Deleted', []);
  }

  private onEvent(which: 'workload' | 'pods', type: WatchEventType, object: KubeObject): void {
    if (this.settled) return;
    if (which === 'pods') {
      if (type === 'DELETED') this.pods.delete(object.metadata.name);
      else this.pods.set(object.metadata.name, object);
      this.evaluate();
      return;
    }
    this.current = type === 'DELETED' ? undefined : object;
    if (!this.current) return this.deleted();
    this.refreshPodKey().then(
      () => this.evaluate(),
      (error: unknown) => this.log(`could not list ReplicaSets: ${String(error)}`),
    );
  }

  /** The workload (by name) or its pods (by selector), each listed then watched, resumed whenever the watch ends. */
  private resumable(which: 'workload' | 'pods'): ResumableWatch {
    const workload = which === 'workload';
    return new ResumableWatch({
      api: this.api,
      apiVersion: workload ? this.options.workload.apiVersion : 'v1',
      kind: workload ? this.kind : 'Pod',
      namespace: this.namespace,
      selector: workload ? { fieldSelector: `metadata.name=${this.name}` } : { labelSelector: this.podSelector },
      what: workload ? this.label : `the pods of ${this.label}`,
      onList: async (items) => {
        if (workload) {
          this.current = items[0];
          if (!this.current) return this.deleted();
          await this.refreshPodKey();
        } else {
          this.pods.clear();
          for (const pod of items) this.pods.set(pod.metadata.name, pod);
        }
        this.evaluate();
      },
      onEvent: (type, object) => this.onEvent(which, type, object),
      remainingMs: () => this.options.timeoutMs - (this.clock() - this.started),
      clock: this.clock,
      log: this.log,
      onResumed: (blindMs) =>
        this.timeline({
          at: this.clock(),
          text: `watch of ${workload ? this.label : 'its pods'} resumed after ${(blindMs / 1000).toFixed(1)} s`,
        }),
    });
  }
}
