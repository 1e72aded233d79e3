/**
 * Phase 6, watch: follows the rollout of every workload apply changed, all
 * at once. One failing workload is enough to roll back, so the others stop
 * being waited for then.
 */
import { isWorkload } from '../objects.js';
import type { RolloutResult } from '../watcher.js';
import type { Applied, Item, PhaseContext } from './context.js';

function earliest(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.min(...known) : undefined;
}

/** Records the failed rollouts in the report and the log; returns the failure text. */
function recordFailure(ctx: PhaseContext, bad: readonly RolloutResult[]): string {
  const { report } = ctx;
  const failure = bad.map((r) => r.message).join('; ');
  report.failingPods = bad.flatMap((r) => r.failingPods);
  report.workloadEvents = bad.flatMap((r) => r.workloadEvents);
  const firstSignalAt = earliest(bad.map((r) => r.firstSignalAt));
  if (firstSignalAt !== undefined) report.firstSignalAt = firstSignalAt;
  const detectedAt = earliest(bad.map((r) => r.detectedAt));
  if (detectedAt !== undefined) report.detectedAt = detectedAt;
  ctx.log(`Rollout failed: ${failure}`);
  for (const pod of report.failingPods) {
    ctx.log(`  pod ${pod.pod}: ${pod.reason}${pod.container ? ` (container ${pod.container})` : ''}: ${pod.message}`);
    for (const event of pod.events) ctx.log(`    event: ${event}`);
  }
  return failure;
}

async function followAll(ctx: PhaseContext, workloads: readonly Item[]): Promise<RolloutResult[]> {
  const { options } = ctx;
  const stop = new AbortController();
  return Promise.all(
    workloads.map(async (item) => {
      const result = await ctx.waitForRollout({
        api: ctx.api,
        workload: item.applied as NonNullable<Item['applied']>,
        timeoutMs: options.timeoutMs,
        graceMs: options.failureGraceMs,
        settleMs: options.settleMs,
        clock: ctx.clock,
        log: ctx.log,
        timeline: (entry) => void ctx.report.timeline.push(entry),
        signal: stop.signal,
      });
      if (result.outcome !== 'complete') stop.abort();
      return result;
    }),
  );
}

export async function watch(ctx: PhaseContext, state: Applied): Promise<Applied> {
  const workloads = state.applied.filter((i) => isWorkload(i.ref));
  if (state.failure || !ctx.options.wait || workloads.length === 0) return state;
  const failure = await ctx.phase('Wait for rollout', async () => {
    const rollout = await followAll(ctx, workloads);
    rollout.forEach((result, index) => {
      const item = workloads[index] as Item;
      item.report.result =
        result.outcome === 'complete' ? 'ready' : `${result.outcome}: ${result.reason ?? result.message}`;
      item.report.revision = result.revision;
      if (result.outcome !== 'complete' && item.ref.kind === 'StatefulSet') item.failedRevision = result.revision;
    });
    const bad = rollout.filter((r) => r.outcome !== 'complete' && r.outcome !== 'stopped');
    return bad.length > 0 ? recordFailure(ctx, bad) : undefined;
  });
  return { ...state, failure };
}
