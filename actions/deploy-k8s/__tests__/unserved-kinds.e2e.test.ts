/**
 * End-to-end: unknown-kinds with the built dist/index.js (harness) against
 * the real API server: kinds it does not serve fail the deploy or are
 * skipped; where the Prometheus Operator CRDs are installed (tools/kube's
 * cluster.sh installs them), example-service's monitoring component deploys.
 * Each test uses its own namespace, deleted afterwards.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { requireOrSkip, runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { createNamespace, deleteNamespace, exists, testCluster } from './helpers/cluster.js';
import { workspace } from './helpers/workspace.js';

const action = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const component = path.resolve(action, '../../example-service/k8s/components/monitoring');
const cluster = testCluster();
const namespaces: string[] = [];
afterEach(async () => {
  await Promise.all(namespaces.splice(0).map((ns) => deleteNamespace(cluster, ns)));
});

async function freshNamespace(): Promise<string> {
  const ns = await createNamespace(cluster, 'dk8s-kinds');
  namespaces.push(ns);
  return ns;
}

const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n`;
// A group no cluster serves.
const widgets = ['a', 'b']
  .map((n) => `apiVersion: unserved.pipeline-actions.test/v1\nkind: Widget\nmetadata:\n  name: widget-${n}\nspec: {}\n`)
  .join('---\n');

async function deployRun(ns: string, manifests: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const ws = await workspace({ 'k8s/app.yaml': manifests });
  return runAction(action, {
    workspace: ws,
    inputs: { kubeconfig: cluster.kubeconfigText, namespace: ns, manifests: 'k8s', timeout: '60s', ...inputs },
    timeoutMs: 110_000,
  });
}

const configMapExists = (ns: string) =>
  exists(() => cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns }));

async function servesMonitoring(): Promise<boolean> {
  const crds = cluster.kc.makeApiClient(k8s.ApiextensionsV1Api);
  return exists(() => crds.readCustomResourceDefinition({ name: 'servicemonitors.monitoring.coreos.com' }));
}
const itWithCrds = requireOrSkip({
  what: 'the Prometheus Operator CRDs on the test cluster',
  available: await servesMonitoring(),
  howToGet: 'tools/kube/cluster.sh up installs them (tools/monitoring/crds.sh apply)',
  requiredBy: 'REQUIRE_MONITORING_CRDS',
})
  ? it
  : it.skip;

describe('unknown-kinds against a real API server', () => {
  it('fail (the default): lists every object whose kind is not served and applies nothing', async () => {
    const ns = await freshNamespace();
    const result = await deployRun(ns, `${configMap}---\n${widgets}`);
    expect(result.exitCode).toBe(1);
    expect(result.outputs['status']).toBe('failed');
    expect(result.failure).toContain('Validation failed for 2 objects; nothing was applied');
    for (const name of ['widget-a', 'widget-b'])
      expect(result.failure).toContain(
        `Widget/${name}: the API server serves no kind Widget in unserved.pipeline-actions.test/v1: install its CustomResourceDefinition`,
      );
    expect(result.failure).toContain('unknown-kinds: skip');
    expect(await configMapExists(ns)).toBe(false);
  });

  it('skip: deploys the rest, warns with the list, and names the skipped objects in an output and the summary', async () => {
    const ns = await freshNamespace();
    const result = await deployRun(ns, `${configMap}---\n${widgets}`, { 'unknown-kinds': 'skip' });
    expect(result.failure).toBeUndefined();
    expect(result.outputs['status']).toBe('deployed');
    expect(result.stdout).toMatch(/::warning::Skipped 2 objects whose kind the cluster does not serve/);
    expect(JSON.parse(result.outputs['skipped'] ?? '[]')).toEqual([
      {
        apiVersion: 'unserved.pipeline-actions.test/v1',
        kind: 'Widget',
        name: 'widget-a',
        file: 'k8s/app.yaml',
        document: 2,
      },
      {
        apiVersion: 'unserved.pipeline-actions.test/v1',
        kind: 'Widget',
        name: 'widget-b',
        file: 'k8s/app.yaml',
        document: 3,
      },
    ]);
    expect(result.summary).toContain(
      '- Widget (unserved.pipeline-actions.test/v1): widget-a (k8s/app.yaml#2), widget-b (k8s/app.yaml#3)',
    );
    expect(await configMapExists(ns)).toBe(true);
  });

  itWithCrds(
    'deploys the monitoring component (ServiceMonitor, PrometheusRule) where the CRDs are installed',
    async () => {
      const ns = await freshNamespace();
      const manifests = [
        await readFile(path.join(component, 'service-monitor.yaml'), 'utf8'),
        await readFile(path.join(component, 'prometheus-rule.yaml'), 'utf8'),
        configMap,
      ].join('---\n');
      const result = await deployRun(ns, manifests);
      expect(result.failure).toBeUndefined();
      expect(result.outputs['status']).toBe('deployed');
      expect(JSON.parse(result.outputs['skipped'] ?? '')).toEqual([]);
      const custom = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
      const read = (plural: string) =>
        custom.getNamespacedCustomObject({
          group: 'monitoring.coreos.com',
          version: 'v1',
          namespace: ns,
          plural,
          name: 'example-service',
        }) as Promise<{ spec: { endpoints?: { path: string }[]; groups?: { rules: unknown[] }[] } }>;
      expect((await read('servicemonitors')).spec.endpoints?.[0]?.path).toBe('/metrics');
      expect((await read('prometheusrules')).spec.groups?.flatMap((g) => g.rules)).toHaveLength(12);
    },
  );
});
