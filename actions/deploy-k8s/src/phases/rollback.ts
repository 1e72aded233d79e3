/**
 * Phase 7, rollback: after a failed apply or rollout, every changed object
 * is restored from the backup, objects the deploy created are deleted (in
 * reverse dependency order), and the restored workloads are watched until
 * healthy. Always ends by throwing a DeployError: the deploy failed, and the
 * report says whether the cluster is back where it was.
 */
import { applyRank, describeRef, isWorkload } from '../objects.js';
import { DeployError, fail } from '../report.js';
import { workloadRevision } from '../rollout.js';
import { errorText, type Applied, type Item, type PhaseContext } from './context.js';
import { deleteBrokenPods, restore } from './restore.js';

function appendResult(current: string, next: string): string {
  return current === 'applied' || current === 'not applied' ? next : `${current}, ${next}`;
}

/** Restores every applied object that has a backup; returns those restored. */
async function restoreChanged(ctx: PhaseContext, state: Applied, problems: string[]): Promise<Item[]> {
  const restored: Item[] = [];
  for (const item of state.applied) {
    const backup = state.backups.get(item.key);
    if (!backup) continue;
    try {
      await restore(ctx.api, item, backup, { fieldManager: ctx.options.fieldManager, log: ctx.log });
      if (item.failedRevision) await deleteBrokenPods(ctx.api, item, item.failedRevision, ctx.log);
      restored.push(item);
      item.report.result = appendResult(item.report.result, 'rolled back');
    } catch (error: unknown) {
      problems.push(`${describeRef(item.ref)}: ${errorText(error)}`);
      item.report.result = appendResult(item.report.result, 'rollback failed');
    }
  }
  return restored;
}

/** Deletes what did not exist before, dependents first. */
async function deleteCreated(ctx: PhaseContext, state: Applied, problems: string[]): Promise<void> {
  const created = state.applied
    .filter((i) => !state.backups.has(i.key))
    .sort((a, b) => applyRank(b.ref.kind) - applyRank(a.ref.kind));
  for (const item of created) {
    try {
      await ctx.api.remove(item.ref);
      item.report.result = appendResult(item.report.result, 'deleted (rolled back)');
      ctx.log(`${describeRef(item.ref)}: deleted (it did not exist before)`);
    } catch (error: unknown) {
      problems.push(`${describeRef(item.ref)}: ${errorText(error)}`);
    }
  }
}

/** Waits for the restored workloads to be healthy again. */
async function checkHealth(ctx: PhaseContext, restored: readonly Item[], problems: string[]): Promise<void> {
  const workloads = restored.filter((i) => isWorkload(i.ref));
  const health = await Promise.all(
    workloads.map(async (item) => {
      const live = await ctx.api.get(item.ref);
      if (!live) return undefined;
      const timeline = (entry: { at: number; text: string }): void => void ctx.report.timeline.push(entry);
      return ctx.waitForRollout({
        api: ctx.api,
        workload: live,
        timeoutMs: ctx.options.timeoutMs,
        graceMs: ctx.options.failureGraceMs,
        clock: ctx.clock,
        log: ctx.log,
        timeline,
      });
    }),
  );
  health.forEach((result, index) => {
    const item = workloads[index] as Item;
    if (!result) return;
    item.report.revision = result.revision;
    if (result.outcome !== 'complete')
      problems.push(`${describeRef(item.ref)} did not become healthy after the rollback: ${result.message}`);
  });
}

/** Why no rollback happens, when none does. */
function noRollback(ctx: PhaseContext, state: Applied, failure: string): never {
  for (const item of state.changing) if (item.report.result === 'not applied') item.report.result = 'skipped';
  return fail(
    ctx.report,
    state.applied.length === 0
      ? `${failure}\nNothing was applied.`
      : `${failure}\nrollback-on-failure is false: the cluster is left as it is now. The backup is ${ctx.report.backupFile}.`,
  );
}

export async function rollback(ctx: PhaseContext, state: Applied): Promise<never> {
  const { report } = ctx;
  const failure = state.failure ?? 'the deploy failed';
  if (!ctx.options.rollbackOnFailure || state.applied.length === 0) noRollback(ctx, state, failure);
  report.rollbackStartedAt = ctx.clock();
  ctx.mark('rollback started');
  const problems: string[] = [];
  await ctx.phase('Roll back', async () => {
    const restored = await restoreChanged(ctx, state, problems);
    await deleteCreated(ctx, state, problems);
    await checkHealth(ctx, restored, problems);
    report.rollbackDoneAt = ctx.clock();
    ctx.mark(problems.length === 0 ? 'rollback complete and healthy' : 'rollback incomplete');
  });
  if (state.firstWorkload)
    report.revision = workloadRevision(await ctx.api.get(state.firstWorkload.ref).catch(() => undefined));
  if (problems.length > 0)
    fail(
      report,
      `${failure}\nThe rollback did not fully succeed:\n  ${problems.join('\n  ')}\nThe backup is ${report.backupFile}.`,
    );
  report.status = 'rolled-back';
  report.failure = `${failure}\nRolled back: every changed object was restored from the backup taken before the deploy and new objects were deleted.`;
  throw new DeployError(report.failure, report);
}
