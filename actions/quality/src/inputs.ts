import path from 'node:path';
import * as core from '@actions/core';
import { parseBoolean, parseEnum, parseEnumList, parseInteger, parseList, InputError } from '@pipeline/action-kit';

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

export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const workspace = path.resolve(env['GITHUB_WORKSPACE'] ?? process.cwd());
  const rawDirectory = core.getInput('working-directory') || '.';
  const workingDirectory = path.resolve(workspace, rawDirectory);
  if (path.relative(workspace, workingDirectory).startsWith('..')) {
    throw new InputError('working-directory', rawDirectory, 'a directory inside the workspace');
  }
  const checks = parseEnumList('checks', core.getInput('checks'), CHECKS);
  if (checks.length === 0) throw new InputError('checks', core.getInput('checks'), `at least one of ${CHECKS.join(', ')}`);
  const onlyChanged = parseBoolean('only-changed', core.getInput('only-changed'), false);
  const baseRef = core.getInput('base-ref').trim() || defaultBaseRef(env);
  if (baseRef.startsWith('-')) throw new InputError('base-ref', baseRef, 'a git ref (a branch, tag or commit), not an option');
  return Object.freeze({
    workingDirectory,
    workspace,
    checks: Object.freeze(checks),
    maxLineLength: parseInteger('max-line-length', core.getInput('max-line-length'), { min: 1, max: 10_000 }, 80),
    lineLengthInclude: Object.freeze(parseList('line-length-include', core.getInput('line-length-include'))),
    onlyChanged,
    baseRef,
    failOn: parseEnum('fail-on', core.getInput('fail-on'), FAIL_ON, 'error'),
    cache: parseBoolean('cache', core.getInput('cache'), true),
  });
}

function defaultBaseRef(env: NodeJS.ProcessEnv): string {
  const base = env['GITHUB_BASE_REF'];
  return base ? `origin/${base}` : 'HEAD~1';
}
