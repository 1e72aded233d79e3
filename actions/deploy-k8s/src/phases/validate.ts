/**
 * Phase 3, validate: a server-side dry run of every object that can be
 * checked now, beside a read of its live state, to tell create, configure
 * and unchanged apart and to diff. Objects waiting for their Namespace or CRD
 * are validated by apply, with the same function.
 */
import { mapLimit } from '@pipeline/action-kit';
import { imagesOf } from '../images.js';
import { KubeError } from '../kube.js';
import { describeRef, objectDiff, redactSecret, sameObject } from '../objects.js';
import { fail, ValidationError, type ValidationProblem } from '../report.js';
import { workloadRevision } from '../rollout.js';
import { errorText, type Item, type Locked, type PhaseContext, type Validated } from './context.js';

/** Dry-runs one item; records the action and diff on it, or returns the server's objection. */
async function dryRun(ctx: PhaseContext, item: Item): Promise<ValidationProblem | undefined> {
  const { api, options } = ctx;
  try {
    [item.live, item.predicted] = await Promise.all([
      api.get(item.ref),
      api.apply(item.object, { fieldManager: options.fieldManager, dryRun: true }),
    ]);
  } catch (error: unknown) {
    const message = error instanceof KubeError ? error.message.replace(/^[^:]*: /, '') : errorText(error);
    item.report.action = 'invalid';
    item.report.result = 'rejected by the server-side dry run';
    return {
      file: item.source.file,
      document: item.source.document,
      object: `${item.ref.kind}/${item.ref.name}`,
      message,
    };
  }
  const { live, predicted } = item;
  item.action = !live ? 'create' : sameObject(live, predicted, options.volatileAnnotations) ? 'unchanged' : 'configure';
  item.report.action = item.action;
  item.report.oldImages = live ? imagesOf(live) : [];
  item.report.previousRevision = workloadRevision(live);
  if (item.action !== 'unchanged') {
    ctx.report.diffs.push({
      label: describeRef(item.ref),
      diff: objectDiff(
        live ? redactSecret(live) : undefined,
        redactSecret(predicted),
        `${item.ref.kind}/${item.ref.name}`,
      ),
    });
  }
  return undefined;
}

/** Dry-runs a batch (four at a time); throws ValidationError listing every objection in manifest order. */
export async function dryRunAll(ctx: PhaseContext, batch: readonly Item[]): Promise<void> {
  const found = (await mapLimit(batch, 4, (item) => dryRun(ctx, item))).filter(
    (p): p is ValidationProblem => p !== undefined,
  );
  found.sort((a, b) => a.file.localeCompare(b.file) || a.document - b.document);
  if (found.length > 0) throw new ValidationError(found);
}

export async function validate(ctx: PhaseContext, state: Locked): Promise<Validated> {
  const now = state.items.filter((i) => !i.deferred);
  const deferred = state.items.filter((i) => i.deferred);
  await ctx.phase('Server-side dry run', async () => {
    ctx.mark('server-side dry run');
    try {
      await dryRunAll(ctx, now);
    } catch (error: unknown) {
      if (error instanceof ValidationError) fail(ctx.report, error.message);
      throw error;
    }
    for (const item of now)
      ctx.log(`${describeRef(item.ref)}: ${item.action === 'unchanged' ? 'unchanged' : `would ${item.action}`}`);
    if (deferred.length > 0) {
      ctx.log(
        `${deferred.length} object(s) are validated after their Namespace or CustomResourceDefinition is created: ${deferred.map((i) => describeRef(i.ref)).join(', ')}`,
      );
    }
  });
  if (state.firstWorkload) ctx.report.previousRevision = state.firstWorkload.report.previousRevision ?? '';
  return { ...state, changing: state.items.filter((i) => i.deferred || i.action !== 'unchanged') };
}
