import { describe, expect, it } from '@jest/globals';
import { parseInputs, type Inputs } from '../src/inputs.js';
import { inputReader, recordingReader } from '@pipeline/action-kit/testing';

/** The action.yml defaults, as the runner passes them. */
const defaults: Record<string, string> = {
  'working-directory': '.',
  checks: 'prettier,eslint,typescript,line-length',
  'max-line-length': '80',
  'line-length-include': '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}',
  'only-changed': 'false',
  'base-ref': '',
  'fail-on': 'error',
  cache: 'true',
  'allow-outside-workspace': 'false',
};
const env = { GITHUB_WORKSPACE: '/ws' };

function parse(overrides: Record<string, string> = {}, environment: Record<string, string> = env): Inputs {
  return parseInputs(inputReader({ ...defaults, ...overrides }), environment);
}

describe('quality inputs', () => {
  it('takes the action.yml defaults', () => {
    expect(parse()).toEqual({
      workingDirectory: '/ws',
      workspace: '/ws',
      checks: ['prettier', 'eslint', 'typescript', 'line-length'],
      maxLineLength: 80,
      lineLengthInclude: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
      onlyChanged: false,
      baseRef: 'HEAD~1',
      failOn: 'error',
      cache: true,
      allowOutsideWorkspace: false,
    });
    expect(Object.isFrozen(parse())).toBe(true);
  });

  it('reads each input once', () => {
    const { read, reads } = recordingReader(defaults);
    parseInputs(read, env);
    expect([...reads].sort()).toEqual(Object.keys(defaults).sort());
  });

  it.each([
    [{ 'working-directory': 'packages/api' }, env, { workingDirectory: '/ws/packages/api' }],
    [{ 'working-directory': '' }, env, { workingDirectory: '/ws' }],
    [{ checks: 'eslint, line-length' }, env, { checks: ['eslint', 'line-length'] }],
    [{ checks: 'eslint\nprettier' }, env, { checks: ['eslint', 'prettier'] }],
    [{ 'max-line-length': '120' }, env, { maxLineLength: 120 }],
    [{ 'max-line-length': '' }, env, { maxLineLength: 80 }],
    [{ 'line-length-include': 'src/**/*.ts\n!src/gen/**' }, env, { lineLengthInclude: ['src/**/*.ts', '!src/gen/**'] }],
    [{ 'only-changed': 'true' }, env, { onlyChanged: true }],
    [{}, { ...env, GITHUB_BASE_REF: 'main' }, { baseRef: 'origin/main' }],
    [{ 'base-ref': 'origin/release' }, { ...env, GITHUB_BASE_REF: 'main' }, { baseRef: 'origin/release' }],
    [{ 'fail-on': 'warning' }, env, { failOn: 'warning' }],
    [{ 'fail-on': 'never' }, env, { failOn: 'never' }],
    [{ cache: 'false' }, env, { cache: false }],
    [
      { 'allow-outside-workspace': 'true', 'working-directory': '../elsewhere', 'line-length-include': '/etc/*' },
      env,
      { workingDirectory: '/elsewhere', lineLengthInclude: ['/etc/*'], allowOutsideWorkspace: true },
    ],
  ] as [Record<string, string>, Record<string, string>, Partial<Inputs>][])(
    '%j with %j',
    (overrides, environment, expected) => {
      expect(parse(overrides, environment)).toMatchObject(expected);
    },
  );

  it.each([
    [
      { 'working-directory': '../elsewhere' },
      `Input 'working-directory' has an invalid value "../elsewhere": expected a directory inside the workspace (/ws); set allow-outside-workspace: true to allow paths outside it.`,
    ],
    [
      { 'line-length-include': '/etc/*' },
      `Input 'line-length-include' has an invalid value "/etc/*": expected a glob pattern relative to the workspace (/ws), without .. segments`,
    ],
    [{ 'line-length-include': '/**/*.x' }, `Input 'line-length-include' has an invalid value "/**/*.x"`],
    [{ 'line-length-include': 'src/**\n../../**' }, `Input 'line-length-include' has an invalid value "../../**"`],
    [
      { 'allow-outside-workspace': 'perhaps' },
      `Input 'allow-outside-workspace' has an invalid value "perhaps": expected true or false.`,
    ],
    [{ checks: 'eslint,flake8' }, `Input 'checks' has an invalid value`],
    [
      { checks: ' , ' },
      `Input 'checks' has an invalid value " , ": expected at least one of prettier, eslint, typescript, line-length.`,
    ],
    [
      { 'max-line-length': '0' },
      `Input 'max-line-length' has an invalid value "0": expected a whole number from 1 to 10000.`,
    ],
    [{ 'max-line-length': 'wide' }, `Input 'max-line-length' has an invalid value "wide"`],
    [{ 'only-changed': 'sometimes' }, `Input 'only-changed' has an invalid value "sometimes": expected true or false.`],
    [
      { 'base-ref': '--output=/etc/passwd' },
      `Input 'base-ref' has an invalid value "--output=/etc/passwd": expected a git ref (a branch, tag or commit such as origin/main or HEAD~1), not an option.`,
    ],
    // Issue 13 (fuzz): a 130 KB base-ref was echoed whole in the failure, and one with a line break reached git.
    [
      { 'base-ref': 'r'.repeat(130_000) },
      `Input 'base-ref' has an invalid value "${'r'.repeat(117)}...": expected a git ref (a branch, tag or commit such as origin/main or HEAD~1) of at most 1024 characters (got 130000).`,
    ],
    [
      { 'base-ref': 'main\n::warning::x' },
      `Input 'base-ref' has an invalid value "main\\n::warning::x": expected a git ref (a branch, tag or commit such as origin/main or HEAD~1), without spaces, line breaks or other control characters.`,
    ],
    [{ 'fail-on': 'always' }, `Input 'fail-on' has an invalid value "always": expected one of error, warning, never.`],
    [{ cache: 'maybe' }, `Input 'cache' has an invalid value "maybe": expected true or false.`],
  ])('rejects %j', (overrides, message) => {
    expect(() => parse(overrides)).toThrow(message);
  });

  // Issue 13: about 130 KB gave "TypeError: pattern is too long" from the glob library.
  it('refuses a huge working-directory or glob by name and length', () => {
    expect(() => parse({ 'working-directory': 'x'.repeat(130_000) })).toThrow(
      `Input 'working-directory' has an invalid value "${'x'.repeat(117)}...": expected a directory of at most 4096 characters (got 130000).`,
    );
    expect(() => parse({ 'line-length-include': `**/${'y'.repeat(130_000)}` })).toThrow(
      `Input 'line-length-include' has an invalid value "**/${'y'.repeat(114)}...": expected a glob pattern of at most 4096 characters (got 130003).`,
    );
  });
});
