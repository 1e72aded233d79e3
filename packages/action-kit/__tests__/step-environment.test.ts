/** INPUT_* variables and the step environment, as actions/runner assembles them. */
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import {
  inputEnv,
  inputVariable,
  interpolate,
  stepEnvironment,
  type ActionManifest,
  type FileCommandPaths,
} from '../src/protocol/index.js';
import { simpleEvaluator } from '../src/testing/index.js';

describe('INPUT_* names', () => {
  it.each([
    ['working-directory', 'INPUT_WORKING-DIRECTORY'],
    ['my input', 'INPUT_MY_INPUT'],
    ['fail-on', 'INPUT_FAIL-ON'],
    ['Mixed Case', 'INPUT_MIXED_CASE'],
  ])('%s -> %s', (name, variable) => {
    expect(inputVariable(name)).toBe(variable);
  });
});

describe('inputEnv', () => {
  const manifest: ActionManifest = {
    inputs: {
      level: { default: 'warning' },
      token: { default: '${{ github.token }}' },
      url: { default: 'https://${{ github.server }}/x' },
      retries: { default: 3 },
      strict: { default: false },
      name: { required: true },
      old: { deprecationMessage: 'use level' },
    },
  };
  const calls: string[] = [];
  const evaluate = (template: string, input: string): string => (calls.push(`${input}: ${template}`), `<${template}>`);

  it('fills every declared input: the given value, the default, or an empty string', () => {
    const result = inputEnv(manifest, { LEVEL: 'error', extra: 'x', old: '1' }, evaluate);
    expect(result.env).toEqual({
      INPUT_LEVEL: 'error',
      INPUT_EXTRA: 'x',
      INPUT_OLD: '1',
      INPUT_TOKEN: '<${{ github.token }}>',
      INPUT_URL: '<https://${{ github.server }}/x>',
      INPUT_RETRIES: '3',
      INPUT_STRICT: 'false',
      INPUT_NAME: '',
    });
    expect(calls).toEqual(['token: ${{ github.token }}', 'url: https://${{ github.server }}/x']);
    expect(result.unexpected).toEqual(['extra']);
    expect(result.deprecated).toEqual(["Input 'old' has been deprecated: use level"]);
    expect(result.missingRequired).toEqual(['name']);
  });
});

describe('interpolate and the harness evaluator', () => {
  it('joins literal text and expression results', () => {
    expect(interpolate("pre-${{ a }}-${{ '}}' }}-post", (e) => `[${e}]`)).toBe("pre-[a]-['}}']-post");
    expect(() => interpolate('${{ a', (e) => e)).toThrow(/Unclosed expression/);
  });

  const evaluate = simpleEvaluator({
    github: { repository: 'o/r', token: '' },
    runner: { temp: '/t' },
    env: { MODE: 'fast' },
  });
  it.each([
    ['${{ github.repository }}', 'o/r'],
    ['${{ runner.temp }}/cache', '/t/cache'],
    ["${{ env.MODE || 'slow' }}", 'fast'],
    ["${{ github.token || 'none' }}", 'none'],
    ["${{ env.MISSING && 'x' }}", ''],
    ['${{ github.no_such_key }}', ''],
    ["${{ 'it''s' }}", "it's"],
    ['${{ 3 }}', '3'],
    ['${{ GitHub.Repository }}', 'o/r'],
  ])('%s -> %j', (template, expected) => {
    expect(evaluate(template, 'x')).toBe(expected);
  });

  it('names the input when it cannot evaluate an expression', () => {
    expect(() => evaluate("${{ format('{0}', 1) }}", 'greeting')).toThrow(
      /The default of input 'greeting' uses \$\{\{ format/,
    );
  });
});

describe('stepEnvironment', () => {
  const files: FileCommandPaths = {
    GITHUB_OUTPUT: '/f/output',
    GITHUB_ENV: '/f/env',
    GITHUB_PATH: '/f/path',
    GITHUB_STATE: '/f/state',
    GITHUB_STEP_SUMMARY: '/f/summary',
  };
  const base = {
    github: { repository: 'o/r', token: 'ghs_secret', ref_protected: false, event: { a: 1 } },
    runner: { os: 'Linux', temp: '/t' },
    files,
  };

  it('layers the runner environment, env context, state, inputs, PATH, contexts, GITHUB_ACTIONS and CI', () => {
    const env = stepEnvironment({
      ...base,
      inherited: { PATH: '/usr/bin', HOME: '/home/r', KEEP: 'runner', GITHUB_ACTIONS: 'false', UNSET: undefined },
      env: { KEEP: 'step', GITHUB_REPOSITORY: 'spoofed' },
      state: { pid: '42' },
      inputs: { INPUT_LEVEL: 'error' },
      prependPath: ['/a', '/b'],
    });
    expect(env).toEqual({
      PATH: ['/b', '/a', '/usr/bin'].join(path.delimiter),
      HOME: '/home/r',
      KEEP: 'step',
      STATE_pid: '42',
      INPUT_LEVEL: 'error',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_REF_PROTECTED: 'false',
      GITHUB_OUTPUT: '/f/output',
      GITHUB_ENV: '/f/env',
      GITHUB_PATH: '/f/path',
      GITHUB_STATE: '/f/state',
      GITHUB_STEP_SUMMARY: '/f/summary',
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: '/t',
      GITHUB_ACTIONS: 'true',
      CI: 'true',
    });
  });

  it('keeps a CI value that is set already, and never exports github.token', () => {
    const env = stepEnvironment({ ...base, env: { CI: 'false' } });
    expect(env['CI']).toBe('false');
    expect(Object.values(env)).not.toContain('ghs_secret');
  });
});
