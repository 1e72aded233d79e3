/**
 * End-to-end on real containers: the built dist/index.js (harness) deploys
 * testapp to the real node of `tools/kube/cluster.sh up --real-node`, where
 * a kubelet really pulls, starts, probes, restarts and OOM-kills it. Every
 * failing update must end `rolled-back` to the exact previous state: the
 * live specs equal what they were, and the pods that run are the previous
 * image's digest. Times (first pod signal -> detection -> healthy rollback)
 * are the action's own timeline, printed per case.
 *
 * Skipped without a real node; REQUIRE_REAL_NODE=1 (.ci/run) makes it fail instead.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireOrSkip, runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { createNamespace, deleteNamespace, eventually, testCluster } from './helpers/cluster.js';
import { realNodeReady, testAppManifests, TESTAPP, type TestAppOptions } from './helpers/real-node.js';
import { workspace } from './helpers/workspace.js';

const action = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cluster = testCluster();
const namespaces: string[] = [];
const haveRealNode = requireOrSkip({
  what: 'a real Kubernetes node (kubelet + containerd)',
  available: await realNodeReady(cluster),
  howToGet: 'tools/kube/cluster.sh up --real-node (needs tools/containers/containers.sh up for its registry)',
  requiredBy: 'REQUIRE_REAL_NODE',
});
const itReal = haveRealNode ? it : it.skip;

afterEach(async () => {
  await Promise.all(namespaces.splice(0).map((ns) => deleteNamespace(cluster, ns)));
});

async function deploy(ns: string, app: TestAppOptions, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const ws = await workspace({ 'k8s/app.yaml': testAppManifests(app) });
  return runAction(action, {
    workspace: ws,
    inputs: { kubeconfig: cluster.kubeconfigText, namespace: ns, manifests: 'k8s', timeout: '150s', ...inputs },
    timeoutMs: 200_000,
  });
}

/** What must come back after a rollback: the live specs and the digests that run. */
interface LiveState {
  deployment: unknown;
  configMap: unknown;
  service: unknown;
  digests: string[];
  revision: string;
}

async function runningDigests(ns: string): Promise<string[]> {
  const pods = await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running')
    .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => c.imageID))
    .sort();
}

async function liveState(ns: string): Promise<LiveState> {
  const d = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
  const c = await cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns });
  const s = await cluster.core.readNamespacedService({ name: 'web', namespace: ns });
  return {
    deployment: d.spec,
    configMap: c.data,
    service: s.spec,
    digests: await runningDigests(ns),
    revision: d.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '',
  };
}

/** Waits until only the previous image's pods run (old pods of the failed revision may still be terminating). */
async function settledState(ns: string, replicas: number, digest: string): Promise<LiveState> {
  await eventually(
    async () => {
      const digests = await runningDigests(ns);
      return digests.length === replicas && digests.every((d) => d === digest);
    },
    60_000,
    `${replicas} running pods of ${digest}`,
  );
  return liveState(ns);
}

/** The action's timeline rows (+seconds, text) from its job summary. */
function timeline(result: ActionRun): { at: number; text: string }[] {
  return [...result.summary.matchAll(/^\|\s*(\d+\.\d)\s*\|\s*(.+?)\s*\|$/gm)].map((m) => ({
    at: Number(m[1]),
    text: m[2] as string,
  }));
}

function times(result: ActionRun): { signalToDetection?: number; detectionToHealthy?: number } {
  const rows = timeline(result);
  const detectedRow = rows.find((r) => r.text.startsWith('failure detected ('));
  const reason = /\((.+)\)/.exec(detectedRow?.text ?? '')?.[1] ?? '';
  // The last sighting of the failing signal before detection (pods are also briefly NotReady while starting).
  const detected = detectedRow?.at;
  const signal = rows
    .filter((r) => /^pod \S+: /.test(r.text) && r.text.endsWith(`: ${reason}`) && r.at <= (detected ?? Infinity))
    .at(-1)?.at;
  const healthy = rows.find((r) => r.text === 'rollback complete and healthy')?.at;
  return {
    ...(signal !== undefined && detected !== undefined ? { signalToDetection: detected - signal } : {}),
    ...(detected !== undefined && healthy !== undefined ? { detectionToHealthy: healthy - detected } : {}),
  };
}

async function baseline(): Promise<{ ns: string; before: LiveState }> {
  const ns = await createNamespace(cluster, 'dk8s-real');
  namespaces.push(ns);
  const first = await deploy(ns, {});
  expect(first.outputs['status']).toBe('deployed');
  // The Service in front of the deployed Deployment, for a smoke test through the API server.
  expect(first.outputs['service']).toBe(`${ns}/web:80`);
  const before = await liveState(ns);
  expect(before.digests).toHaveLength(2);
  expect(new Set(before.digests).size).toBe(1);
  return { ns, before };
}

/** Deploys a failing update and checks that everything is back as it was. */
async function expectRolledBack(
  name: string,
  update: TestAppOptions,
  reason: RegExp,
  inputs: Record<string, string> = {},
): Promise<void> {
  const { ns, before } = await baseline();
  const result = await deploy(ns, update, inputs);
  const log = `${result.stdout}\n${result.summary}`;
  expect(result.exitCode).not.toBe(0);
  expect(result.outputs['status']).toBe('rolled-back');
  expect(log).toMatch(reason);
  const after = await settledState(ns, 2, before.digests[0] as string);
  expect(after.deployment).toEqual(before.deployment);
  expect(after.configMap).toEqual(before.configMap);
  expect(after.service).toEqual(before.service);
  expect(after.digests).toEqual(before.digests);
  // The revision output names what is live after the rollback, not the failed one.
  expect(result.outputs['revision']).toBe(after.revision);
  const t = times(result);
  process.stderr.write(
    `real node, ${name}: first signal -> detected ${t.signalToDetection?.toFixed(1) ?? '?'} s, detected -> rolled back and healthy ${t.detectionToHealthy?.toFixed(1) ?? '?'} s, whole run ${result.outputs['duration-seconds']} s\n`,
  );
  expect(t.signalToDetection).toBeDefined();
  expect(t.detectionToHealthy).toBeDefined();
}

describe('deploy-k8s on a real node (real containers)', () => {
  itReal(
    'a container that exits 1 at start (CrashLoopBackOff) is rolled back',
    async () => {
      await expectRolledBack(
        'exit 1 at start',
        { tag: 'v2', env: { TESTAPP_EXIT_AT_START: '1' } },
        /CrashLoopBackOff|Error/,
      );
    },
    240_000,
  );

  itReal(
    'a missing image tag (ErrImagePull / ImagePullBackOff) is rolled back',
    async () => {
      await expectRolledBack('missing tag', { tag: 'missing' }, /ErrImagePull|ImagePullBackOff/);
    },
    240_000,
  );

  itReal(
    'a missing ConfigMap key (CreateContainerConfigError) is rolled back',
    async () => {
      await expectRolledBack(
        'missing ConfigMap key',
        { tag: 'v2', greetingKey: 'no-such-key' },
        /CreateContainerConfigError/,
      );
    },
    240_000,
  );

  itReal(
    'a container over its 64Mi memory limit (OOMKilled) is rolled back',
    async () => {
      await expectRolledBack(
        'OOMKilled',
        { tag: 'v2', memoryLimit: '64Mi', env: { TESTAPP_ALLOCATE_MB: '256' } },
        /OOMKilled/,
      );
    },
    240_000,
  );

  itReal(
    'readiness that never passes is a failure once the probes had their chance',
    async () => {
      await expectRolledBack('never ready', { tag: 'v2', env: { TESTAPP_NEVER_READY: '1' } }, /NotReady/, {
        'failure-grace': '5s',
      });
    },
    240_000,
  );

  itReal(
    'readiness that passes, then fails, is caught by the settle period',
    async () => {
      await expectRolledBack('ready, then not ready', { tag: 'v2', env: { TESTAPP_READY_FOR: '6' } }, /NotReady/, {
        settle: '30s',
        'failure-grace': '3s',
      });
    },
    240_000,
  );

  itReal(
    'a crash 20 s after the rollout looked complete is caught by the settle period',
    async () => {
      await expectRolledBack(
        'crash 20 s after ready',
        { tag: 'v2', env: { TESTAPP_CRASH_AFTER: '20' } },
        /RestartedAfterReady|CrashLoopBackOff/,
        { settle: '40s' },
      );
    },
    240_000,
  );

  itReal(
    'a slow but healthy rollout (startup probe) is deployed, not rolled back',
    async () => {
      const { ns, before } = await baseline();
      const result = await deploy(ns, { tag: 'v2', env: { TESTAPP_READY_AFTER: '8' }, startupSeconds: 30 });
      expect(result.outputs['status']).toBe('deployed');
      const after = await liveState(ns);
      expect(after.digests).toHaveLength(2);
      expect(new Set(after.digests).size).toBe(1);
      expect(after.digests[0]).not.toBe(before.digests[0]);
      expect(after.digests[0]).toContain(`${TESTAPP.split('/').pop() ?? ''}@sha256:`);
      expect(result.outputs['revision']).toBe(after.revision);
      process.stderr.write(`real node, slow but healthy: deployed in ${result.outputs['duration-seconds']} s\n`);
    },
    240_000,
  );
});
