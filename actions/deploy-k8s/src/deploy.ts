/**
 * The deploy as a list of phases, each a module under phases/ that takes the
 * state the previous one returned. Talks to the cluster only through
 * KubeApi, so it runs the same against a fake in tests and the real API
 * server in the end-to-end tests.
 */
import { phaseContext, type DeployOptions } from './phases/context.js';
import { apply } from './phases/apply.js';
import { backup } from './phases/backup.js';
import { lock } from './phases/lock.js';
import { deployed, dryRunDone, nothingToChange } from './phases/outcome.js';
import { prepare } from './phases/prepare.js';
import { rollback } from './phases/rollback.js';
import { validate } from './phases/validate.js';
import { watch } from './phases/watch.js';
import type { DeployReport } from './report.js';

export type { DeployOptions } from './phases/context.js';
export { DeployError, type DeployReport } from './report.js';

/** Resolves with the report when the deploy succeeded; otherwise throws a DeployError carrying it. */
export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const ctx = phaseContext(options);
  const prepared = await prepare(ctx);
  try {
    const validated = await validate(ctx, await lock(ctx, prepared));
    if (options.dryRun) return dryRunDone(ctx, validated);
    if (validated.changing.length === 0) return nothingToChange(ctx, validated);
    const applied = await watch(ctx, await apply(ctx, await backup(ctx, validated)));
    if (!applied.failure) return await deployed(ctx, applied);
    return await rollback(ctx, applied);
  } finally {
    await ctx.cleanup.run();
  }
}
