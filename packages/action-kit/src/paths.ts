/**
 * Path and glob inputs, confined to the workspace. A pull request controls
 * what is committed (a checks file, a symlink, a manifests glob), so a path
 * input reads or writes inside GITHUB_WORKSPACE only, unless the workflow
 * says otherwise with the action's `allow-outside-workspace` input. The
 * check follows symlinks of what exists, so a committed link to /etc or
 * /proc/self/environ is refused like the path itself.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';
import { hasControlCharacters } from './untrusted.js';

/** Longer than any real path (PATH_MAX is 4096) or glob; beyond it glob libraries fail with "pattern is too long". */
export const MAX_PATH_CHARS = 4096;
/** The opt-out input every action with path inputs declares. */
export const OUTSIDE_WORKSPACE_INPUT = 'allow-outside-workspace';

export interface PathOptions {
  /** GITHUB_WORKSPACE (absolute). Relative values resolve against it. */
  workspace: string;
  /** The opt-out: any path is accepted (still length-checked). */
  allowOutside?: boolean;
  /** What the value should be, for the error: "a checks file". */
  what?: string;
  /** Other trusted roots a path may lie in (RUNNER_TEMP for a file the action writes). */
  alsoInside?: readonly string[];
}

function realOrSelf(file: string): string {
  // The deepest existing ancestor decides (a file not written yet has none of its own).
  let current = file;
  for (;;) {
    try {
      return path.join(realpathSync(current), path.relative(current, file));
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return file;
      current = parent;
    }
  }
}

export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

function outsideError(name: string, raw: string, options: PathOptions): InputError {
  return new InputError(
    name,
    raw,
    `${options.what ?? 'a path'} inside the workspace (${options.workspace})${(options.alsoInside ?? []).map((root) => ` or ${root}`).join('')}; set ${OUTSIDE_WORKSPACE_INPUT}: true to allow paths outside it`,
  );
}

function checkLength(name: string, raw: string, what: string): void {
  if (raw.length > MAX_PATH_CHARS) {
    throw new InputError(name, raw, `${what} of at most ${MAX_PATH_CHARS} characters (got ${raw.length})`);
  }
  if (hasControlCharacters(raw)) {
    throw new InputError(name, raw, `${what} without line breaks or other control characters`);
  }
}

/** An absolute path for a path input, inside the workspace (symlinks followed) unless allowOutside. */
export function parsePath(name: string, raw: string, options: PathOptions): string {
  const value = raw.trim();
  const what = options.what ?? 'a path';
  checkLength(name, value, what);
  const resolved = path.resolve(options.workspace, value);
  if (options.allowOutside) return resolved;
  const real = realOrSelf(resolved);
  const within = (root: string): boolean =>
    isInside(path.resolve(root), resolved) && isInside(realOrSelf(path.resolve(root)), real);
  if (![options.workspace, ...(options.alsoInside ?? [])].some(within)) throw outsideError(name, value, options);
  return resolved;
}

/**
 * A glob pattern (a leading `!` excludes) for a glob input: relative to the
 * workspace and without `..` segments unless allowOutside, so `/**\/*.x` or
 * `../../**` cannot walk the whole file system.
 */
export function parseGlob(name: string, raw: string, options: PathOptions): string {
  const value = raw.trim();
  const what = options.what ?? 'a glob pattern';
  checkLength(name, value, what);
  if (options.allowOutside) return value;
  const pattern = value.replace(/^!/, '');
  const workspace = path.resolve(options.workspace);
  let inside = !pattern.split(/[\\/]/).includes('..') && !/^[a-z]:/i.test(pattern);
  if (inside && path.isAbsolute(pattern)) {
    // The fixed part before the first wildcard must be a directory inside the workspace.
    const wildcard = pattern.search(/[*?[{]/);
    const fixed = wildcard < 0 ? pattern : pattern.slice(0, wildcard);
    inside = isInside(workspace, path.resolve(fixed.endsWith('/') ? fixed : path.dirname(fixed)));
  }
  if (!inside) {
    throw new InputError(
      name,
      value,
      `${what} relative to the workspace (${options.workspace}), without .. segments; set ${OUTSIDE_WORKSPACE_INPUT}: true to allow patterns outside it`,
    );
  }
  return value;
}
