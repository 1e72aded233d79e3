/**
 * unknown-kinds: objects whose kind the cluster does not serve fail the
 * deploy (listed, nothing written) or are skipped with a warning. Pure
 * helpers by table; the flow against FakeKube with a discovery that lacks
 * the Prometheus Operator's group (the real API server: deploy.e2e.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deploy, DeployError, type DeployOptions } from '../src/deploy.js';
import { parseManifest } from '../src/manifests.js';
import { buildSummary } from '../src/summary.js';
import { describeUnserved, FAIL_HINT, findUnserved, skippedWarning } from '../src/unserved-kinds.js';
import { FakeKube } from './helpers/fake-kube.js';

const manifests = `apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data: { greeting: hello }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: web }
spec: { selector: { matchLabels: { app: web } }, endpoints: [{ port: http }] }
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: web }
spec: { groups: [] }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: web-extra }
spec: { selector: {}, endpoints: [] }
`;

/** A cluster without the Prometheus Operator CRDs. */
function clusterWithoutOperator(): FakeKube {
  const api = new FakeKube();
  const served = api.resourceInfo;
  api.resourceInfo = async (apiVersion, kind) =>
    apiVersion.startsWith('monitoring.coreos.com/') ? undefined : served(apiVersion, kind);
  return api;
}

async function options(api: FakeKube, extra: Partial<DeployOptions> = {}): Promise<DeployOptions> {
  const { objects, problems } = parseManifest(manifests, 'k8s/app.yaml');
  expect(problems).toEqual([]);
  return {
    api,
    objects,
    namespace: 'shop',
    images: [],
    annotations: new Map(),
    volatileAnnotations: new Set(),
    timeoutMs: 5000,
    rollbackOnFailure: true,
    wait: false,
    lock: false,
    dryRun: false,
    fieldManager: 'deploy-k8s',
    failureGraceMs: 1000,
    backupDir: await mkdtemp(path.join(tmpdir(), 'deploy-k8s-unserved-')),
    holder: 'test',
    ...extra,
  };
}

describe('findUnserved and its messages', () => {
  const objects = parseManifest(manifests, 'k8s/app.yaml').objects;
  it.each([
    ['a cluster that serves every kind', new FakeKube(), new Set<string>(), []],
    [
      'a cluster without the operator',
      clusterWithoutOperator(),
      new Set<string>(),
      ['ServiceMonitor/web', 'PrometheusRule/web', 'ServiceMonitor/web-extra'],
    ],
    [
      'kinds a CRD in the same manifests defines are not unserved (applied after it)',
      clusterWithoutOperator(),
      new Set(['monitoring.coreos.com/v1|ServiceMonitor']),
      ['PrometheusRule/web'],
    ],
  ])('%s', async (_label, api, defined, expected) => {
    const found = await findUnserved(api, objects, defined);
    expect(found.map((o) => `${o.kind}/${o.name}`)).toEqual(expected);
  });

  it('lists one line per kind with every object and where it comes from', async () => {
    const found = await findUnserved(clusterWithoutOperator(), objects, new Set());
    expect(describeUnserved(found)).toEqual([
      'ServiceMonitor (monitoring.coreos.com/v1): web (k8s/app.yaml#2), web-extra (k8s/app.yaml#4)',
      'PrometheusRule (monitoring.coreos.com/v1): web (k8s/app.yaml#3)',
    ]);
    expect(skippedWarning(found)).toMatch(/^Skipped 3 objects whose kind the cluster does not serve/);
  });
});

describe('deploy on a cluster without the CRDs', () => {
  it('unknown-kinds fail (the default): lists every unserved object and writes nothing', async () => {
    const api = clusterWithoutOperator();
    const error = await deploy(await options(api)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    const message = (error as DeployError).message;
    expect(message).toContain('Validation failed for 3 objects; nothing was applied');
    for (const name of ['ServiceMonitor/web', 'PrometheusRule/web', 'ServiceMonitor/web-extra'])
      expect(message).toContain(`${name}: the API server serves no kind`);
    expect(message).toContain(FAIL_HINT);
    expect(api.objects.size).toBe(0);
    expect((error as DeployError).report.skipped).toEqual([]);
  });

  it('unknown-kinds skip: deploys the rest, warns with the list, reports them skipped', async () => {
    const api = clusterWithoutOperator();
    const warnings: string[] = [];
    const report = await deploy(await options(api, { unknownKinds: 'skip', warn: (m) => warnings.push(m) }));
    expect(report.status).toBe('deployed');
    expect(report.resources.map((r) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/web-config']);
    expect([...api.objects.values()].map((o) => o.kind)).toEqual(['ConfigMap']);
    expect(report.skipped.map((o) => `${o.kind}/${o.name}`)).toEqual([
      'ServiceMonitor/web',
      'PrometheusRule/web',
      'ServiceMonitor/web-extra',
    ]);
    expect(warnings).toEqual([skippedWarning(report.skipped)]);
    const summary = buildSummary(report, { durationMs: 10, startedAt: 0 });
    expect(summary).toContain('### Skipped: kinds the cluster does not serve (unknown-kinds: skip)');
    expect(summary).toContain('- PrometheusRule (monitoring.coreos.com/v1): web (k8s/app.yaml#3)');
  });

  it('unknown-kinds skip on a cluster that serves them all skips nothing and warns nothing', async () => {
    const api = new FakeKube();
    const warnings: string[] = [];
    const report = await deploy(await options(api, { unknownKinds: 'skip', warn: (m) => warnings.push(m) }));
    expect(report.skipped).toEqual([]);
    expect(report.resources).toHaveLength(4);
    expect(warnings).toEqual([]);
  });
});
