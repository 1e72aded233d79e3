/**
 * Waiting for one workload's rollout: what the caller passes and gets back.
 * The watching itself is RolloutWatch (rollout-watch.ts).
 */
import type { KubeApi } from './kube.js';
import type { KubeObject } from './objects.js';
import { RolloutWatch } from './rollout-watch.js';

export { selectorString } from './selectors.js';

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
  /** After the rollout looks complete, keep watching the new pods this long; one restart fails it (default 0). */
  settleMs?: number;
  clock?: () => number;
  log?: (message: string) => void;
  timeline?: (entry: TimelineEntry) => void;
  /** Stops the wait early (outcome `stopped`). */
  signal?: AbortSignal;
}

export async function waitForRollout(options: WaitOptions): Promise<RolloutResult> {
  return new RolloutWatch(options).run();
}
