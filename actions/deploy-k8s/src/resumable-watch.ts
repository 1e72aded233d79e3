/**
 * A list, then a watch from the list's resourceVersion, started again
 * whenever the watch ends: the server closes watches every few minutes,
 * answers 410 Gone when the resourceVersion is too old (after a restart its
 * watch cache starts afresh), and refuses connections while it restarts. A
 * fresh list is the only safe place to resume from in every case, so each
 * resume re-lists. While the API server is unreachable the attempts back off
 * (up to 2 s apart, so it is noticed soon after it is back), for no longer
 * than the caller's time is left; the first failure and the resume are
 * logged, the resume with how long nothing could be seen.
 */
import { retry } from '@pipeline/action-kit';
import type { KubeApi, ListOptions, WatchEventType, WatchHandle } from './kube.js';
import type { KubeObject } from './objects.js';

export interface ResumableWatchOptions {
  api: KubeApi;
  apiVersion: string;
  kind: string;
  namespace: string;
  selector: ListOptions;
  /** For messages: what is watched (Deployment/web, the pods of Deployment/web). */
  what: string;
  /** The full state after each (re-)list; may reject (retried like a failed list). */
  onList: (items: KubeObject[]) => Promise<void>;
  onEvent: (type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>, object: KubeObject) => void;
  /** How long the caller still waits; no attempt is started past it. */
  remainingMs: () => number;
  clock: () => number;
  log: (message: string) => void;
  /** After an outage: how long the watch saw nothing. */
  onResumed?: (blindMs: number) => void;
  /** Retry pacing (tests pass a fake sleep). */
  sleep?: (ms: number) => Promise<void>;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** A sleep whose timer does not keep the process alive (the watch may be abandoned mid-wait). */
const unrefSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The Status an ERROR event carries (410 Gone when the resourceVersion is too old). */
function statusText(object: unknown): string {
  const status = object as { code?: number; reason?: string; message?: string } | undefined;
  return `${status?.code ?? '?'} ${status?.reason ?? ''}${status?.message ? `: ${status.message}` : ''}`.trim();
}

export class ResumableWatch {
  private stopped = false;
  private handle: WatchHandle | undefined;
  /** When the last watch ended, whether it ended in an error, and the failed attempts to get back since. */
  private endedAt: number | undefined;
  private broken = false;
  private failures = 0;

  constructor(private readonly o: ResumableWatchOptions) {}

  start(): void {
    void this.follow();
  }

  stop(): void {
    this.stopped = true;
    this.handle?.stop();
  }

  /** listAndWatch until it succeeds, backing off, while time is left and nobody stopped it. */
  private async follow(): Promise<void> {
    if (this.stopped) return;
    await retry(() => this.listAndWatch(), {
      attempts: Number.POSITIVE_INFINITY,
      initialDelayMs: this.o.initialDelayMs ?? 250,
      factor: 2,
      maxDelayMs: this.o.maxDelayMs ?? 2000,
      budgetMs: Math.max(0, this.o.remainingMs()),
      shouldRetry: () => !this.stopped,
      onRetry: (error, _attempt, delayMs) => this.failed(error, delayMs),
      sleep: this.o.sleep ?? unrefSleep,
      now: this.o.clock,
    }).catch(() => undefined); // stopped, or out of time: the caller's own timeout reports that
  }

  private failed(error: unknown, delayMs: number): void {
    this.endedAt ??= this.o.clock();
    if (this.failures++ === 0)
      this.o.log(
        `watch of ${this.o.what} lost (${message(error)}); re-listing with backoff (next in ${Math.round(delayMs)} ms, then doubling up to ${(this.o.maxDelayMs ?? 2000) / 1000} s) for as long as the timeout leaves (${Math.round(this.o.remainingMs() / 1000)} s)`,
      );
  }

  private async listAndWatch(): Promise<void> {
    const { api, apiVersion, kind, namespace, selector } = this.o;
    // This loop does the retrying (and tells how long it was blind): the client must not retry the list itself.
    const list = await api.list(apiVersion, kind, namespace, { ...selector, failFast: true });
    await this.o.onList(list.items);
    this.resumed();
    if (this.stopped) return;
    let ended = false;
    const end = (why?: string): void => {
      if (ended || this.stopped) return;
      ended = true;
      this.handle?.stop();
      this.endedAt = this.o.clock();
      this.broken = why !== undefined;
      if (why) this.o.log(`watch of ${this.o.what} ended (${why}); re-listing`);
      void this.follow();
    };
    const handle = await api.watch(
      apiVersion,
      kind,
      namespace,
      { ...selector, resourceVersion: list.resourceVersion },
      (type, object) => {
        if (ended || this.stopped || type === 'BOOKMARK') return;
        // 410 Gone and the like: the server ends the watch after it; resume from a fresh list at once.
        if (type === 'ERROR') end(`the server sent ${statusText(object)}`);
        else this.o.onEvent(type, object);
      },
      (error) => end(error === undefined ? undefined : message(error)),
    );
    this.handle = handle;
    if (this.stopped || ended) handle.stop();
  }

  /**
   * A list worked: after a watch that broke, or attempts that failed, say how
   * long nothing was seen (a restarting server may also accept the list and
   * answer it only once it serves again).
   */
  private resumed(): void {
    const since = this.endedAt;
    const failures = this.failures;
    const broken = this.broken;
    this.endedAt = undefined;
    this.failures = 0;
    this.broken = false;
    if (since === undefined || (failures === 0 && !broken)) return;
    const blind = this.o.clock() - since;
    this.o.onResumed?.(blind);
    this.o.log(
      `watch of ${this.o.what} resumed after ${(blind / 1000).toFixed(1)} s without events (${failures} failed attempt(s)); re-listed, watching from the fresh resourceVersion`,
    );
  }
}
