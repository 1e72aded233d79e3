import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { checkWorkflows, formatFinding } from '../src/contract.js';
import { ancestors, evaluateCondition, loadWorkflow, orderJobs, rawJob } from '../src/index.js';
import type { ParsedWorkflow } from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function workflowFiles(base: string): Promise<{ base: string; file: string }[]> {
  const dir = path.join(base, '.github/workflows');
  return (await readdir(dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ base, file: `.github/workflows/${f}` }));
}

describe('workflow contract', () => {
  it('every with: key, required input and output reference in the workflows exists', async () => {
    const files = [...(await workflowFiles(root)), ...(await workflowFiles(path.join(root, 'fixtures/adopter-repo')))];
    expect(files.map((f) => f.file)).toEqual(
      expect.arrayContaining(['.github/workflows/pipeline.yml', '.github/workflows/example-service.yml']),
    );
    const { findings, missing } = await checkWorkflows(root, files);
    const report = findings.map(formatFinding);
    if (missing.length > 0)
      report.unshift(`actions referenced but not present yet (no action.yml): ${missing.join(', ')}`);
    expect(report).toEqual([]);
  });

  it('reports unknown inputs, missing required inputs, bad output references and secrets: inherit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'contract-'));
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
    await writeFile(
      path.join(dir, '.github/workflows/bad.yml'),
      `on: push
jobs:
  one:
    runs-on: ubuntu-latest
    outputs:
      good: \${{ steps.q.outputs.passed }}
      bad: \${{ steps.q.outputs.no-such-output }}
      ghost: \${{ steps.ghost.outputs.x }}
    steps:
      - id: q
        uses: ./.pipeline-actions/actions/quality
        with:
          working-directory: .
          no-such-input: x
      - uses: ./actions/deploy-k8s
        with:
          namespace: default
      - uses: ./actions/not-an-action
      - id: script
        run: echo "made=1" >>"$GITHUB_OUTPUT"
      - run: echo "\${{ steps.script.outputs.made }} \${{ steps.script.outputs.never }}"
  two:
    needs: [one]
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ needs.one.outputs.good }} \${{ needs.one.outputs.missing }} \${{ needs.zero.outputs.x }}"
  call:
    uses: ./.github/workflows/pipeline.yml
    with:
      service-directory: app
      not-an-input: x
      max-line-length: '120'
      fail-on-scanner-error: \${{ 'false' }}
      max-p95-ms: \${{ fromJSON(vars.BUDGET) }}
      performance-concurrency: 4
    secrets: inherit
`,
    );
    const { findings, missing } = await checkWorkflows(root, [{ base: dir, file: '.github/workflows/bad.yml' }]);
    const messages = findings.map((f) => f.message);
    expect(missing).toEqual(['actions/not-an-action']);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('with.no-such-input is not an input of actions/quality'),
        expect.stringContaining("required input 'manifests' of actions/deploy-k8s is not given"),
        expect.stringContaining('actions/not-an-action/action.yml does not exist yet'),
        expect.stringContaining("steps.q.outputs.no-such-output: step 'q' has no output 'no-such-output'"),
        expect.stringContaining("steps.ghost.outputs.x: no step with id 'ghost'"),
        expect.stringContaining("steps.script.outputs.never: step 'script' has no output 'never'"),
        expect.stringContaining("needs.one.outputs.missing: job 'one' declares no output 'missing'"),
        expect.stringContaining("needs.zero.outputs.x: 'zero' is not in this job's needs"),
        expect.stringContaining('with.not-an-input is not an input of .github/workflows/pipeline.yml'),
        expect.stringContaining('secrets: inherit passes every secret'),
        "with.max-line-length: '120' (a string) is not a number (write the number unquoted, or fromJSON(...) in an " +
          'expression); .github/workflows/pipeline.yml declares it type: number',
        expect.stringContaining("with.fail-on-scanner-error: 'false' (a string) is not a boolean"),
      ]),
    );
    // resolved only at run time, or of the declared type: not reported
    expect(messages.filter((m) => /max-p95-ms|performance-concurrency/.test(m))).toEqual([]);
    expect(
      messages.some(
        (m) =>
          m.includes('steps.q.outputs.passed') ||
          m.includes('steps.script.outputs.made') ||
          m.includes('needs.one.outputs.good'),
      ),
    ).toBe(false);
  });
});

type Result = 'success' | 'failure' | 'cancelled' | 'skipped';
const STAGES = ['quality', 'security', 'test', 'build', 'deploy', 'smoke', 'performance', 'notify'];
const GATES = ['quality', 'security', 'test'];

const loadPipeline = async (): Promise<ParsedWorkflow> =>
  loadWorkflow(
    '.github/workflows/pipeline.yml',
    await readFile(path.join(root, '.github/workflows/pipeline.yml'), 'utf8'),
  );

const needsOf = (pipeline: ParsedWorkflow, id: string): string[] =>
  (pipeline.template.jobs.find((j) => j.id.value === id)?.needs ?? []).map((n) => n.value);

/**
 * GitHub's scheduling of pipeline.yml's jobs, with the workflow's own `if:`s and the real expression
 * engine: a job whose `if:` holds ends with `ends[id]` (default success), any other is skipped. At job
 * level success() means every ancestor succeeded and failure() that one failed; the run itself is not
 * cancelled, so cancelled() is false even when a job ended cancelled (a timeout).
 */
function schedule(
  pipeline: ParsedWorkflow,
  stages: string[],
  environment: string,
  ends: Record<string, Result> = {},
): Record<string, Result> {
  const all = pipeline.template.jobs;
  const results: Record<string, Result> = {};
  const outputs: Record<string, Record<string, string>> = {
    plan: { ...Object.fromEntries(STAGES.map((s) => [s, String(stages.includes(s))])), environment },
    'deploy-production': { 'backup-file': '/tmp/backup.yaml', status: 'deployed' },
  };
  const inputs = {
    'slack-channel': '#deploys',
    'staging-url': 'https://staging.example',
    'production-url': 'https://example.com',
  };
  for (const job of orderJobs(all)) {
    const id = job.id.value;
    const deps = [...ancestors(all, id)].map((d) => results[d] ?? 'skipped');
    const needs = Object.fromEntries(
      (job.needs ?? []).map((n) => [
        n.value,
        {
          result: results[n.value] ?? 'skipped',
          outputs: results[n.value] === 'skipped' ? {} : (outputs[n.value] ?? {}),
        },
      ]),
    );
    const status = {
      success: () => deps.every((r) => r === 'success'),
      failure: () => deps.some((r) => r === 'failure'),
      cancelled: () => false,
    };
    const runs = evaluateCondition(job.if.expression, {
      contexts: { needs, inputs, github: { event_name: 'push' } },
      status,
    });
    results[id] = runs ? (ends[id] ?? 'success') : 'skipped';
  }
  return results;
}

const ran = (results: Record<string, Result>): string[] =>
  Object.keys(results)
    .filter((id) => results[id] !== 'skipped')
    .sort();

describe('pipeline.yml job graph', () => {
  it('starts the three gates right after plan and builds only after all three', async () => {
    const pipeline = await loadPipeline();
    for (const gate of GATES) expect([gate, needsOf(pipeline, gate)]).toEqual([gate, ['plan']]);
    expect(needsOf(pipeline, 'build')).toEqual(expect.arrayContaining(GATES));
    // Everything that pushes or deploys has every gate as an ancestor.
    for (const id of ['build', 'deploy-staging', 'deploy-production', 'rollback-production']) {
      expect([id, [...ancestors(pipeline.template.jobs, id)].filter((a) => GATES.includes(a)).sort()]).toEqual([
        id,
        [...GATES].sort(),
      ]);
    }
  });

  it('notify needs every other job and reports each stage', async () => {
    const pipeline = await loadPipeline();
    const others = pipeline.template.jobs.map((j) => j.id.value).filter((id) => id !== 'notify');
    expect(needsOf(pipeline, 'notify').sort()).toEqual(others.sort());
    const text = JSON.stringify(rawJob(pipeline, 'notify'));
    for (const field of ['quality=', 'security=', 'test=', 'build=', 'deploy=', 'smoke='])
      expect(text).toContain(field);
  });

  const allStages = STAGES;
  it.each<[string, string[], string, Record<string, Result>, string[]]>([
    [
      'every stage passes on a staging branch',
      allStages,
      'staging',
      {},
      ['build', 'deploy-staging', 'notify', 'notify-start', 'plan', 'quality', 'security', 'smoke-staging', 'test'],
    ],
    [
      'quality fails: security and test still run, nothing is built or deployed',
      allStages,
      'staging',
      { quality: 'failure' },
      ['notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
    [
      'security fails: quality and test still run, nothing is built or deployed',
      allStages,
      'production',
      { security: 'failure' },
      ['notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
    [
      'test fails: nothing is built or deployed',
      allStages,
      'production',
      { test: 'failure' },
      ['notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
    [
      'a gate over its timeout ends cancelled: nothing is built or deployed',
      allStages,
      'staging',
      { test: 'cancelled' },
      ['notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
    [
      'gates left out of stages: build and deploy still run',
      ['build', 'deploy', 'smoke', 'notify'],
      'staging',
      {},
      ['build', 'deploy-staging', 'notify', 'notify-start', 'plan', 'smoke-staging'],
    ],
    [
      'quality left out: the other gates, build and deploy run',
      STAGES.filter((s) => s !== 'quality'),
      'production',
      {},
      ['build', 'deploy-production', 'notify', 'notify-start', 'plan', 'security', 'smoke-production', 'test'],
    ],
    [
      'build left out: no deploy',
      STAGES.filter((s) => s !== 'build'),
      'staging',
      {},
      ['notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
    [
      'build fails: no deploy',
      allStages,
      'production',
      { build: 'failure' },
      ['build', 'notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
    [
      'production smoke fails: the backup is re-applied',
      allStages,
      'production',
      { 'smoke-production': 'failure' },
      [
        'build',
        'deploy-production',
        'notify',
        'notify-start',
        'plan',
        'quality',
        'rollback-production',
        'security',
        'smoke-production',
        'test',
      ],
    ],
    [
      'a pull request (environment none) builds but deploys nowhere',
      allStages,
      'none',
      {},
      ['build', 'notify', 'notify-start', 'plan', 'quality', 'security', 'test'],
    ],
  ])('%s', async (_name, stages, environment, ends, expected) => {
    expect(ran(schedule(await loadPipeline(), stages, environment, ends))).toEqual(expected);
  });
});
