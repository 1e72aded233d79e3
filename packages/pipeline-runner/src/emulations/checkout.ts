/**
 * actions/checkout: the repository itself is already the workspace copy; the
 * pipeline library at the run's resolved commit is materialised from the
 * local checkout (git archive), with the sparse-checkout patterns.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { stringValue } from '../expressions.js';
import { materializeLibrary } from '../local.js';
import type { StepExecution } from '../run-state.js';
import { lines } from './emulation.js';
import type { Emulation, EmulationContext } from './emulation.js';

async function run(ctx: EmulationContext, withValues: Record<string, string>): Promise<StepExecution> {
  const repository = withValues['repository'] ?? '';
  const library = stringValue(ctx.jobContext['workflow_repository'] ?? null);
  if (repository === '' || (repository === ctx.github['repository'] && repository !== library)) {
    return {
      kind: 'skipped',
      reason: 'needs GitHub: the workspace already is a copy of the local repository',
      replaceable: true,
    };
  }
  if (repository !== library)
    return { kind: 'skipped', reason: `needs GitHub to clone ${repository}`, replaceable: false };
  const target = path.resolve(ctx.workspace, withValues['path'] || '.');
  if (!target.startsWith(ctx.workspace)) throw new Error(`checkout path '${withValues['path']}' leaves the workspace`);
  const ref = withValues['ref'] ?? '';
  const commit = ctx.library.commit;
  if (commit !== undefined && ref !== commit)
    throw new Error(`checkout of ${repository} asks for ref '${ref}', but this run resolved the workflow to ${commit}`);
  const patterns = lines(withValues['sparse-checkout']);
  await rm(target, { recursive: true, force: true });
  await materializeLibrary(ctx.library.sourceDir, commit, patterns.length ? patterns : ['actions'], target);
  const where = commit === undefined ? 'working tree' : `commit ${commit.slice(0, 12)}`;
  const sha = stringValue(ctx.jobContext['workflow_sha'] ?? null).slice(0, 12);
  return {
    kind: 'emulated',
    reason: `emulated: ${repository}@${sha} (${where}) → ${path.relative(ctx.workspace, target)}/ (${patterns.join(', ') || 'actions'})`,
  };
}

export const checkout: Emulation = { uses: 'actions/checkout', run };
