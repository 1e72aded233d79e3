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
  hasControlCharacters,
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
  const baseRef = parseBaseRef(read('base-ref').trim() || (context.baseRef ? `origin/${context.baseRef}` : 'HEAD~1'));
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

/** Longer than any ref or revision a workflow passes (a ref name's parts are file names, at most 255 bytes each). */
export const MAX_BASE_REF_CHARS = 1024;

/** `base-ref`: one git revision (a branch, tag, commit or `HEAD~1`); git itself says whether it exists. */
export function parseBaseRef(value: string): string {
  const accepted = 'a git ref (a branch, tag or commit such as origin/main or HEAD~1)';
  if (value.startsWith('-')) throw new InputError('base-ref', value, `${accepted}, not an option`);
  if (value.length > MAX_BASE_REF_CHARS)
    throw new InputError(
      'base-ref',
      value,
      `${accepted} of at most ${MAX_BASE_REF_CHARS} characters (got ${value.length})`,
    );
  // git refuses spaces and controls in ref names; on the log they would only make the name unreadable.
  if (/\s/.test(value) || hasControlCharacters(value))
    throw new InputError('base-ref', value, `${accepted}, without spaces, line breaks or other control characters`);
  return value;
}
