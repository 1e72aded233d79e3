import { describe, expect, it } from '@jest/globals';
import { evaluateCondition, evaluateExpression, stringValue, truthy } from '../src/expressions.js';
import type { EvalContext, Json } from '../src/expressions.js';
import { markdownToHtml } from '../src/report.js';
import { parseCallRef, resolveInputs } from '../src/runner.js';
import { ancestors, loadWorkflow, orderJobs } from '../src/workflow.js';

const ctx = (contexts: Record<string, Json>, failed = false): EvalContext => ({
  contexts,
  status: { success: () => !failed, failure: () => failed, cancelled: () => false },
});

describe('expressions (official evaluator, runner status functions)', () => {
  const contexts: Record<string, Json> = {
    inputs: { stages: 'quality,test', 'node-version': '24', n: 3 },
    needs: {
      build: { result: 'success', outputs: { digest: '', 'image-ref': 'img:sha-1' } },
      q: { result: 'skipped', outputs: {} },
    },
    steps: { push: { outputs: { digest: 'sha256:ab' } } },
  };
  it.each<[string, Json, boolean]>([
    ["contains(format(',{0},', inputs.stages), ',test,')", true, false],
    ["needs.build.outputs.digest || needs.build.outputs['image-ref']", 'img:sha-1', false],
    ["needs.q.result != 'failure'", true, false],
    ['inputs.n == 3', true, false],
    ["steps.push.outputs.digest != ''", true, false],
    ["format('{0}@{1}', 'img', steps.push.outputs.digest)", 'img@sha256:ab', false],
    ['success()', true, false],
    ['failure()', true, true],
    ['!cancelled() && !failure()', false, true],
    ['always()', true, true],
    ['toJSON(needs.build.outputs)', '{\n  "digest": "",\n  "image-ref": "img:sha-1"\n}', false],
    ["fromJSON('[1,2]')[1]", 2, false],
    ['inputs.missing', null, false],
  ])('%s → %j', (expression, expected, failed) => {
    expect(evaluateExpression(expression, ctx(contexts, failed))).toEqual(expected);
  });

  it.each<[Json, boolean]>([
    [null, false],
    ['', false],
    ['false', true],
    [0, false],
    [1, true],
    [{}, true],
  ])('truthy(%j) = %s', (value, expected) => expect(truthy(value)).toBe(expected));

  it.each<[Json, string]>([
    [null, ''],
    [true, 'true'],
    [12, '12'],
    ['x', 'x'],
  ])('stringValue(%j) = %j', (value, expected) => expect(stringValue(value)).toBe(expected));

  it('rejects an unknown context or function with the evaluator error', () => {
    expect(() => evaluateCondition('nope.x', ctx({}))).toThrow(/nope/);
    expect(() => evaluateCondition('nofunc()', ctx({}))).toThrow(/nofunc/i);
  });
});

describe('workflow model', () => {
  const text = `on: push
jobs:
  c:
    needs: [b]
    runs-on: x
    steps: [{ run: echo c }]
  a:
    runs-on: x
    steps: [{ run: echo a }]
  b:
    needs: [a]
    runs-on: x
    steps: [{ run: echo b }]
  d:
    runs-on: x
    steps: [{ run: echo d }]
`;
  it('orders jobs by needs, stable among peers, and lists ancestors', async () => {
    const workflow = await loadWorkflow('w.yml', text);
    expect(orderJobs(workflow.template.jobs).map((j) => j.id.value)).toEqual(['a', 'b', 'c', 'd']);
    expect([...ancestors(workflow.template.jobs, 'c')].sort()).toEqual(['a', 'b']);
  });

  it('reports a needs cycle and a missing job', () => {
    const job = (id: string, needs: string[]) => ({ id: { value: id }, needs: needs.map((value) => ({ value })) });
    expect(() => orderJobs([job('a', ['b']), job('b', ['a'])])).toThrow(/cycle/);
    expect(() => orderJobs([job('a', ['zz'])])).toThrow(/needs 'zz', which does not exist/);
  });

  it('rejects a workflow the official parser rejects, naming the file', async () => {
    await expect(
      loadWorkflow('bad.yml', 'on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ nothing: 1 }]\n'),
    ).rejects.toThrow(/bad\.yml/);
  });
});

describe('calls and inputs', () => {
  it.each([
    ['./.github/workflows/pipeline.yml', { kind: 'local', workflowPath: '.github/workflows/pipeline.yml' }],
    [
      'acme/ci/.github/workflows/pipeline.yml@v1',
      { kind: 'remote', repository: 'acme/ci', workflowPath: '.github/workflows/pipeline.yml', ref: 'v1' },
    ],
    [
      'acme/ci/.github/workflows/pipeline.yml@0123456789abcdef0123456789abcdef01234567',
      { kind: 'remote', ref: '0123456789abcdef0123456789abcdef01234567' },
    ],
  ])('parseCallRef(%s)', (ref, expected) => expect(parseCallRef(ref)).toMatchObject(expected));

  it('returns undefined for an action reference', () => expect(parseCallRef('actions/checkout@v4')).toBeUndefined());

  const pipelineText = `on:
  workflow_call:
    inputs:
      dir: { type: string, default: . }
      count: { type: number, default: 2 }
      flag: { type: boolean, default: true }
      must: { type: string, required: true }
jobs:
  a:
    runs-on: x
    steps: [{ run: echo }]
`;
  it('applies defaults, the caller with:, then local overrides, typed as declared', async () => {
    const pipeline = await loadWorkflow('p.yml', pipelineText);
    expect(resolveInputs(pipeline, { must: 'x', count: 5 }, { flag: 'false' }, 'c.yml')).toEqual({
      dir: '.',
      count: 5,
      flag: false,
      must: 'x',
    });
    expect(resolveInputs(pipeline, { must: 'x' }, {}, 'c.yml')).toEqual({ dir: '.', count: 2, flag: true, must: 'x' });
  });

  it('gives a string input the text of a number or boolean, as GitHub does', async () => {
    const pipeline = await loadWorkflow('p.yml', pipelineText);
    expect(resolveInputs(pipeline, { must: 3.1, dir: true }, {}, 'c.yml')).toMatchObject({ must: '3.1', dir: 'true' });
  });

  it.each([
    [{ must: 'x', count: '5' }, "c.yml: with.count: '5' (a string) is not a number"],
    [{ must: 'x', count: true }, 'c.yml: with.count: true (a boolean) is not a number'],
    [{ must: 'x', flag: 'true' }, "c.yml: with.flag: 'true' (a string) is not a boolean"],
    [{ must: 'x', flag: 1 }, 'c.yml: with.flag: 1 (a number) is not a boolean'],
    [{ must: null }, 'c.yml: with.must: an empty value (null) is not a string'],
    [{ must: ['a'] }, 'c.yml: with.must: ["a"] (a sequence) is not a string'],
  ])('refuses the evaluated with: %j whose type differs from the declared one', async (withValues, message) => {
    const pipeline = await loadWorkflow('p.yml', pipelineText);
    expect(() => resolveInputs(pipeline, withValues, {}, 'c.yml')).toThrow(message);
    expect(() => resolveInputs(pipeline, withValues, {}, 'c.yml')).toThrow(
      /p\.yml declares it type: (number|boolean|string)$/,
    );
  });

  it.each([
    [{ must: 'x', nope: 1 }, {}, "input 'nope' is not declared"],
    [{}, {}, "requires input 'must'"],
    [{ must: 'x' }, { count: 'many' }, "input 'count' must be a number, got 'many'"],
    [{ must: 'x' }, { flag: 'yes' }, "input 'flag' must be true or false, got 'yes'"],
    [{ must: 'x' }, { other: '1' }, '--input other: not an input'],
  ])('rejects with %j and overrides %j', async (withValues, overrides, message) => {
    const pipeline = await loadWorkflow('p.yml', pipelineText);
    expect(() => resolveInputs(pipeline, withValues, overrides, 'c.yml')).toThrow(message);
  });
});

describe('report HTML', () => {
  it('escapes what step summaries contain and renders tables', () => {
    const html = markdownToHtml('## T\n\n| a | b |\n| --- | --- |\n| <script>x</script> | `c` |\n');
    expect(html).toContain('<h2>T</h2>');
    expect(html).toContain('<td>&lt;script&gt;x&lt;/script&gt;</td>');
    expect(html).not.toContain('<script>');
  });
});

describe('the service configuration a local run takes from the applied manifests', () => {
  it('merges envFrom ConfigMaps and literal env values, leaving the local connection settings alone', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { deployedEnvironment } = await import('../src/runner.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'manifests-'));
    await writeFile(
      path.join(dir, 'all.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data: { LOG_LEVEL: info, MIGRATE_ON_START: "true", PORT: "9999" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: unused }
data: { NOT_LOADED: x }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: app
          envFrom: [{ configMapRef: { name: cfg } }]
          env:
            - { name: PG_POOL_MAX, value: "5" }
            - { name: FROM_SECRET, valueFrom: { secretKeyRef: { name: s, key: k } } }
            - { name: DATABASE_URL, value: postgres://prod }
`,
    );
    expect(await deployedEnvironment([dir])).toEqual({ LOG_LEVEL: 'info', MIGRATE_ON_START: 'true', PG_POOL_MAX: '5' });
    expect(await deployedEnvironment([path.join(dir, 'missing.yaml')])).toEqual({});
  });
});
