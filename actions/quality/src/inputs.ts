import * as core from '@actions/core';
import {
  parseBoolean,
  parseEnum,
  parseEnumList,
  parseInteger,
  parseGlob,
  parseList,
  parsePath,
  runContext,
  InputError,
  type ReadInput,
  type RunEnv,
} from '@pipeline/action-kit';

export const CHECKS = ['prettier', 'eslint', 'typescript', 'line-length'] as const;
export type CheckName = (typeof CHECKS)[number];
export const FAIL_ON = ['error', 'warning', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface Inputs {
  /** Absolute path of the project to check. */
  readonly workingDirectory: string;
  /** Absolute path of the workspace (the repository root on the runner). */
  readonly workspace: string;
  readonly checks: readonly CheckName[];
  readonly maxLineLength: number;
  readonly lineLengthInclude: readonly string[];
  readonly onlyChanged: boolean;
  readonly baseRef: string;
  readonly failOn: FailOn;
  readonly cache: boolean;
  /** allow-outside-workspace: working-directory and the globs may point outside the workspace. */
  readonly allowOutsideWorkspace: boolean;
}

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);

/** Every input, read once and validated; `env` gives the workspace and, on pull requests, the base branch. */
export function parseInputs(read: ReadInput, env: RunEnv): Inputs {
  const context = runContext(env);
  const workspace = context.workspace;
  const allowOutside = parseBoolean('allow-outside-workspace', read('allow-outside-workspace'), false);
  const workingDirectory = parsePath('working-directory', read('working-directory') || '.', {
    workspace,
    allowOutside,
    what: 'a directory',
  });
  const rawChecks = read('checks');
  const checks = parseEnumList('checks', rawChecks, CHECKS);
  if (checks.length === 0) throw new InputError('checks', rawChecks, `at least one of ${CHECKS.join(', ')}`);
  const baseRef = read('base-ref').trim() || (context.baseRef ? `origin/${context.baseRef}` : 'HEAD~1');
  if (baseRef.startsWith('-'))
    throw new InputError('base-ref', baseRef, 'a git ref (a branch, tag or commit), not an option');
  return Object.freeze({
    workingDirectory,
    workspace,
    checks: Object.freeze(checks),
    maxLineLength: parseInteger('max-line-length', read('max-line-length'), { min: 1, max: 10_000 }, 80),
    lineLengthInclude: Object.freeze(
      parseList('line-length-include', read('line-length-include')).map((glob) =>
        parseGlob('line-length-include', glob, { workspace: workingDirectory, allowOutside }),
      ),
    ),
    onlyChanged: parseBoolean('only-changed', read('only-changed'), false),
    baseRef,
    failOn: parseEnum('fail-on', read('fail-on'), FAIL_ON, 'error'),
    cache: parseBoolean('cache', read('cache'), true),
    allowOutsideWorkspace: allowOutside,
  });
}
