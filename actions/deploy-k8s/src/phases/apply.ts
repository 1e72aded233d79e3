/**
 * Phase 5, apply: server-side apply in dependency order, stopping at the
 * first failure. An object whose Namespace or CRD this deploy creates is
 * validated right before it is written (and the lock is taken then, when it
 * waited for its namespace).
 */
import { ActionError, retry } from '@pipeline/action-kit';
import { describeRef } from '../objects.js';
import { arrayOf, recordOf } from '../records.js';
import { errorText, type Applied, type BackedUp, type Item, type PhaseContext } from './context.js';
import { takeLock } from './lock.js';
import { dryRunAll } from './validate.js';

const CRD_WAIT_MS = 30_000;
const CRD_POLL_MS = 250;

class NotEstablished extends ActionError {
  override readonly name = 'NotEstablished';
}

/** Waits (bounded) until the CRDs this deploy applied are Established. */
async function waitForCrds(ctx: PhaseContext, applied: readonly Item[]): Promise<void> {
  const deadline = ctx.clock() + CRD_WAIT_MS;
  for (const crd of applied.filter((i) => i.ref.kind === 'CustomResourceDefinition')) {
    await retry(
      async () => {
        const live = await ctx.api.get(crd.ref);
        const conditions = arrayOf<{ type?: string; status?: string }>(recordOf(live?.['status'])['conditions']);
        if (!conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
          throw new NotEstablished(`${describeRef(crd.ref)} was not Established within ${CRD_WAIT_MS / 1000} s`);
        }
      },
      {
        attempts: Number.POSITIVE_INFINITY,
        initialDelayMs: CRD_POLL_MS,
        factor: 1,
        maxDelayMs: CRD_POLL_MS,
        shouldRetry: (error) => error instanceof NotEstablished && ctx.clock() <= deadline,
      },
    );
  }
}

type Step = { state: BackedUp; failure?: string; skip?: boolean };

/** A deferred item: wait for its CRDs, take the lock if it waited, dry-run it now. */
async function validateDeferred(
  ctx: PhaseContext,
  state: BackedUp,
  item: Item,
  applied: readonly Item[],
): Promise<Step> {
  await waitForCrds(ctx, applied);
  try {
    const locked = await takeLock(ctx, state);
    await dryRunAll(ctx, [item]);
    if (item.action === 'unchanged') item.report.result = 'unchanged';
    return { state: locked, skip: item.action === 'unchanged' };
  } catch (error: unknown) {
    item.report.result = 'invalid';
    return { state, failure: errorText(error) };
  }
}

async function applyOne(ctx: PhaseContext, item: Item): Promise<string | undefined> {
  try {
    item.applied = await ctx.api.apply(item.object, { fieldManager: ctx.options.fieldManager, dryRun: false });
    item.report.result = 'applied';
    ctx.log(`${describeRef(item.ref)}: ${item.action === 'create' ? 'created' : 'configured'}`);
    return undefined;
  } catch (error: unknown) {
    item.report.result = 'apply failed';
    return `${item.source.file} (document ${item.source.document}) ${item.ref.kind}/${item.ref.name}: ${errorText(error)}`;
  }
}

export async function apply(ctx: PhaseContext, initial: BackedUp): Promise<Applied> {
  return ctx.phase('Apply', async () => {
    ctx.mark('apply started');
    let state = initial;
    let failure: string | undefined;
    const applied: Item[] = [];
    for (const item of state.changing) {
      if (item.deferred && !item.predicted) {
        const step = await validateDeferred(ctx, state, item, applied);
        state = step.state;
        failure = step.failure;
        if (failure) break;
        if (step.skip) continue;
      }
      failure = await applyOne(ctx, item);
      if (failure) break;
      applied.push(item);
    }
    for (const item of state.items)
      if (item.action === 'unchanged' && item.report.result === 'not applied') item.report.result = 'unchanged';
    ctx.mark(failure ? 'apply failed' : `applied ${applied.length} object(s)`);
    return { ...state, applied, failure };
  });
}
