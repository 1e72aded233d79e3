/**
 * The entry of the progressive strategies: the checks that must pass
 * before anything changes (target found, Prometheus reachable, every
 * manifest valid in a server-side dry run), the Lease held for the whole
 * run, then canary or blue-green.
 */
import { deploy } from '../deploy.js';
import type { DeployReport } from '../report.js';
import { preflight } from './analyse.js';
import { runBlueGreen } from './blue-green.js';
import { runCanary } from './canary.js';
import { holdLock, openSession, validateAll, type ProgressiveOptions } from './session.js';

export type { ProgressiveOptions } from './session.js';

export async function progressiveDeploy(options: ProgressiveOptions): Promise<DeployReport> {
  // A dry run changes nothing whatever the strategy: validate and show the diff.
  if (options.deploy.dryRun) return deploy(options.deploy);
  const session = openSession(options);
  await preflight(session);
  if (options.inputs.action === 'deploy') await validateAll(session);
  const lock = await holdLock(session);
  try {
    return options.inputs.strategy === 'blue-green' ? await runBlueGreen(session) : await runCanary(session);
  } finally {
    await lock?.release().catch((error: unknown) => session.log(`Could not release the lock Lease: ${String(error)}`));
  }
}
