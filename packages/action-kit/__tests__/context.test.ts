import { describe, expect, it } from '@jest/globals';
import { tmpdir } from 'node:os';
import { runContext } from '../src/index.js';
import type { RunContext } from '../src/index.js';

const github = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'o/r',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '1',
};

describe('runContext', () => {
  it.each([
    ['the first attempt keeps /attempts/1', github, 'https://github.com/o/r/actions/runs/42/attempts/1'],
    ['a re-run', { ...github, GITHUB_RUN_ATTEMPT: '3' }, 'https://github.com/o/r/actions/runs/42/attempts/3'],
    [
      'GitHub Enterprise, trailing slash',
      { ...github, GITHUB_SERVER_URL: 'https://ghe.example/' },
      'https://ghe.example/o/r/actions/runs/42/attempts/1',
    ],
    ['no attempt known', { ...github, GITHUB_RUN_ATTEMPT: '' }, 'https://github.com/o/r/actions/runs/42'],
    ['a malformed attempt', { ...github, GITHUB_RUN_ATTEMPT: '0' }, 'https://github.com/o/r/actions/runs/42'],
    [
      'no server: github.com',
      { ...github, GITHUB_SERVER_URL: undefined },
      'https://github.com/o/r/actions/runs/42/attempts/1',
    ],
    ['no run id', { ...github, GITHUB_RUN_ID: '' }, undefined],
    ['no repository', { ...github, GITHUB_REPOSITORY: undefined }, undefined],
    [
      'odd characters are encoded',
      { ...github, GITHUB_REPOSITORY: 'o/r x', GITHUB_RUN_ID: '4 2' },
      'https://github.com/o/r%20x/actions/runs/4%202/attempts/1',
    ],
  ] as [string, Record<string, string | undefined>, string | undefined][])('run URL: %s', (_what, env, url) => {
    expect(runContext(env, '/w').runUrl).toBe(url);
  });

  it.each([
    ['set', { RUNNER_TEMP: '/runner/_temp', GITHUB_WORKSPACE: '/runner/work/r' }, '/runner/_temp', '/runner/work/r'],
    ['empty means unset', { RUNNER_TEMP: ' ', GITHUB_WORKSPACE: '' }, tmpdir(), '/cwd'],
    ['unset', {}, tmpdir(), '/cwd'],
    [
      'relative values resolve against the working directory',
      { RUNNER_TEMP: 'tmp', GITHUB_WORKSPACE: 'ws' },
      '/cwd/tmp',
      '/cwd/ws',
    ],
  ] as [string, Record<string, string>, string, string][])(
    'RUNNER_TEMP and GITHUB_WORKSPACE: %s',
    (_what, env, runnerTemp, workspace) => {
      const context = runContext(env, '/cwd');
      expect(context.runnerTemp).toBe(runnerTemp);
      expect(context.workspace).toBe(workspace);
    },
  );

  it.each([
    [
      'a pull request names its head branch',
      { GITHUB_HEAD_REF: 'feature/x', GITHUB_REF_NAME: '12/merge', GITHUB_REF: 'refs/pull/12/merge' },
      'feature/x',
    ],
    ['a push names the ref name', { GITHUB_REF_NAME: 'main', GITHUB_REF: 'refs/heads/main' }, 'main'],
    ['only GITHUB_REF', { GITHUB_REF: 'refs/tags/v1.2.0' }, 'v1.2.0'],
    ['nothing', {}, undefined],
  ] as [string, Record<string, string>, string | undefined][])('branch: %s', (_what, env, branch) => {
    expect(runContext(env, '/cwd').branch).toBe(branch);
  });

  it('reads every other variable once, empty as unset', () => {
    const env = {
      ...github,
      GITHUB_SHA: 'abc123',
      GITHUB_BASE_REF: 'main',
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKFLOW: 'CI',
      GITHUB_JOB: 'build',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      RUNNER_TEMP: '/t',
      RUNNER_OS: 'Linux',
      GITHUB_WORKSPACE: '/w',
    };
    const expected: RunContext = {
      workspace: '/w',
      runnerTemp: '/t',
      serverUrl: 'https://github.com',
      repository: 'o/r',
      repositoryUrl: 'https://github.com/o/r',
      sha: 'abc123',
      ref: 'refs/heads/main',
      branch: 'main',
      baseRef: 'main',
      runId: '42',
      runAttempt: 1,
      runUrl: 'https://github.com/o/r/actions/runs/42/attempts/1',
      actor: 'octocat',
      workflow: 'CI',
      job: 'build',
      eventName: 'push',
      runnerOs: 'Linux',
    };
    expect(runContext(env, '/cwd')).toEqual(expected);
    expect(runContext({ GITHUB_ACTOR: '', GITHUB_SHA: '  ' }, '/cwd')).toEqual({
      workspace: '/cwd',
      runnerTemp: tmpdir(),
      serverUrl: 'https://github.com',
    });
  });
});
