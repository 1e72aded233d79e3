/**
 * Shared shapes of the docker/* action emulations: what the runner hands in
 * (the step's `with:` values, the GitHub context, the local container tooling)
 * and what comes back (status, the real action's outputs, values to mask).
 */

export type EmulationStatus = 'success' | 'failure' | 'skipped';

export interface EmulationOutcome {
  status: EmulationStatus;
  /** Why the step failed or was skipped (already safe to print: no secret values). */
  reason?: string;
  /** The real action's outputs, by the real action's output names. */
  outputs: Record<string, string>;
  /** Values the runner must add to its masker before printing anything of this step. */
  masks?: string[];
  /** What was emulated or substituted, e.g. "emulated: pushed to the local registry". */
  notes?: string[];
  /** Warnings the real action would print as `::warning::`. */
  warnings?: string[];
  /** Variables the real action exports with GITHUB_ENV. */
  env?: Record<string, string>;
  /** Image mappings the report lists (external name → local name). */
  mappings?: ImageMapping[];
  /** The real action's post step (logout, cache move), to run at the end of the job. */
  post?: (io: EmulationIO) => Promise<EmulationOutcome>;
}

export interface ImageMapping {
  from: string;
  to: string;
}

export interface ExecOptions {
  /** Written to the child's stdin, then closed (passwords go here, never into argv). */
  stdin?: string;
  /** Extra environment on top of the runner's step environment. */
  env?: Record<string, string>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The emulations' only way out of the process: argument arrays and plain files. */
export interface EmulationIO {
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** The file's text, or undefined when it does not exist. */
  readFile(file: string): Promise<string | undefined>;
  exists(file: string): Promise<boolean>;
  /** Creates parent directories; mode 0600 for secrets. */
  writeFile(file: string, content: string, mode?: number): Promise<void>;
  remove(file: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** A fresh, empty directory under the step's RUNNER_TEMP. */
  makeTempDir(prefix: string): Promise<string>;
}

/** docker/metadata-action's view of the repository (its GitHub API `repos.get` call). */
export interface RepoData {
  name: string;
  description: string;
  htmlUrl: string;
  /** SPDX id of the licence, '' when none. */
  license: string;
  defaultBranch: string;
}

/** The parts of the workflow's `github` context the docker actions read. */
export interface GitHubContext {
  eventName: string;
  ref: string;
  sha: string;
  /** owner/name */
  repository: string;
  serverUrl: string;
  runId: string;
  runAttempt: string;
  /** The event payload (`github.event`). */
  payload: Record<string, unknown>;
  repo: RepoData;
  /** The commit's date, for {{commit_date}}; the action falls back to now. */
  commitDate?: Date;
  /** The moment the step runs (the `created` label, {{date}}). */
  now: Date;
}

/** The project's container tooling (branch `containers`): absent when it is not up. */
export interface DockerEnv {
  /** The local registry, host:port on loopback. */
  registry: string;
  /** The buildx builder to use (what BUILDX_BUILDER names). */
  builder: string;
  /** Where `type=gha` caches live locally, one directory per scope. */
  cacheDir: string;
  /** The docker CLI (argv[0]); `docker buildx` is its plugin under the project's DOCKER_CONFIG. */
  dockerCommand: string;
  /** The host's architecture as Go spells it (amd64, arm64). */
  hostArch: string;
  /** binfmt_misc mount point (default /proc/sys/fs/binfmt_misc). */
  binfmtDir: string;
  /** Base images the engine and builder resolve to local stand-ins (e.g. docker.io/library/node:24-bookworm-slim). */
  standInImages: string[];
  /** Registry hosts whose images and logins go to the local registry; undefined or ['*']: every host. */
  redirectHosts?: string[];
}

export interface EmulationContext {
  github: GitHubContext;
  /** The step's environment (env: of workflow, job and step). */
  env: Record<string, string>;
  /** The job's workspace: relative paths in inputs resolve here. */
  workspace: string;
  docker?: DockerEnv;
}

/** Inputs as the runner evaluated them: the step's `with:` map plus action.yml defaults. */
export type StepInputs = Record<string, string>;

export type Emulation = (inputs: StepInputs, context: EmulationContext, io: EmulationIO) => Promise<EmulationOutcome>;

/** An input error: the message names the input, the value and what is accepted. */
export class InputError extends Error {
  override name = 'InputError';
}

export function failure(reason: string, extra: Partial<EmulationOutcome> = {}): EmulationOutcome {
  return { outputs: {}, ...extra, status: 'failure', reason };
}

export function skipped(reason: string, extra: Partial<EmulationOutcome> = {}): EmulationOutcome {
  return { outputs: {}, ...extra, status: 'skipped', reason };
}

/** The reason text when the container tooling is not up. */
export const NO_ENGINE =
  'needs the project container engine, builder and registry (npm run containers:up): not running';
