/** actions/upload-artifact: copies the paths into this run's artifacts directory, with if-no-files-found. */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { exists } from '../files.js';
import type { StepExecution } from '../run-state.js';
import { lines } from './emulation.js';
import type { Emulation, EmulationContext } from './emulation.js';

async function run(ctx: EmulationContext, withValues: Record<string, string>): Promise<StepExecution> {
  const name = withValues['name'] || 'artifact';
  const destination = path.join(ctx.artifacts, name);
  const sources = lines(withValues['path']);
  let copied = 0;
  for (const source of sources) {
    const from = path.resolve(ctx.workspace, source);
    if (!(await exists(from))) continue;
    await cp(from, path.join(destination, path.basename(from)), { recursive: true });
    copied++;
  }
  if (copied === 0) {
    const policy = withValues['if-no-files-found'] || 'warn';
    if (policy === 'error') throw new Error(`upload-artifact '${name}': no files found at ${sources.join(', ')}`);
    return { kind: 'emulated', reason: `emulated: no files at ${sources.join(', ')} (if-no-files-found: ${policy})` };
  }
  return { kind: 'emulated', reason: `emulated: stored locally as ${path.relative(process.cwd(), destination)}` };
}

export const uploadArtifact: Emulation = { uses: 'actions/upload-artifact', run };
