/**
 * Tool caches (ESLint, Prettier, tsc incremental info) kept between runs with
 * the Actions cache. @actions/cache is large, so it is imported only when the
 * cache service is actually there.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { describeError, type RunContext } from '@pipeline/action-kit';

const KEY_FILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  '.eslintrc.json',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.prettierrc',
  '.prettierrc.json',
  '.prettierrc.yaml',
  '.prettierrc.js',
  'prettier.config.js',
  'prettier.config.mjs',
  'tsconfig.json',
];

/** Hash of the lockfile and tool configuration found in `dirs` (first occurrence of each file name wins). */
export function configHash(dirs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const name of KEY_FILES) {
    const file = dirs.map((dir) => path.join(dir, name)).find((candidate) => existsSync(candidate));
    if (file) hash.update(name).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

export interface CacheKeys {
  primary: string;
  restore: string[];
  save: string;
}

export function cacheKeys(hash: string, run: Pick<RunContext, 'runId' | 'runAttempt' | 'runnerOs'>): CacheKeys {
  const prefix = `pipeline-quality-v1-${run.runnerOs ?? 'local'}`;
  const primary = `${prefix}-${hash}`;
  // Each run saves under a unique key so caches keep improving; restores match the newest by prefix.
  return {
    primary,
    restore: [`${primary}-`, `${prefix}-`],
    save: `${primary}-${run.runId ?? '0'}-${run.runAttempt ?? 1}`,
  };
}

export interface CacheSession {
  restored: string | undefined;
  save(): Promise<void>;
}

export async function restoreToolCache(cacheDir: string, keys: CacheKeys): Promise<CacheSession> {
  const none: CacheSession = { restored: undefined, save: async () => undefined };
  try {
    const cache = await import('@actions/cache');
    if (!cache.isFeatureAvailable()) {
      core.info('The Actions cache service is not available here; tool caches start empty and are not saved.');
      return none;
    }
    const restored = await cache.restoreCache([cacheDir], keys.primary, keys.restore);
    core.info(restored ? `Restored tool caches from ${restored}.` : 'No tool cache found; starting cold.');
    return {
      restored,
      save: async () => {
        try {
          await cache.saveCache([cacheDir], keys.save);
          core.info(`Saved tool caches as ${keys.save}.`);
        } catch (error: unknown) {
          core.warning(`Could not save tool caches: ${describeError(error)}`);
        }
      },
    };
  } catch (error: unknown) {
    core.warning(`Could not restore tool caches: ${describeError(error)}`);
    return none;
  }
}
