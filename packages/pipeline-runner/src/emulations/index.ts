/**
 * The built-in emulations, one module each. To add one, write
 * emulations/<name>.ts exporting an Emulation and list it here.
 */
import { checkout } from './checkout.js';
import { DOCKER_STEP_EMULATIONS } from './docker-steps.js';
import { downloadArtifact } from './download-artifact.js';
import type { Emulation } from './emulation.js';
import { uploadArtifact } from './upload-artifact.js';

export type { Emulation, EmulationContext, StepFacilities } from './emulation.js';

export const EMULATIONS: readonly Emulation[] = [checkout, uploadArtifact, downloadArtifact, ...DOCKER_STEP_EMULATIONS];

export function findEmulation(uses: string): Emulation | undefined {
  const name = uses.split('@')[0]?.toLowerCase() ?? '';
  return EMULATIONS.find((e) => e.uses === name);
}
