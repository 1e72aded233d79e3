/**
 * How a deploy that did not fail ends: a dry run, nothing to change, or
 * deployed. Each settles the statuses and revisions in the report.
 */
import { isWorkload } from '../objects.js';
import type { DeployReport } from '../report.js';
import { workloadRevision } from '../rollout.js';
import type { Applied, PhaseContext, Validated } from './context.js';

export function dryRunDone(ctx: PhaseContext, state: Validated): DeployReport {
  const { report } = ctx;
  report.status = 'unchanged';
  for (const item of state.items)
    item.report.result = item.deferred
      ? 'validated at apply time'
      : item.action === 'unchanged'
        ? 'unchanged'
        : `would ${item.action}`;
  report.revision = report.previousRevision;
  return report;
}

export function nothingToChange(ctx: PhaseContext, state: Validated): DeployReport {
  const { report } = ctx;
  report.status = 'unchanged';
  for (const item of state.items) {
    item.report.result = 'unchanged';
    item.report.revision = item.report.previousRevision ?? '';
  }
  report.revision = report.previousRevision;
  ctx.log('Every object already matches its manifest: nothing to apply.');
  return report;
}

export async function deployed(ctx: PhaseContext, state: Applied): Promise<DeployReport> {
  const { report } = ctx;
  report.status = 'deployed';
  for (const item of state.items) {
    if (!isWorkload(item.ref) || item.report.revision) continue;
    // Unchanged workloads keep their revision; without a wait, read the revision the controller assigned so far.
    item.report.revision = item.applied
      ? workloadRevision(await ctx.api.get(item.ref).catch(() => item.applied))
      : (item.report.previousRevision ?? '');
  }
  report.revision = state.firstWorkload?.report.revision ?? '';
  return report;
}
