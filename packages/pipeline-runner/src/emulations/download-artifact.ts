/** actions/download-artifact: copies an artifact this run uploaded into the workspace. */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { exists } from '../files.js';
import type { StepExecution } from '../run-state.js';
import type { Emulation, EmulationContext } from './emulation.js';

async function run(ctx: EmulationContext, withValues: Record<string, string>): Promise<StepExecution> {
  const name = withValues['name'] || 'artifact';
  const from = path.join(ctx.artifacts, name);
  if (!(await exists(from))) throw new Error(`download-artifact: no artifact '${name}' was uploaded in this run`);
  const to = path.resolve(ctx.workspace, withValues['path'] || '.');
  await cp(from, to, { recursive: true });
  return {
    kind: 'emulated',
    reason: `emulated: copied local artifact '${name}' to ${path.relative(ctx.workspace, to)}`,
  };
}

export const downloadArtifact: Emulation = { uses: 'actions/download-artifact', run };
