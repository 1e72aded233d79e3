import type { Exec } from '@pipeline/action-kit';

/** What every check gets; I/O goes through `exec` so logic can be tested with fakes. */
export interface CheckContext {
  workingDirectory: string;
  workspace: string;
  exec: Exec;
  /** Files (relative to workingDirectory) to check; undefined means the whole project. */
  files: readonly string[] | undefined;
  /** Directory for tool caches, or undefined when caching is off. */
  cacheDir: string | undefined;
}
