import { describe, expect, it } from '@jest/globals';
import { criticalPath } from '../src/critical-path.js';
import { toMarkdown } from '../src/report.js';
import type { JobReport, RunReport, StepReport } from '../src/report-types.js';
import type { TimedJob } from '../src/critical-path.js';

const j = (path: string, durationMs: number, needs: string[] = []): TimedJob => ({ path, durationMs, needs });

describe('critical path: the longest needs chain of the measured job times', () => {
  it.each<[string, TimedJob[], number, string[], number]>([
    ['no jobs', [], 0, [], 0],
    ['one job', [j('a', 5)], 5, ['a'], 5],
    ['a strict chain costs the sum', [j('a', 10), j('b', 20, ['a']), j('c', 30, ['b'])], 60, ['a', 'b', 'c'], 60],
    [
      'fan-out after plan: the slowest gate decides',
      [
        j('p/plan', 10),
        j('p/quality', 30, ['p/plan']),
        j('p/security', 50, ['p/plan']),
        j('p/test', 40, ['p/plan']),
        j('p/build', 20, ['p/plan', 'p/quality', 'p/security', 'p/test']),
      ],
      80,
      ['p/plan', 'p/security', 'p/build'],
      150,
    ],
    ['independent jobs: the longest alone', [j('a', 10), j('b', 25), j('c', 5)], 25, ['b'], 40],
    [
      'skipped jobs (0 s) do not lengthen it',
      [j('a', 10), j('skipped', 0, ['a']), j('after', 5, ['skipped'])],
      15,
      ['a', 'after'],
      15,
    ],
    [
      'a need on a calling job waits for every job inside it',
      [j('pipeline/x', 10), j('pipeline/y', 30, ['pipeline/x']), j('report', 5, ['pipeline'])],
      45,
      ['pipeline/x', 'pipeline/y', 'report'],
      45,
    ],
    [
      'a diamond takes the longer side once',
      [j('a', 1), j('b', 10, ['a']), j('c', 2, ['a']), j('d', 1, ['b', 'c'])],
      12,
      ['a', 'b', 'd'],
      14,
    ],
  ])('%s', (_name, jobs, duration, chain, sequential) => {
    expect(criticalPath(jobs)).toEqual({ durationMs: duration, chain, sequentialMs: sequential });
  });

  it('reports a needs cycle instead of looping', () => {
    expect(() => criticalPath([j('a', 1, ['b']), j('b', 1, ['a'])])).toThrow(/cycle/);
  });
});

describe('the local report', () => {
  const stepOf = (name: string, status: StepReport['status'], extra: Partial<StepReport> = {}): StepReport => ({
    name,
    id: name,
    status,
    outcome: status,
    durationMs: 1,
    summary: '',
    outputs: {},
    annotations: [],
    ...extra,
  });
  const jobOf = (path: string, durationMs: number, needs: string[], steps: StepReport[]): JobReport => ({
    id: path,
    path,
    name: path,
    status: 'success',
    durationMs,
    needs,
    steps,
    outputs: {},
    notes: [],
  });
  const report: RunReport = {
    repo: '/r',
    callerWorkflow: 'c.yml',
    callerJob: 'pipeline',
    pipelineRef: './p.yml',
    library: { path: '/l', repository: 'o/r', commit: 'c'.repeat(40), source: 'commit' },
    event: 'push',
    ref: 'refs/heads/main',
    startedAt: 'now',
    durationMs: 100_000,
    status: 'success',
    outputs: {},
    notes: [],
    jobs: [
      jobOf('p/plan', 10_000, [], [stepOf('plan', 'success')]),
      jobOf(
        'p/quality',
        30_000,
        ['p/plan'],
        [
          stepOf('checkout', 'success', { emulated: true }),
          stepOf('setup-node', 'skipped', { reason: "needs GitHub's tool cache" }),
          stepOf('lint', 'success'),
        ],
      ),
      jobOf('p/test', 50_000, ['p/plan'], [stepOf('test', 'success')]),
    ],
  };

  it('shows its own wall time, the critical path GitHub would see and the sum of job times', () => {
    const markdown = toMarkdown(report);
    expect(markdown).toContain('| wall time (local: jobs one after another) | 100.0 s |');
    expect(markdown).toContain(
      '| critical path on GitHub (longest needs chain of the job times) | 60.0 s: p/plan → p/test |',
    );
    expect(markdown).toContain('| sum of job times | 90.0 s |');
  });

  it('counts a skipped step as skipped with its reason and an emulated one as emulated, never a skipped one as passed', () => {
    const markdown = toMarkdown(report);
    expect(markdown).toContain('| p/quality | ✅ success | 30.0 s | 2 ok (1 emulated), 0 failed, 1 skipped |');
    expect(markdown).toMatch(/\| setup-node \| ⏭️ skipped \| .* \| needs GitHub's tool cache \|/);
  });
});
