/**
 * The deploy flow against the in-memory FakeKube (no rollout wait: watches
 * and rollbacks are exercised against the real API server in deploy.e2e.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deploy, DeployError, type DeployOptions } from '../src/deploy.js';
import { applicationName, laterKinds } from '../src/phases/prepare.js';
import { parseManifest } from '../src/manifests.js';
import type { KubeObject } from '../src/objects.js';
import { buildSummary, phaseGantt } from '../src/summary.js';
import { FakeKube } from './helpers/fake-kube.js';

const manifests = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData:
  password: hunter2-secret
`;

async function options(api: FakeKube, text = manifests, extra: Partial<DeployOptions> = {}): Promise<DeployOptions> {
  const { objects, problems } = parseManifest(text, 'k8s/app.yaml');
  expect(problems).toEqual([]);
  return {
    api,
    objects,
    namespace: 'shop',
    images: [],
    annotations: new Map([['deploy-k8s.pipeline-actions.io/run-url', 'https://ci/run/1']]),
    volatileAnnotations: new Set(['deploy-k8s.pipeline-actions.io/run-url']),
    timeoutMs: 5000,
    rollbackOnFailure: true,
    wait: false,
    lock: true,
    dryRun: false,
    fieldManager: 'deploy-k8s',
    failureGraceMs: 1000,
    backupDir: await mkdtemp(path.join(tmpdir(), 'deploy-k8s-unit-')),
    holder: 'https://ci/run/1',
    ...extra,
  };
}

describe('deploy (fake API)', () => {
  it('creates, then reports unchanged on a re-run with a new run URL, then backs up before configuring', async () => {
    const api = new FakeKube();
    const first = await deploy(await options(api));
    expect(first.status).toBe('deployed');
    expect(first.resources.map((r) => [r.kind, r.action, r.result])).toEqual([
      ['ConfigMap', 'create', 'applied'],
      ['Secret', 'create', 'applied'],
    ]);
    expect(first.lock).toEqual({
      name: 'deploy-k8s.web-config',
      namespace: 'shop',
      waitedMs: expect.any(Number) as unknown as number,
    });

    const again = await deploy({
      ...(await options(api)),
      annotations: new Map([['deploy-k8s.pipeline-actions.io/run-url', 'https://ci/run/2']]),
    });
    expect(again.status).toBe('unchanged');
    expect(again.backupFile).toBe('');

    const changed = await deploy(await options(api, manifests.replace('greeting: hello', 'greeting: hi')));
    expect(changed.status).toBe('deployed');
    expect(changed.resources.map((r) => r.action)).toEqual(['configure', 'unchanged']);
    const backup = await readFile(changed.backupFile, 'utf8');
    expect(backup).toContain('greeting: hello');
    expect(backup).not.toContain('resourceVersion');
    expect(changed.diffs.map((d) => d.label)).toEqual(['ConfigMap/web-config in shop']);
  });

  it('never writes Secret values into the backup, the diff or the summary', async () => {
    const api = new FakeKube();
    await deploy(await options(api));
    const report = await deploy(await options(api, manifests.replace('hunter2-secret', 'new-secret-value')));
    const written = [
      await readFile(report.backupFile, 'utf8'),
      JSON.stringify(report.diffs),
      buildSummary(report, { durationMs: 1, startedAt: 0 }),
    ].join('\n');
    expect(written).toContain('<redacted sha256:');
    expect(written).not.toContain('hunter2-secret');
    expect(written).not.toContain('new-secret-value');
  });

  it('reports every preparation problem with file and document, and writes nothing', async () => {
    const api = new FakeKube();
    const text = `${manifests}---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: elsewhere
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
`;
    const error = await deploy(await options(api, text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).message).toBe(
      'Validation failed for 2 objects; nothing was applied:\n' +
        "  k8s/app.yaml (document 3) ConfigMap/other: its namespace elsewhere differs from the 'namespace' input shop; remove metadata.namespace or change the input\n" +
        '  k8s/app.yaml (document 4) ConfigMap/web-config: ConfigMap/web-config in shop appears more than once in the manifests',
    );
    expect(api.objects.size).toBe(0);
  });

  it('a dry run validates and diffs but changes nothing and takes no lock', async () => {
    const api = new FakeKube();
    const report = await deploy(await options(api, manifests, { dryRun: true }));
    expect(report.status).toBe('unchanged');
    expect(report.resources.map((r) => r.result)).toEqual(['would create', 'would create']);
    expect(report.lock).toBeUndefined();
    expect(api.objects.size).toBe(0);
    expect(buildSummary(report, { durationMs: 1200, startedAt: 0 })).toContain('## deploy-k8s: dry run');
  });

  it('warns about image rules that match no container', async () => {
    const api = new FakeKube();
    const warnings: string[] = [];
    const report = await deploy({
      ...(await options(api)),
      images: [{ name: 'nope', image: 'nope:1' }],
      warn: (m) => void warnings.push(m),
    });
    expect(report.unmatchedImageRules).toEqual(['nope']);
    expect(warnings).toEqual(["Input 'images': no container uses an image named nope; the rule changed nothing."]);
  });
});

describe('cancellation', () => {
  it('releases the lock Lease on SIGTERM, then lets the signal take effect', async () => {
    const api = new FakeKube();
    const kills: [number, string][] = [];
    const proc = Object.assign(new EventEmitter(), {
      pid: 4242,
      kill: (pid: number, signal?: string | number) => void kills.push([pid, String(signal)]),
    });
    const leaseRef = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      name: 'deploy-k8s.web-config',
      namespace: 'shop',
    };
    let holderAtSignal: unknown;
    const apply = api.apply;
    api.apply = async (object, opts) => {
      if (!opts.dryRun && object.kind === 'ConfigMap') {
        holderAtSignal = ((await api.get(leaseRef))?.['spec'] as { holderIdentity?: string }).holderIdentity;
        proc.emit('SIGTERM', 'SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return apply(object, opts);
    };
    const warnings: string[] = [];
    await deploy({
      ...(await options(api)),
      process: proc as unknown as NodeJS.Process,
      warn: (m) => void warnings.push(m),
    });
    expect(holderAtSignal).toBe('https://ci/run/1');
    expect(kills).toEqual([[4242, 'SIGTERM']]);
    expect(warnings[0]).toMatch(
      /^Received SIGTERM \(the run is being cancelled\): releasing the lock Lease shop\/deploy-k8s\.web-config/,
    );
    expect((await api.get(leaseRef))?.['spec']).not.toHaveProperty('holderIdentity');
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('applicationName', () => {
  const o = (kind: string, name: string, labels?: Record<string, string>): KubeObject => ({
    apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
    kind,
    metadata: { name, ...(labels ? { labels } : {}) },
  });
  it.each([
    [[o('ConfigMap', 'c'), o('Deployment', 'web', { 'app.kubernetes.io/name': 'shop' })], 'shop'],
    [
      [
        o('ConfigMap', 'c', { 'app.kubernetes.io/part-of': 'store' }),
        o('Deployment', 'web', { 'app.kubernetes.io/name': 'shop' }),
      ],
      'store',
    ],
    [[o('ConfigMap', 'c'), o('Deployment', 'web')], 'web'],
    [[o('ConfigMap', 'c')], 'c'],
  ])('%#', (objects, expected) => {
    expect(applicationName(objects)).toBe(expected);
  });
});

describe('laterKinds: discovery looked up with the manifests', () => {
  const o = (kind: string, name: string): KubeObject => ({
    apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
    kind,
    metadata: { name },
  });
  const deployment = { file: 'k8s/app.yaml', document: 0, line: 1, object: o('Deployment', 'web') };
  const configMap = { file: 'k8s/app.yaml', document: 1, line: 20, object: o('ConfigMap', 'c') };
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' };
  const pod = { apiVersion: 'v1', kind: 'Pod' };
  const ctx = (lock: boolean, dryRun: boolean, wait: boolean) => ({ options: { lock, dryRun, wait } as DeployOptions });
  it.each([
    ['lock and a workload to wait for', ctx(true, false, true), [deployment, configMap], [lease, pod]],
    ['no workload: nothing to watch', ctx(true, false, true), [configMap], [lease]],
    ['lock: false', ctx(false, false, true), [deployment], [pod]],
    ['wait: false', ctx(true, false, false), [deployment], [lease]],
    ['a dry run takes no lock and watches nothing', ctx(true, true, true), [deployment], []],
  ])('%s', (_name, context, objects, expected) => {
    expect(laterKinds(context, objects)).toEqual(expected);
  });
});

describe('summary', () => {
  it('draws phases as a Mermaid gantt, failed phases as critical', () => {
    expect(
      phaseGantt([
        { name: 'Apply: all', start: 1000, end: 3500, ok: true },
        { name: 'Wait for rollout', start: 3500, end: 9000, ok: false },
      ]),
    ).toBe(
      '```mermaid\ngantt\n  title Deploy timeline\n  dateFormat x\n  axisFormat %M:%S\n  section deploy-k8s\n  Apply  all (2.5 s) :done, p0, 1000, 3500\n  Wait for rollout (5.5 s) :crit, p1, 3500, 9000\n```',
    );
  });

  it('writes a failure without a report', () => {
    expect(buildSummary(undefined, { durationMs: 500, startedAt: 0, failure: 'cannot reach' })).toBe(
      '## deploy-k8s: failed\n\nDuration 0.5 s\n\n**Failed:**\n\n```text\ncannot reach\n```\n',
    );
  });
});
