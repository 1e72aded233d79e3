/** The shape of a built-in emulation: a GitHub action the local run performs itself. */
import type { SecretMasker } from '@pipeline/action-kit/protocol';
import type { Json } from '../expressions.js';
import type { LibraryFacts, StepExecution } from '../run-state.js';
import type { DockerEnv, ImageMapping } from './docker/types.js';

/** What an emulation that runs local tools gets from the step: environment, limits, log and masking. */
export interface StepFacilities {
  /** The step's env: (workflow, job and step levels, with earlier GITHUB_ENV exports). */
  env: Record<string, string>;
  /** What a child process gets: the runner's inherited variables (PATH, HOME...) plus env. */
  processEnv: Record<string, string>;
  /** A directory for the step's temporary files (RUNNER_TEMP). */
  tempDir: string;
  timeoutMs: number;
  masker: SecretMasker;
  /** Appends an (already masked) output line to the job log. */
  logLine: (line: string) => void;
  /** The project's container tooling, when it is up. */
  docker?: { env: DockerEnv; vars: Record<string, string> };
  /** The commit's date ({{commit_date}} of metadata-action). */
  commitDate?: Date;
  /** Images the step pushed under a local name instead of the workflow's. */
  onMappings: (mappings: ImageMapping[]) => void;
}

export interface EmulationContext {
  workspace: string;
  /** Where this run keeps uploaded artifacts. */
  artifacts: string;
  library: LibraryFacts;
  github: Record<string, Json>;
  jobContext: Record<string, Json>;
  step: StepFacilities;
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
