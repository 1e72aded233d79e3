/**
 * Phase 2, lock: the deployment Lease (not for a dry run or `lock: false`).
 * Taken before the dry run, or, when the lock's namespace is created by this
 * deploy, right after apply created it. Released by the orchestrator's
 * cleanup, and at once when the run is cancelled.
 */
import { acquireLock, type HeldLock } from '../lock.js';
import { errorText, type Locked, type PhaseContext, type Prepared } from './context.js';

/** Must the lock wait for apply to create its namespace? */
export function lockIsDeferred(state: Prepared): boolean {
  return state.createdNamespaces.has(state.lockTarget.namespace) && state.items.some((i) => i.deferred);
}

/** On SIGINT/SIGTERM: release the Lease, then let the signal take its usual effect. */
function releaseOnSignal(ctx: PhaseContext, lock: HeldLock, target: Prepared['lockTarget']): () => void {
  const proc = ctx.options.process;
  if (!proc) return () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    const rollingBack = ctx.report.rollbackStartedAt !== undefined && ctx.report.rollbackDoneAt === undefined;
    ctx.warn(
      `Received ${signal} (the run is being cancelled): releasing the lock Lease ${target.namespace}/${target.name}; ` +
        `${rollingBack ? 'the rollback is interrupted' : 'no rollback is attempted'}. The backup is ${ctx.report.backupFile || 'not written yet'}.`,
    );
    void lock.release().finally(() => proc.kill(proc.pid, signal));
  };
  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  return () => {
    proc.removeListener('SIGINT', onSignal);
    proc.removeListener('SIGTERM', onSignal);
  };
}

/** Takes the lock unless it is taken already or not wanted. */
export async function takeLock<S extends Locked>(ctx: PhaseContext, state: S): Promise<S> {
  const { options } = ctx;
  if (!options.lock || options.dryRun || state.lock) return state;
  const { namespace, name } = state.lockTarget;
  const lock = await ctx.phase('Acquire lock', async () => {
    ctx.mark(`waiting for lock ${namespace}/${name}`);
    const held = await acquireLock({
      api: ctx.api,
      namespace,
      name,
      holder: options.holder,
      fieldManager: options.fieldManager,
      waitMs: options.timeoutMs,
      log: ctx.log,
    });
    const removeHandlers = releaseOnSignal(ctx, held, state.lockTarget);
    ctx.cleanup.add(async () => {
      removeHandlers();
      await held.release().catch((error: unknown) => ctx.warn(`Could not release the lock Lease: ${errorText(error)}`));
    });
    ctx.report.lock = { name, namespace, waitedMs: held.waitedMs };
    ctx.mark(`lock acquired after ${Math.round(held.waitedMs / 100) / 10} s`);
    ctx.log(`Holding lock Lease ${namespace}/${name} as ${options.holder}`);
    return held;
  });
  return { ...state, lock };
}

/** The lock phase as the orchestrator runs it: now, unless it waits for its namespace. */
export async function lock(ctx: PhaseContext, state: Prepared): Promise<Locked> {
  const unlocked: Locked = { ...state, lock: undefined };
  return lockIsDeferred(state) ? unlocked : takeLock(ctx, unlocked);
}
