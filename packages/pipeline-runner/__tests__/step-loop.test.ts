/**
 * GitHub's step rules as the local step loop applies them, one table per
 * rule, with a scripted executor in place of processes. Semantics follow
 * GitHub's documentation: status check functions (success(), failure(),
 * always(), cancelled(), and the implicit success() of an `if:` without one),
 * continue-on-error (steps.<id>.outcome vs conclusion), GITHUB_ENV and
 * GITHUB_PATH for later steps, and `runs.post` / `post-if` (default always(),
 * post steps in reverse order).
 */
import { describe, expect, it } from '@jest/globals';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import { runSteps } from '../src/step-loop.js';
import { jobConclusion, processOutcome } from '../src/step-rules.js';
import { jobRun, processResult, scriptedExecutor, stepsOf } from './helpers/fake-steps.js';
import type { Behaviour } from './helpers/fake-steps.js';

async function run(stepsYaml: string, behaviours: Record<string, Behaviour>) {
  const { job, raw } = await stepsOf(stepsYaml);
  const run = jobRun();
  const scripted = scriptedExecutor(behaviours);
  const outcome = await runSteps(run, job.steps, raw, scripted.execute);
  const steps = Object.fromEntries(run.report.steps.map((s) => [s.id, [s.status, s.outcome]]));
  return { ...scripted, run, outcome, steps, conclusion: jobConclusion(outcome.records) };
}

const step = (id: string, extra = ''): string => `      - id: ${id}\n        run: echo ${id}\n${extra}`;

describe('status functions in a step if:', () => {
  it.each<[string, string, Behaviour, [string, string], string]>([
    ['no if: is an implicit success(), skipped after a failure', '', { exit: 1 }, ['skipped', 'skipped'], 'failure'],
    ['success() after a failure', '        if: success()\n', { exit: 1 }, ['skipped', 'skipped'], 'failure'],
    ['failure() after a failure', '        if: failure()\n', { exit: 1 }, ['success', 'success'], 'failure'],
    ['failure() after a success', '        if: failure()\n', {}, ['skipped', 'skipped'], 'success'],
    ['always() after a failure', '        if: always()\n', { exit: 1 }, ['success', 'success'], 'failure'],
    [
      '!cancelled() after a failure (has a status function: no implicit success())',
      "        if: '!cancelled()'\n",
      { exit: 1 },
      ['success', 'success'],
      'failure',
    ],
    [
      'cancelled() in a run nobody cancelled',
      '        if: cancelled()\n',
      { exit: 1 },
      ['skipped', 'skipped'],
      'failure',
    ],
    [
      'a plain condition after a failure gets the implicit success()',
      "        if: inputs.mode == 'lenient'\n",
      { exit: 1 },
      ['skipped', 'skipped'],
      'failure',
    ],
    [
      'failure() && a condition after a failure',
      "        if: failure() && inputs.mode == 'lenient'\n",
      { exit: 1 },
      ['success', 'success'],
      'failure',
    ],
  ])('%s', async (_name, condition, first, expected, conclusion) => {
    const result = await run(step('first') + step('second', condition), { first });
    expect(result.steps['second']).toEqual(expected);
    expect(result.conclusion).toBe(conclusion);
  });

  it('gives the reason for a step whose if: was false, and runs nothing for it', async () => {
    const result = await run(step('first') + step('second', '        if: failure()\n'), {});
    expect(result.order).toEqual(['first']);
    expect(result.run.report.steps[1]).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('failure()'),
    });
  });

  it('fails a step whose if: cannot be evaluated', async () => {
    const result = await run(step('first', "        if: fromJSON('{not json')\n"), {});
    expect(result.steps['first']).toEqual(['failure', 'failure']);
    expect(result.order).toEqual([]);
  });
});

describe('continue-on-error: outcome vs conclusion', () => {
  it.each<[string, string, Behaviour, [string, string], string, boolean]>([
    [
      'a failing step with continue-on-error: true',
      '        continue-on-error: true\n',
      { exit: 1 },
      ['success', 'failure'],
      'success',
      true,
    ],
    ['a failing step without it', '', { exit: 1 }, ['failure', 'failure'], 'failure', false],
    [
      'continue-on-error from an expression that is true',
      "        continue-on-error: ${{ inputs.mode == 'lenient' }}\n",
      { exit: 1 },
      ['success', 'failure'],
      'success',
      true,
    ],
    [
      'continue-on-error from an expression that is false',
      "        continue-on-error: ${{ inputs.mode == 'strict' }}\n",
      { exit: 1 },
      ['failure', 'failure'],
      'failure',
      false,
    ],
    [
      'a step that throws (cannot start) with continue-on-error',
      '        continue-on-error: true\n',
      { throws: 'no such shell' },
      ['success', 'failure'],
      'success',
      true,
    ],
    [
      'a succeeding step with continue-on-error',
      '        continue-on-error: true\n',
      {},
      ['success', 'success'],
      'success',
      true,
    ],
  ])('%s', async (_name, extra, behaviour, expected, conclusion, laterRuns) => {
    const result = await run(step('flaky', extra) + step('later'), { flaky: behaviour });
    expect(result.steps['flaky']).toEqual(expected);
    expect(result.conclusion).toBe(conclusion);
    expect(result.order.includes('later')).toBe(laterRuns);
  });

  it('shows outcome and conclusion in the steps context', async () => {
    const result = await run(
      step('flaky', '        continue-on-error: true\n') +
        step('check', "        if: steps.flaky.outcome == 'failure' && steps.flaky.conclusion == 'success'\n"),
      { flaky: { exit: 1 } },
    );
    expect(result.steps['check']).toEqual(['success', 'success']);
    expect(result.outcome.stepsContext['flaky']).toEqual({ outputs: {}, outcome: 'failure', conclusion: 'success' });
  });
});

describe('step outputs', () => {
  it.each<[string, Behaviour, string, [string, string]]>([
    ['an output a later if: reads', { outputs: { n: '3' } }, "steps.produce.outputs.n == '3'", ['success', 'success']],
    ['a missing output is empty', {}, "steps.produce.outputs.n == ''", ['success', 'success']],
    [
      'outputs of a failed step are kept',
      { exit: 1, outputs: { n: '3' } },
      "always() && steps.produce.outputs.n == '3'",
      ['success', 'success'],
    ],
    [
      'a skipped step has no outputs and outcome skipped',
      { skip: 'needs GitHub' },
      "steps.produce.outcome == 'skipped' && steps.produce.outputs.n == ''",
      ['success', 'success'],
    ],
  ])('%s', async (_name, produce, condition, expected) => {
    const result = await run(step('produce') + step('consume', `        if: ${JSON.stringify(condition)}\n`), {
      produce,
    });
    expect(result.steps['consume']).toEqual(expected);
  });

  it('masks secrets in recorded outputs', async () => {
    const { job, raw } = await stepsOf(step('produce'));
    const runState = jobRun({ masker: new SecretMasker(['hunter2-secret']) });
    await runSteps(
      runState,
      job.steps,
      raw,
      scriptedExecutor({ produce: { outputs: { token: 'x hunter2-secret y' } } }).execute,
    );
    expect(runState.report.steps[0]?.outputs).toEqual({ token: 'x *** y' });
  });
});

describe('GITHUB_ENV and GITHUB_PATH for later steps', () => {
  it.each<[string, string, Record<string, Behaviour>, string, Record<string, string | undefined>]>([
    [
      'an export is seen by the next step, not by the step itself',
      step('a') + step('b'),
      { a: { env: { FOO: 'bar' } } },
      'b',
      { FOO: 'bar' },
    ],
    [
      'the exporting step does not see its own export',
      step('a') + step('b'),
      { a: { env: { FOO: 'bar' } } },
      'a',
      { FOO: undefined },
    ],
    [
      'a later export of the same name wins',
      step('a') + step('b') + step('c'),
      { a: { env: { FOO: '1' } }, b: { env: { FOO: '2' } } },
      'c',
      { FOO: '2' },
    ],
    [
      'an export overrides the job env',
      step('a') + step('b'),
      { a: { env: { FROM_JOB: 'exported' } } },
      'b',
      { FROM_JOB: 'exported' },
    ],
    [
      'a step env overrides an export',
      step('a') + step('b', '        env: { FOO: own }\n'),
      { a: { env: { FOO: 'bar' } } },
      'b',
      { FOO: 'own' },
    ],
    [
      'an export from a failed step still applies',
      step('a') + step('b', '        if: always()\n'),
      { a: { exit: 1, env: { FOO: 'bar' } } },
      'b',
      { FOO: 'bar' },
    ],
    ['the job env reaches every step', step('a'), {}, 'a', { FROM_JOB: 'job' }],
  ])('%s', async (_name, steps, behaviours, observed, expected) => {
    const result = await run(steps, behaviours);
    for (const [key, value] of Object.entries(expected))
      expect([key, result.seen[observed]?.env[key]]).toEqual([key, value]);
  });

  it.each<[string, Record<string, Behaviour>, string, string[]]>([
    ['nothing added', {}, 'c', []],
    ['one step adds two paths: the last added comes first', { a: { path: ['/one', '/two'] } }, 'b', ['/two', '/one']],
    [
      'a later step’s additions come before earlier ones',
      { a: { path: ['/one'] }, b: { path: ['/two'] } },
      'c',
      ['/two', '/one'],
    ],
    [
      'a directory added again moves to the front',
      { a: { path: ['/one', '/two'] }, b: { path: ['/one'] } },
      'c',
      ['/one', '/two'],
    ],
    ['the adding step does not see its own addition', { a: { path: ['/one'] } }, 'a', []],
  ])('GITHUB_PATH: %s', async (_name, behaviours, observed, expected) => {
    const result = await run(step('a') + step('b') + step('c'), behaviours);
    // The prepend list is kept in the order added; PATH puts its last entry first.
    expect([...(result.seen[observed]?.extraPath ?? [])].reverse()).toEqual(expected);
  });
});

describe('post steps', () => {
  it.each<[string, Record<string, Behaviour>, string[], Record<string, string>, string]>([
    [
      'run after all main steps, in reverse order',
      { a: { post: {} }, b: { post: {} } },
      ['a', 'b', 'c', 'post-b', 'post-a'],
      { 'post-a': 'success', 'post-b': 'success' },
      'success',
    ],
    [
      'default post-if always(): runs after a failure',
      { a: { post: {} }, b: { exit: 1 } },
      ['a', 'b', 'post-a'],
      { 'post-a': 'success' },
      'failure',
    ],
    [
      'post-if success() after a failure is skipped',
      { a: { post: { condition: 'success()' } }, b: { exit: 1 } },
      ['a', 'b'],
      { 'post-a': 'skipped' },
      'failure',
    ],
    [
      'post-if failure() after a failure runs',
      { a: { post: { condition: 'failure()' } }, b: { exit: 1 } },
      ['a', 'b', 'post-a'],
      { 'post-a': 'success' },
      'failure',
    ],
    [
      'post-if without a status function gets success()',
      { a: { post: { condition: "env.FROM_JOB == 'job'" } }, b: { exit: 1 } },
      ['a', 'b'],
      { 'post-a': 'skipped' },
      'failure',
    ],
    [
      'post-if in ${{ }} is read as the expression',
      { a: { post: { condition: '${{ always() }}' } }, b: { exit: 1 } },
      ['a', 'b', 'post-a'],
      { 'post-a': 'success' },
      'failure',
    ],
    [
      'a failing post step fails the job',
      { a: { post: { exit: 1 } } },
      ['a', 'b', 'c', 'post-a'],
      { 'post-a': 'failure' },
      'failure',
    ],
    [
      'a main step that failed still gets its post step',
      { a: { exit: 1, post: {} } },
      ['a', 'post-a'],
      { 'post-a': 'success' },
      'failure',
    ],
    ['a main step that did not run registers no post step', { a: { exit: 1 }, b: { post: {} } }, ['a'], {}, 'failure'],
  ])('%s', async (_name, behaviours, order, posts, conclusion) => {
    const result = await run(step('a') + step('b') + step('c'), behaviours);
    expect(result.order).toEqual(order);
    const postStatuses = Object.fromEntries(
      result.run.report.steps.filter((s) => s.id.startsWith('post-')).map((s) => [s.id, s.status]),
    );
    expect(postStatuses).toEqual(posts);
    expect(result.conclusion).toBe(conclusion);
  });

  it('a post step’s failure makes a later post-if success() skip', async () => {
    const result = await run(step('a') + step('b'), {
      a: { post: { condition: 'success()' } },
      b: { post: { exit: 1 } },
    });
    expect(result.order).toEqual(['a', 'b', 'post-b']);
  });
});

describe('steps that do not execute', () => {
  it('are skipped with their reason, never success, and leave the job incomplete', async () => {
    const result = await run(step('remote'), { remote: { skip: 'needs Docker' } });
    expect(result.run.report.steps[0]).toMatchObject({
      status: 'skipped',
      outcome: 'skipped',
      reason: 'needs Docker',
      incomplete: 'not run here: needs Docker',
    });
    expect(result.conclusion).toBe('incomplete');
  });

  it('a skipped step the local run replaces (setup-node, a cache) keeps the job complete', async () => {
    const result = await run(step('setup'), { setup: { skip: 'uses the local Node', replaceable: true } });
    expect(result.run.report.steps[0]).toMatchObject({ status: 'skipped', reason: 'uses the local Node' });
    expect(result.run.report.steps[0]?.incomplete).toBeUndefined();
    expect(result.conclusion).toBe('success');
  });

  it('a skipped step by its if: keeps the job complete', async () => {
    const result = await run(step('off', '        if: ${{ false }}\n'), {});
    expect(result.run.report.steps[0]).toMatchObject({ status: 'skipped' });
    expect(result.conclusion).toBe('success');
  });

  it('an action that reports an `incomplete` output makes its job incomplete but not failed', async () => {
    const result = await run(step('scan') + step('after'), {
      scan: { outputs: { incomplete: 'no scanner could run: trivy is not on PATH' } },
    });
    expect(result.run.report.steps[0]).toMatchObject({
      status: 'success',
      incomplete: 'no scanner could run: trivy is not on PATH',
    });
    expect(result.run.report.steps[1]?.status).toBe('success');
    expect(result.conclusion).toBe('incomplete');
  });

  it('an emulated step is success and labelled as emulated', async () => {
    const result = await run(step('checkout') + step('remote'), {
      checkout: { emulate: 'emulated: copied' },
      remote: { skip: 'needs GitHub' },
    });
    expect(result.run.report.steps.map((s) => [s.status, s.emulated ?? false, s.reason])).toEqual([
      ['success', true, 'emulated: copied'],
      ['skipped', false, 'needs GitHub'],
    ]);
  });
});

describe('what a finished process means for the step', () => {
  it.each<[string, Parameters<typeof processResult>[0], { outcome: string; reason?: string }]>([
    ['exit 0', {}, { outcome: 'success' }],
    ['exit 2', { exitCode: 2 }, { outcome: 'failure', reason: 'exit code 2' }],
    ['killed by a signal', { exitCode: null, signal: 'SIGKILL' }, { outcome: 'failure', reason: 'exit code SIGKILL' }],
    [
      'timed out',
      { exitCode: null, signal: 'SIGTERM', timedOut: true },
      { outcome: 'failure', reason: 'timed out after 5 min' },
    ],
    ['could not start', { exitCode: null, error: 'bash: ENOENT' }, { outcome: 'failure', reason: 'bash: ENOENT' }],
    [
      'exit 0, but a file command the runner could not process',
      { runnerFailed: true, runnerErrors: ['GITHUB_OUTPUT: Invalid line'] },
      { outcome: 'failure', reason: 'GITHUB_OUTPUT: Invalid line' },
    ],
    [
      'the last error annotation without a file explains the failure',
      {
        exitCode: 1,
        annotations: [
          { level: 'error', message: 'in a file', file: 'a.ts' },
          { level: 'error', message: 'deploy failed: ImagePullBackOff' },
        ],
      },
      { outcome: 'failure', reason: 'exit code 1: deploy failed: ImagePullBackOff' },
    ],
  ])('%s', (_name, result, expected) => expect(processOutcome(processResult(result), 5)).toEqual(expected));
});
