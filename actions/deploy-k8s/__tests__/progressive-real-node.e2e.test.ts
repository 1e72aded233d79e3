/**
 * Canary and blue-green on real containers: the built dist/index.js
 * (harness) deploys testapp to the real node; the analysis reaches the pods
 * through the API server proxy, as it would from a runner. GitHub
 * Deployments go to the local server of helpers/local-github.ts (GitHub is
 * not reachable from here), which checks the token, paths, payloads and
 * status order.
 *
 * Skipped without a real node; REQUIRE_REAL_NODE=1 (.ci/run) makes it fail instead.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { requireOrSkip } from '@pipeline/action-kit/testing';
import { createNamespace, deleteNamespace, exists, testCluster } from './helpers/cluster.js';
import { startLocalGithub, type LocalGithub } from './helpers/local-github.js';
import { analysisOf, deployer, serviceLoad, total, type Deployer } from './helpers/progressive.js';
import { realNodeReady } from './helpers/real-node.js';

const action = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cluster = testCluster();
const net = cluster.kc.makeApiClient(k8s.NetworkingV1Api);
const namespaces: string[] = [];
const haveRealNode = requireOrSkip({
  what: 'a real Kubernetes node (kubelet + containerd)',
  available: await realNodeReady(cluster),
  howToGet: 'tools/kube/cluster.sh up --real-node (needs tools/containers/containers.sh up for its registry)',
  requiredBy: 'REQUIRE_REAL_NODE',
});
const itReal = haveRealNode ? it : it.skip;
let github: LocalGithub;

beforeAll(async () => {
  github = await startLocalGithub({ token: 'ghs_localtoken', repository: 'acme/shop' });
});
afterAll(async () => {
  await github.close();
});
afterEach(async () => {
  await Promise.all(namespaces.splice(0).map((ns) => deleteNamespace(cluster, ns)));
});

const ANALYSIS = `checks:
  - {name: root, path: /}
  - {name: orders, path: /api/orders}
requests: 40
max-error-rate: 5%
metrics:
  - {name: restarts, max: 0}
  - {name: error-rate, max: 0.05}
`;
const CANARY = {
  strategy: 'canary',
  'canary-steps': '25,50,100',
  'canary-step-duration': '4s',
  'canary-analysis': ANALYSIS,
};

const INGRESS = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`;

async function stableSpec(ns: string): Promise<{ generation: number; spec: unknown; images: string[] }> {
  const d = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
  return {
    generation: d.metadata?.generation ?? 0,
    spec: d.spec,
    images: (d.spec?.template.spec?.containers ?? []).map((c) => c.image ?? ''),
  };
}

async function versionsServing(ns: string): Promise<Set<string>> {
  const pods = await cluster.core.listNamespacedPod({ namespace: ns });
  const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');
  return new Set(live.flatMap((p) => (p.spec?.containers ?? []).map((c) => c.image?.split(':').pop() ?? '')));
}

/** The greeting each running pod answers with, by version (through the API server's pod proxy). */
async function greetings(ns: string): Promise<Record<string, string[]>> {
  const pods = await cluster.core.listNamespacedPod({ namespace: ns });
  const found: Record<string, Set<string>> = {};
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') continue;
    const body = await cluster.core.connectGetNamespacedPodProxyWithPath({
      name: `${pod.metadata?.name ?? ''}:8080`,
      namespace: ns,
      path: 'greeting',
    });
    const answer = (typeof body === 'string' ? JSON.parse(body) : body) as { version: string; greeting: string };
    (found[answer.version] ??= new Set()).add(answer.greeting);
  }
  return Object.fromEntries(Object.entries(found).map(([v, g]) => [v, [...g].sort()]));
}

async function configValue(ns: string, name: string): Promise<string | undefined> {
  try {
    return (await cluster.core.readNamespacedConfigMap({ name, namespace: ns })).data?.['greeting'];
  } catch {
    return undefined;
  }
}

/** A namespace with v1 deployed the rolling way (2 replicas), and a deployer with the local GitHub. */
async function baseline(replicas = 2, prefix = 'canary14-pd'): Promise<{ ns: string; deploy: Deployer }> {
  const ns = await createNamespace(cluster, prefix);
  namespaces.push(ns);
  const deploy = deployer(action, cluster, ns, github);
  const first = await deploy.run({ replicas });
  expect(first.outputs['status']).toBe('deployed');
  return { ns, deploy };
}

const lastDeployment = () => github.deployments.at(-1)!;
const states = (d = lastDeployment()) => d.statuses.map((s) => s.state);

describe('canary on a real node', () => {
  itReal(
    'a good version is promoted through every step; Deployments: in_progress, success, the replaced one inactive',
    async () => {
      const { ns, deploy } = await baseline();
      const replaced = lastDeployment();
      const run = await deploy.run({ tag: 'v2' }, CANARY);
      expect(run.outputs['status']).toBe('deployed');
      expect(analysisOf(run).steps.map((s) => [s.weight, s.outcome])).toEqual([
        [25, 'passed'],
        [50, 'passed'],
        [100, 'promoted'],
      ]);
      expect((await stableSpec(ns)).images[0]).toMatch(/:v2$/);
      expect(await versionsServing(ns)).toEqual(new Set(['v2']));
      expect(await exists(() => cluster.apps.readNamespacedDeployment({ name: 'web-canary', namespace: ns }))).toBe(
        false,
      );
      expect(states()).toEqual(['in_progress', 'success']);
      expect(lastDeployment().statuses[1]?.environment_url).toBe('https://shop.example/');
      expect(states(replaced)).toEqual(['in_progress', 'success', 'inactive']);
      expect(run.outputs['deployment-id']).toBe(String(lastDeployment().id));
      expect(run.summary).toContain('### Canary (pods traffic');
      expect(run.summary).toContain('```mermaid');
      expect(run.summary).toMatch(/### GitHub deployment statuses[\s\S]*in_progress[\s\S]*success[\s\S]*inactive/);
    },
    300_000,
  );

  itReal(
    '30% errors on one route: aborted at the first step, stable untouched and serving without a failure',
    async () => {
      const { ns, deploy } = await baseline(3);
      const before = await stableSpec(ns);
      const load = await serviceLoad(cluster, ns, 'web', '/api/orders');
      const run = await deploy.run(
        { tag: 'v2', env: { TESTAPP_ERROR_RATE: '0.3', TESTAPP_ERROR_ROUTE: '/api' } },
        CANARY,
      );
      const counts = await load.stop();
      expect(run.exitCode).not.toBe(0);
      expect(run.outputs['status']).toBe('aborted');
      const [first, ...rest] = analysisOf(run).steps;
      expect(first).toMatchObject({ step: 1, weight: 25, outcome: 'failed' });
      expect(first?.reason).toMatch(/error rate/);
      expect(rest).toEqual([]);
      expect(await stableSpec(ns)).toEqual(before);
      expect(await versionsServing(ns)).toEqual(new Set(['v1']));
      expect(states()).toEqual(['in_progress', 'failure']);
      process.stderr.write(
        `real node, bad canary under load: stable answered ${counts.ok['v1'] ?? 0} ok / ${counts.failed['v1'] ?? 0} failed, unattributed failures ${counts.unattributed}; canary ${counts.ok['v2'] ?? 0} ok / ${counts.failed['v2'] ?? 0} failed\n`,
      );
      // The load reached the canary (its failures were real), and not one request on the stable share failed.
      expect(counts.failed['v2'] ?? 0).toBeGreaterThan(0);
      expect(counts.failed['v1'] ?? 0).toBe(0);
      expect(counts.unattributed).toBe(0);
      expect(total(counts.ok)).toBeGreaterThan(20);
    },
    300_000,
  );

  itReal(
    'a raised p95 is aborted by the latency threshold',
    async () => {
      const { ns, deploy } = await baseline();
      const before = await stableSpec(ns);
      const run = await deploy.run(
        { tag: 'v2', env: { TESTAPP_LATENCY_MS: '300' } },
        {
          ...CANARY,
          'canary-analysis':
            'checks: [{name: root, path: /}]\nrequests: 30\nconcurrency: 6\nmax-p95-ms: 200\nmetrics: [{name: p95-ms, max: 200}]',
        },
      );
      expect(run.outputs['status']).toBe('aborted');
      const step = analysisOf(run).steps[0];
      expect(step?.outcome).toBe('failed');
      expect(step?.criteria?.filter((c) => !c.ok).map((c) => c.name)).toEqual(['p95 ms', 'p95-ms']);
      expect(await stableSpec(ns)).toEqual(before);
    },
    300_000,
  );

  itReal(
    'a manual gate: paused, then promoted',
    async () => {
      const { ns, deploy } = await baseline();
      const paused = await deploy.run({ tag: 'v2' }, { ...CANARY, promote: 'manual' });
      expect(paused.exitCode).toBe(0);
      expect(paused.outputs['status']).toBe('paused');
      expect(paused.outputs['canary']).toBe(`${ns}/web-canary`);
      expect(states()).toEqual(['in_progress']);
      expect(await versionsServing(ns)).toEqual(new Set(['v1', 'v2']));
      // A new deploy does not run over the paused canary.
      const blocked = await deploy.run({ tag: 'v2' }, CANARY);
      expect(blocked.outputs['status']).toBe('failed');
      expect(blocked.stdout).toMatch(/paused canary .* waits for a decision/);
      const promoted = await deploy.run({ tag: 'v2' }, { ...CANARY, action: 'promote' });
      expect(promoted.outputs['status']).toBe('deployed');
      expect(await versionsServing(ns)).toEqual(new Set(['v2']));
      expect(states()).toEqual(['in_progress', 'success']);
    },
    400_000,
  );

  itReal(
    'a manual gate: paused, then rejected',
    async () => {
      const { ns, deploy } = await baseline();
      const before = await stableSpec(ns);
      const paused = await deploy.run({ tag: 'v2' }, { ...CANARY, promote: 'manual' });
      expect(paused.outputs['status']).toBe('paused');
      const rejected = await deploy.run({ tag: 'v2' }, { ...CANARY, action: 'reject' });
      expect(rejected.outputs['status']).toBe('aborted');
      expect(await stableSpec(ns)).toEqual(before);
      expect(await versionsServing(ns)).toEqual(new Set(['v1']));
      expect(states()).toEqual(['in_progress', 'failure']);
    },
    300_000,
  );

  itReal(
    'a changed ConfigMap: the canary reads its copy, stable the live one; the copy goes on reject and on promotion',
    async () => {
      const { ns, deploy } = await baseline(2, 'kit14-pd');
      const v2 = { tag: 'v2', greeting: 'bonjour' };
      // The checks and restarts only: what this case is about is the configuration each track reads.
      const canary = {
        ...CANARY,
        'canary-analysis': 'checks: [{name: root, path: /, contains: bonjour}]\nrequests: 10',
      };
      const paused = await deploy.run(v2, { ...canary, promote: 'manual' });
      expect(paused.outputs['status']).toBe('paused');
      expect(await greetings(ns)).toEqual({ v1: ['hello'], v2: ['bonjour'] });
      expect(await configValue(ns, 'web-config')).toBe('hello');
      expect(await configValue(ns, 'web-config-canary')).toBe('bonjour');

      const rejected = await deploy.run(v2, { ...canary, action: 'reject' });
      expect(rejected.outputs['status']).toBe('aborted');
      expect(await configValue(ns, 'web-config-canary')).toBeUndefined();
      expect(await greetings(ns)).toEqual({ v1: ['hello'] });

      const promoted = await deploy.run(v2, canary);
      expect(promoted.outputs['status']).toBe('deployed');
      expect(await configValue(ns, 'web-config')).toBe('bonjour');
      expect(await configValue(ns, 'web-config-canary')).toBeUndefined();
      expect(await greetings(ns)).toEqual({ v2: ['bonjour'] });
    },
    500_000,
  );

  itReal(
    'ingress-nginx mode, on the API objects (no controller runs here): the weighted canary Ingress and Service, gone on reject',
    async () => {
      const ns = await createNamespace(cluster, 'kit14-pd');
      namespaces.push(ns);
      const deploy = deployer(action, cluster, ns, github);
      expect((await deploy.run({}, {}, INGRESS)).outputs['status']).toBe('deployed');
      const canary = { ...CANARY, 'canary-analysis': 'checks: [{name: root, path: /}]\nrequests: 10' };
      const paused = await deploy.run({ tag: 'v2' }, { ...canary, promote: 'manual' }, INGRESS);
      expect(paused.outputs['status']).toBe('paused');
      expect(JSON.parse(paused.outputs['analysis'] ?? '{}')).toMatchObject({ traffic: 'ingress' });
      const ingress = await net.readNamespacedIngress({ name: 'web-canary', namespace: ns });
      expect(ingress.metadata?.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '25',
        'nginx.ingress.kubernetes.io/canary-weight-total': '100',
      });
      expect(ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name).toBe('web-canary');
      // The stable Service reaches only stable pods, the canary Service only the canary's.
      for (const [service, version] of [
        ['web', 'v1'],
        ['web-canary', 'v2'],
      ] as const) {
        const load = await serviceLoad(cluster, ns, service, '/');
        await new Promise((r) => setTimeout(r, 1500));
        expect([service, Object.keys((await load.stop()).ok)]).toEqual([service, [version]]);
      }
      const rejected = await deploy.run({ tag: 'v2' }, { ...canary, action: 'reject' }, INGRESS);
      expect(rejected.outputs['status']).toBe('aborted');
      expect(await exists(() => net.readNamespacedIngress({ name: 'web-canary', namespace: ns }))).toBe(false);
      expect(await exists(() => cluster.core.readNamespacedService({ name: 'web-canary', namespace: ns }))).toBe(false);
    },
    400_000,
  );

  itReal(
    'bad inputs are refused before anything changes',
    async () => {
      const { ns, deploy } = await baseline();
      const before = await stableSpec(ns);
      const count = github.deployments.length;
      const cases: [Record<string, string>, RegExp][] = [
        [{ 'canary-steps': '10,50' }, /Input 'canary-steps' has an invalid value "10,50".*ending in 100/],
        [{ 'canary-analysis': 'metrics: [{name: cpu-usage, max: 1}]' }, /unknown metric "cpu-usage"/],
        [
          {
            'canary-analysis': 'prometheus-url: http://127.0.0.1:9\nmetrics: [{name: q, query: up, threshold: "> 0"}]',
          },
          /prometheus-url http:\/\/127\.0\.0\.1:9 is not a reachable Prometheus HTTP API.*nothing was changed/,
        ],
      ];
      for (const [inputs, message] of cases) {
        const run = await deploy.run({ tag: 'v2' }, { ...CANARY, ...inputs });
        expect(run.exitCode).not.toBe(0);
        expect(run.stdout.replace(/%0A/g, ' ')).toMatch(message);
        expect(run.outputs['status']).toBe('failed');
      }
      expect(await stableSpec(ns)).toEqual(before);
      expect(await exists(() => cluster.apps.readNamespacedDeployment({ name: 'web-canary', namespace: ns }))).toBe(
        false,
      );
      // Input errors stop before GitHub is told anything; the Prometheus probe runs after the deployment was created.
      expect(github.deployments.length - count).toBeLessThanOrEqual(1);
    },
    300_000,
  );
});

describe('blue-green on a real node', () => {
  itReal(
    'switches the live Service to the new colour, then back',
    async () => {
      const { ns, deploy } = await baseline();
      const switched = await deploy.run(
        { tag: 'v2' },
        { strategy: 'blue-green', 'canary-step-duration': '3s', 'canary-analysis': ANALYSIS },
      );
      expect(switched.outputs['status']).toBe('deployed');
      const service = await cluster.core.readNamespacedService({ name: 'web', namespace: ns });
      expect(service.spec?.selector).toEqual({ app: 'web', 'deploy-k8s.pipeline-actions.dev/color': 'blue' });
      expect(await exists(() => cluster.core.readNamespacedService({ name: 'web-preview', namespace: ns }))).toBe(
        false,
      );
      const afterSwitch = await serviceLoad(cluster, ns, 'web', '/');
      await new Promise((r) => setTimeout(r, 1500));
      const seenAfterSwitch = await afterSwitch.stop();
      expect(Object.keys(seenAfterSwitch.ok)).toEqual(['v2']);
      expect(states()).toEqual(['in_progress', 'success']);

      const back = await deploy.run({ tag: 'v2' }, { strategy: 'blue-green', action: 'switch-back' });
      expect(back.outputs['status']).toBe('rolled-back');
      const afterBack = await serviceLoad(cluster, ns, 'web', '/');
      await new Promise((r) => setTimeout(r, 1500));
      expect(Object.keys((await afterBack.stop()).ok)).toEqual(['v1']);
    },
    300_000,
  );

  itReal(
    'a bad new colour is aborted and never receives live traffic',
    async () => {
      const { ns, deploy } = await baseline();
      const load = await serviceLoad(cluster, ns, 'web', '/api/orders');
      const run = await deploy.run(
        { tag: 'v2', env: { TESTAPP_ERROR_RATE: '0.3', TESTAPP_ERROR_ROUTE: '/api' } },
        { strategy: 'blue-green', 'canary-step-duration': '3s', 'canary-analysis': ANALYSIS },
      );
      const counts = await load.stop();
      expect(run.outputs['status']).toBe('aborted');
      expect(counts.ok['v2'] ?? 0).toBe(0);
      expect(counts.failed['v2'] ?? 0).toBe(0);
      expect(counts.failed['v1'] ?? 0).toBe(0);
      expect(await versionsServing(ns)).toEqual(new Set(['v1']));
      expect(states()).toEqual(['in_progress', 'failure']);
    },
    300_000,
  );
});
