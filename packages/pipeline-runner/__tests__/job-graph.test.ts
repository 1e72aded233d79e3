/**
 * GitHub's job rules as the local runner applies them, one table per rule:
 * `needs` order; a failed or skipped need skips its dependents through the
 * implicit success() of their `if:` unless it says otherwise (always(),
 * `!failure()` looks at every ancestor, not only direct needs);
 * needs.<id>.result and needs.<id>.outputs; job outputs from step outputs.
 */
import { describe, expect, it } from '@jest/globals';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Json } from '../src/expressions.js';
import { runJob } from '../src/job.js';
import { runJobGraph } from '../src/job-graph.js';
import type { JobResult } from '../src/job-graph.js';
import { Provisioner } from '../src/provisioning/provisioner.js';
import type { RunState } from '../src/run-state.js';
import type { Result } from '../src/report-types.js';
import { loadWorkflow } from '../src/workflow.js';
import type { Job } from '../src/workflow.js';
import { Cleanups } from '../src/workspace.js';
import { scriptedExecutor } from './helpers/fake-steps.js';

const job = (id: string, needs: string[], condition?: string): string =>
  `  ${id}:\n    runs-on: x\n${needs.length ? `    needs: [${needs.join(', ')}]\n` : ''}${condition ? `    if: ${JSON.stringify(condition)}\n` : ''}    steps: [{ run: echo }]\n`;

/** Runs a workflow's job graph where each job's result is scripted; returns every job's result and the needs each run job saw. */
async function graph(jobsYaml: string, scripted: Record<string, Result>, inputs: Record<string, Json> = {}) {
  const workflow = await loadWorkflow('w.yml', `on: push\njobs:\n${jobsYaml}`);
  const ran: string[] = [];
  const seenNeeds: Record<string, Json> = {};
  const results = await runJobGraph(workflow.template.jobs, {
    contexts: { inputs },
    notRun: () => undefined,
    run: async ({ job: j, needs }): Promise<JobResult> => {
      ran.push(j.id.value);
      seenNeeds[j.id.value] = needs;
      return { result: scripted[j.id.value] ?? 'success', outputs: { from: j.id.value } };
    },
  });
  return { ran, seenNeeds, results: Object.fromEntries([...results].map(([id, r]) => [id, r.result])) };
}

describe('needs and job-level if:', () => {
  const chain =
    job('a', []) +
    job('b', ['a']) +
    job('always', ['b'], 'always()') +
    job('guarded', ['b'], '!cancelled() && !failure()') +
    job('onfail', ['a'], "needs.a.result == 'failure'") +
    job('onfailexplicit', ['a'], "failure() && needs.a.result == 'failure'");
  it.each<[string, Record<string, Result>, Record<string, Result>]>([
    [
      'all succeed',
      {},
      {
        a: 'success',
        b: 'success',
        always: 'success',
        guarded: 'success',
        onfail: 'skipped',
        onfailexplicit: 'skipped',
      },
    ],
    [
      'a fails: b is skipped (implicit success()), always() runs, !failure() sees the failed grand-parent, a plain needs test gets the implicit success()',
      { a: 'failure' },
      {
        a: 'failure',
        b: 'skipped',
        always: 'success',
        guarded: 'skipped',
        onfail: 'skipped',
        onfailexplicit: 'success',
      },
    ],
    [
      'b fails',
      { b: 'failure' },
      {
        a: 'success',
        b: 'failure',
        always: 'success',
        guarded: 'skipped',
        onfail: 'skipped',
        onfailexplicit: 'skipped',
      },
    ],
  ])('%s', async (_name, scripted, expected) => {
    expect((await graph(chain, scripted)).results).toEqual(expected);
  });

  const fanOut =
    job('plan', []) +
    job('quality', ['plan'], "inputs.quality == 'true'") +
    job('security', ['plan']) +
    job('test', ['plan']) +
    job('build', ['plan', 'quality', 'security', 'test'], '!cancelled() && !failure()') +
    job('deploy', ['build'], "!cancelled() && !failure() && needs.build.result == 'success'") +
    job('notify', ['plan', 'quality', 'security', 'test', 'build', 'deploy'], 'always()');
  it.each<[string, Record<string, Result>, Record<string, Json>, Record<string, Result>]>([
    [
      'fan-out, all pass',
      {},
      { quality: 'true' },
      {
        plan: 'success',
        quality: 'success',
        security: 'success',
        test: 'success',
        build: 'success',
        deploy: 'success',
        notify: 'success',
      },
    ],
    [
      'a failed gate skips build and deploy; notify still runs',
      { security: 'failure' },
      { quality: 'true' },
      {
        plan: 'success',
        quality: 'success',
        security: 'failure',
        test: 'success',
        build: 'skipped',
        deploy: 'skipped',
        notify: 'success',
      },
    ],
    [
      'a stage left out (skipped) is not a failure: build still runs',
      {},
      { quality: 'false' },
      {
        plan: 'success',
        quality: 'skipped',
        security: 'success',
        test: 'success',
        build: 'success',
        deploy: 'success',
        notify: 'success',
      },
    ],
    [
      'a failed plan skips every gate; !failure() skips build',
      { plan: 'failure' },
      { quality: 'true' },
      {
        plan: 'failure',
        quality: 'skipped',
        security: 'skipped',
        test: 'skipped',
        build: 'skipped',
        deploy: 'skipped',
        notify: 'success',
      },
    ],
  ])('%s', async (_name, scripted, inputs, expected) => {
    const result = await graph(fanOut, scripted, inputs);
    expect(result.results).toEqual(expected);
    // A job only ever runs after everything it needs has finished.
    expect(result.ran.indexOf('build')).toBeLessThan(result.ran.indexOf('notify'));
  });

  it.each<[string, Record<string, Result>, Json]>([
    ['a succeeded need', {}, { result: 'success', outputs: { from: 'a' } }],
    ['a failed need (seen by an always() job)', { a: 'failure' }, { result: 'failure', outputs: { from: 'a' } }],
  ])('needs.<id> of %s', async (_name, scripted, expected) => {
    const result = await graph(job('a', []) + job('seer', ['a'], 'always()'), scripted);
    expect(result.seenNeeds['seer']).toEqual({ a: expected });
  });

  it('needs.<id>.result is skipped for a need whose if: was false', async () => {
    const result = await graph(job('a', [], 'false') + job('seer', ['a'], 'always()'), {});
    expect(result.seenNeeds['seer']).toEqual({ a: { result: 'skipped', outputs: {} } });
  });

  it('fails a job whose if: cannot be evaluated, and its dependents see the failure', async () => {
    const result = await graph(job('a', [], "fromJSON('{')") + job('b', ['a'], 'failure()'), {});
    expect(result.results).toEqual({ a: 'failure', b: 'success' });
  });
});

describe('job outputs', () => {
  async function runOne(outputs: string, behaviours: Parameters<typeof scriptedExecutor>[0]) {
    const dir = await mkdtemp(path.join(tmpdir(), 'job-outputs-'));
    try {
      const workflow = await loadWorkflow(
        'w.yml',
        `on: push\njobs:\n  j:\n    runs-on: x\n    outputs:\n${outputs}    steps:\n      - { id: s1, run: echo }\n      - { id: s2, run: echo, continue-on-error: true }\n`,
      );
      const dirs = {
        scratch: dir,
        workspace: dir,
        logs: dir,
        artifacts: dir,
        services: dir,
        runnerTemp: dir,
        toolCache: dir,
      };
      const masker = new SecretMasker(['s3cr3t-value']);
      const cleanups = new Cleanups(() => undefined);
      const state: RunState = {
        options: { repo: dir, library: dir, reportDir: dir, provision: false },
        report: {
          repo: dir,
          callerWorkflow: '',
          callerJob: '',
          pipelineRef: '',
          library: { path: dir, repository: 'o/r', commit: 'c', source: 'commit' },
          event: 'push',
          ref: 'refs/heads/main',
          startedAt: '',
          durationMs: 0,
          status: 'success',
          jobs: [],
          outputs: {},
          notes: [],
        },
        masker,
        dirs,
        log: () => undefined,
        library: { commit: 'c', repository: 'o/r', sourceDir: dir },
        provisioner: new Provisioner({ enabled: false, library: dir, dirs, masker, cleanups, log: () => undefined }),
        cleanups,
      };
      const contexts = { github: {}, vars: {}, secrets: {}, inputs: {}, needs: {}, env: {} };
      const result = await runJob(
        state,
        { workflow, job: workflow.template.jobs[0] as Job, path: 'j', contexts, needs: [] },
        scriptedExecutor(behaviours).execute,
      );
      return { result, report: state.report.jobs[0] };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it.each<[string, string, Parameters<typeof scriptedExecutor>[0], Record<string, string>, Result]>([
    ['a step output', '      n: ${{ steps.s1.outputs.n }}\n', { s1: { outputs: { n: '7' } } }, { n: '7' }, 'success'],
    ['a missing output is empty', '      n: ${{ steps.s1.outputs.none }}\n', {}, { n: '' }, 'success'],
    [
      'outcome of a continue-on-error step',
      '      o: ${{ steps.s2.outcome }}/${{ steps.s2.conclusion }}\n',
      { s2: { exit: 1 } },
      { o: 'failure/success' },
      'success',
    ],
    [
      'a secret in an output is masked',
      '      t: ${{ steps.s1.outputs.t }}\n',
      { s1: { outputs: { t: 's3cr3t-value' } } },
      { t: '***' },
      'success',
    ],
    [
      'outputs of a failed job are still evaluated',
      '      n: ${{ steps.s1.outputs.n }}\n',
      { s1: { exit: 1, outputs: { n: '1' } } },
      { n: '1' },
      'failure',
    ],
  ])('%s', async (_name, outputs, behaviours, expected, status) => {
    const { result, report } = await runOne(outputs, behaviours);
    expect(result).toEqual({ result: status, outputs: expected });
    expect(report?.outputs).toEqual(expected);
  });
});
