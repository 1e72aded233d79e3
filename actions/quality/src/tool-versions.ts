/**
 * The repository's own Prettier and ESLint run at the versions it pins, and
 * older ones lack command-line options the checks use (Prettier 1 ignores
 * `--cache` and does not expand `.`; ESLint 6 refuses
 * `--no-error-on-unmatched-pattern`). The checks ask these tables which
 * options the installed version has. An unknown version counts as current.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** `1.18.2`, `v8.57.0`, `9.0.0-rc.1` → [major, minor, patch]; anything else → undefined. */
export function parseVersion(version: string | undefined): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version?.trim() ?? '');
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** The version is `min` or later; an unknown version is taken as current. */
export function atLeast(version: string | undefined, min: string): boolean {
  const have = parseVersion(version);
  const want = parseVersion(min);
  if (!have || !want) return true;
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return (have[i] as number) > (want[i] as number);
  return true;
}

export interface PrettierFeatures {
  /** `--no-error-on-unmatched-pattern` (2.0). */
  unmatchedPatternOption: boolean;
  /** A directory argument (`.`) is expanded to its files (2.0); before, only globs are. */
  expandsDirectories: boolean;
  /** `--ignore-unknown` (2.1). */
  ignoreUnknown: boolean;
  /** `--cache`, `--cache-strategy`, `--cache-location` (2.7). */
  cache: boolean;
}

export const prettierFeatures = (version: string | undefined): PrettierFeatures => ({
  unmatchedPatternOption: atLeast(version, '2.0.0'),
  expandsDirectories: atLeast(version, '2.0.0'),
  ignoreUnknown: atLeast(version, '2.1.0'),
  cache: atLeast(version, '2.7.0'),
});

export interface EslintFeatures {
  /** `--no-error-on-unmatched-pattern` (6.8). */
  unmatchedPatternOption: boolean;
  /** `--cache-strategy` (7.21); `--cache` and `--cache-location` are older. */
  cacheStrategy: boolean;
  /** `--no-warn-ignored` (8.51). */
  warnIgnoredOption: boolean;
  /** eslintrc (before 9): `eslint .` lints only .js files unless `--ext` names more. */
  needsExtensions: boolean;
}

export const eslintFeatures = (version: string | undefined): EslintFeatures => ({
  unmatchedPatternOption: atLeast(version, '6.8.0'),
  cacheStrategy: atLeast(version, '7.21.0'),
  warnIgnoredOption: atLeast(version, '8.51.0'),
  needsExtensions: !atLeast(version, '9.0.0'),
});

/** What Prettier before 2.1 is given instead of `--ignore-unknown` and a directory: the languages it formats. */
export const PRETTIER_1_EXTENSIONS = [
  'js',
  'jsx',
  'mjs',
  'cjs',
  'ts',
  'tsx',
  'json',
  'css',
  'scss',
  'less',
  'graphql',
  'gql',
  'md',
  'markdown',
  'yaml',
  'yml',
  'vue',
  'html',
];

/** ESLint before 9 lints these with `--ext` (its default is .js only). */
export const ESLINT_EXTENSIONS = '.js,.jsx,.mjs,.cjs,.ts,.tsx,.mts,.cts';

/** The version in the package.json of the package the bin link points into (node_modules/<name>/...). */
export function packageVersion(binPath: string, packageName: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(realpathSync(binPath));
  } catch {
    return undefined;
  }
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (manifest.name === packageName && typeof manifest.version === 'string') return manifest.version;
      } catch {
        // not JSON: keep looking further up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
