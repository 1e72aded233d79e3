/** The shape of a built-in emulation: a GitHub action the local run performs itself. */
import type { Json } from '../expressions.js';
import type { LibraryFacts, StepExecution } from '../run-state.js';

export interface EmulationContext {
  workspace: string;
  /** Where this run keeps uploaded artifacts. */
  artifacts: string;
  library: LibraryFacts;
  github: Record<string, Json>;
  jobContext: Record<string, Json>;
}

export interface Emulation {
  /** The action it stands in for, as `owner/name` (any ref). */
  uses: string;
  run(ctx: EmulationContext, withValues: Record<string, string>): Promise<StepExecution>;
}

export function lines(value: string | undefined): string[] {
  return (value ?? '')
    .split('\n')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
