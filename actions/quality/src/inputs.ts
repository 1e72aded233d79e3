import path from 'node:path';
import * as core from '@actions/core';
import {
  parseBoolean,
  parseEnum,
  parseEnumList,
  parseInteger,
  parseList,
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
}

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);

/** Every input, read once and validated; `env` gives the workspace and, on pull requests, the base branch. */
export function parseInputs(read: ReadInput, env: RunEnv): Inputs {
  const context = runContext(env);
  const workspace = context.workspace;
  const rawDirectory = read('working-directory') || '.';
  const workingDirectory = path.resolve(workspace, rawDirectory);
  if (path.relative(workspace, workingDirectory).startsWith('..')) {
    throw new InputError('working-directory', rawDirectory, 'a directory inside the workspace');
  }
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
    lineLengthInclude: Object.freeze(parseList('line-length-include', read('line-length-include'))),
    onlyChanged: parseBoolean('only-changed', read('only-changed'), false),
    baseRef,
    failOn: parseEnum('fail-on', read('fail-on'), FAIL_ON, 'error'),
    cache: parseBoolean('cache', read('cache'), true),
  });
}
