/**
 * deploy-k8s while the API server restarts in the middle of a rollout, on
 * real containers: the built dist/index.js (harness) deploys testapp to a
 * real node, and as soon as it is watching the rollout the API server is
 * stopped and started again (`cluster.sh restart-apiserver`: SIGTERM, SIGKILL
 * after 5 s, the same command line, /readyz; kube-controller-manager and
 * kube-scheduler, which give up without it, are started again). The watch
 * must resume and nothing may be left half-applied:
 *   - a good update ends `deployed`: every object at the new spec, the pods
 *     running the new image's digest (as the registry names it);
 *   - a bad update (exit 1 at start) ends `rolled-back` to the exact previous
 *     specs and digest;
 *   - the Lease lock is released either way;
 *   - the log says the watch resumed, and after how long without events.
 *
 * The cluster: restarting an API server is never done to the shared one, so
 * this test uses a cluster of its own (helpers/own-cluster.ts:
 * RESTART_KUBE_CLUSTER_NAME, default deploy-k8s-restart, state in
 * .tmp/kube-restart), started here and stopped at the end unless it already
 * ran. It runs where the other real-node tests run: when the test cluster
 * (KUBECONFIG or tools/kube) has a real node, as .ci/run's real-node step
 * provides; skipped otherwise, a failure with REQUIRE_REAL_NODE=1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireOrSkip, runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { createNamespace, deleteNamespace, eventually, testCluster, type TestCluster } from './helpers/cluster.js';
import { ownCluster, ownClusterOptions, type ApiServerRestart, type OwnCluster } from './helpers/own-cluster.js';
import { realNodeReady, testAppManifests, TESTAPP, type TestAppOptions } from './helpers/real-node.js';
import { workspace } from './helpers/workspace.js';

const action = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const haveRealNode = requireOrSkip({
  what: 'a real Kubernetes node (kubelet + containerd)',
  available: await realNodeReady(testCluster()),
  howToGet: 'tools/kube/cluster.sh up --real-node (needs tools/containers/containers.sh up for its registry)',
  requiredBy: 'REQUIRE_REAL_NODE',
});
const itReal = haveRealNode ? it : it.skip;

let own: OwnCluster | undefined;
const namespaces: string[] = [];

beforeAll(async () => {
  if (haveRealNode) own = await ownCluster(ownClusterOptions());
}, 20 * 60_000);

afterEach(async () => {
  const cluster = own?.cluster;
  if (cluster) await Promise.all(namespaces.splice(0).map((ns) => deleteNamespace(cluster, ns)));
});

afterAll(async () => {
  await own?.stop();
}, 200_000);

function clusterOf(): TestCluster {
  if (!own) throw new Error('the own cluster was not started');
  return own.cluster;
}

/** The digest the registry gives a testapp tag (what containerd records as the running image's ID). */
async function registryDigest(tag: string): Promise<string> {
  const [host, ...repository] = TESTAPP.split('/');
  const response = await fetch(`http://${host}/v2/${repository.join('/')}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  const digest = response.headers.get('docker-content-digest');
  if (!response.ok || !digest) throw new Error(`the registry has no ${TESTAPP}:${tag} (HTTP ${response.status})`);
  return digest;
}

async function runningDigests(ns: string): Promise<string[]> {
  const pods = await clusterOf().core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running')
    .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => c.imageID))
    .sort();
}

interface LiveState {
  deployment: unknown;
  configMap: unknown;
  service: unknown;
  digests: string[];
}

async function liveState(ns: string): Promise<LiveState> {
  const cluster = clusterOf();
  const d = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
  const c = await cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns });
  const s = await cluster.core.readNamespacedService({ name: 'web', namespace: ns });
  return { deployment: d.spec, configMap: c.data, service: s.spec, digests: await runningDigests(ns) };
}

/** Waits until exactly `replicas` pods run `digest` (pods of the other revision may still be terminating). */
async function settledOn(ns: string, replicas: number, digest: string): Promise<LiveState> {
  await eventually(
    async () => {
      const digests = await runningDigests(ns);
      return digests.length === replicas && digests.every((d) => d.endsWith(`@${digest}`));
    },
    90_000,
    `${replicas} running pods of ${digest}`,
  );
  return liveState(ns);
}

/** Nobody holds the deploy Lease of the namespace (the action released it). */
async function expectLockReleased(ns: string): Promise<void> {
  const leases = await clusterOf().coordination.listNamespacedLease({
    namespace: ns,
    labelSelector: 'app.kubernetes.io/managed-by=deploy-k8s',
  });
  expect(leases.items).toHaveLength(1);
  expect(leases.items[0]?.spec?.holderIdentity).toBeUndefined();
}

function deploy(ns: string, app: TestAppOptions, onLine?: (line: string) => void): Promise<ActionRun> {
  return workspace({ 'k8s/app.yaml': testAppManifests(app) }).then((ws) =>
    runAction(action, {
      workspace: ws,
      inputs: { kubeconfig: clusterOf().kubeconfigText, namespace: ns, manifests: 'k8s', timeout: '240s' },
      timeoutMs: 300_000,
      ...(onLine ? { onLine } : {}),
    }),
  );
}

/** The first line of the rollout watch: the workload's state, after apply. */
const WATCHING = /^Deployment\/web: (waiting for the controller|\d+ (of \d+ )?(new|old|updated) replicas)/;

/** Deploys `app`, restarting the API server as soon as the action watches the rollout. */
async function deployThroughRestart(
  ns: string,
  app: TestAppOptions,
): Promise<{ result: ActionRun; restart: ApiServerRestart; watchingAt: number }> {
  let restarting: Promise<ApiServerRestart> | undefined;
  let watchingAt = 0;
  const result = await deploy(ns, app, (line) => {
    if (restarting || !WATCHING.test(line)) return;
    watchingAt = Date.now();
    restarting = (own as OwnCluster).restartApiServer();
  });
  if (!restarting) throw new Error(`the action never logged its watch:\n${result.stdout}`);
  const restart = await restarting;
  return { result, restart, watchingAt };
}

/** The action's own account of the gap: "watch of <kind> resumed after N s without events". */
function blindSeconds(result: ActionRun): number[] {
  return [...result.stdout.matchAll(/watch of .+? resumed after (\d+(?:\.\d+)?) s without events/g)].map((m) =>
    Number(m[1]),
  );
}

function report(name: string, result: ActionRun, restart: ApiServerRestart, watchingAt: number): void {
  process.stderr.write(
    `API server restart, ${name}: restarted ${((restart.startedAt - watchingAt) / 1000).toFixed(1)} s after the watch began, ` +
      `unavailable ${restart.unavailableS.toFixed(1)} s; the action was blind ${blindSeconds(result).join(' s, ')} s ` +
      `(per watch); status ${result.outputs['status']}, whole run ${result.outputs['duration-seconds']} s\n` +
      restart.output
        .split('\n')
        .filter((line) => line.includes('kube-'))
        .map((line) => `  ${line}\n`)
        .join('') +
      result.log
        .filter((line) => /watch of|the API server answered again|sending it again|lock Lease/.test(line))
        .map((line) => `  | ${line}\n`)
        .join(''),
  );
}

describe('deploy-k8s while the API server restarts (real node, a cluster of its own)', () => {
  itReal(
    'a good update started before the restart ends deployed, every object at the new spec',
    async () => {
      const ns = await createNamespace(clusterOf(), 'dk8s-restart');
      namespaces.push(ns);
      const first = await deploy(ns, {});
      expect(first.outputs['status']).toBe('deployed');
      const [v1, v2] = await Promise.all([registryDigest('v1'), registryDigest('v2')]);

      // A slow but healthy start (ready after 8 s, one pod at a time) keeps the rollout going through the restart.
      const update: TestAppOptions = {
        tag: 'v2',
        greeting: 'hello again',
        env: { TESTAPP_READY_AFTER: '8' },
        startupSeconds: 60,
      };
      const { result, restart, watchingAt } = await deployThroughRestart(ns, update);
      report('good update', result, restart, watchingAt);
      expect(result.outputs['status']).toBe('deployed');
      expect(result.exitCode).toBe(0);

      const after = await settledOn(ns, 2, v2);
      expect(after.digests.every((d) => !d.endsWith(`@${v1}`))).toBe(true);
      const deployment = after.deployment as { template: { spec: { containers: Record<string, unknown>[] } } };
      const container = deployment.template.spec.containers[0] as {
        image: string;
        env: { name: string; value?: string }[];
      };
      expect(container.image).toBe(`${TESTAPP}:v2`);
      expect(container.env).toContainEqual({ name: 'TESTAPP_READY_AFTER', value: '8' });
      expect(after.configMap).toEqual({ greeting: 'hello again' });
      const live = await clusterOf().apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      expect(live.status?.observedGeneration).toBe(live.metadata?.generation);
      expect(live.status?.updatedReplicas).toBe(2);
      expect(result.outputs['revision']).toBe(live.metadata?.annotations?.['deployment.kubernetes.io/revision']);
      await expectLockReleased(ns);

      // Both watches (the Deployment's and its pods') were cut by the restart and resumed.
      const blind = blindSeconds(result);
      expect(blind).toHaveLength(2);
      // Blind for about as long as the server was away: not less (it was), not much more (the retries are short).
      for (const s of blind) expect(s).toBeLessThanOrEqual(restart.unavailableS + 5);
      expect(Math.max(...blind)).toBeGreaterThanOrEqual(1);
    },
    420_000,
  );

  itReal(
    'a bad update (exit 1 at start) started before the restart ends rolled-back to the exact previous state',
    async () => {
      const ns = await createNamespace(clusterOf(), 'dk8s-restart');
      namespaces.push(ns);
      const first = await deploy(ns, {});
      expect(first.outputs['status']).toBe('deployed');
      const v1 = await registryDigest('v1');
      const before = await settledOn(ns, 2, v1);

      const { result, restart, watchingAt } = await deployThroughRestart(ns, {
        tag: 'v2',
        greeting: 'hello again',
        env: { TESTAPP_EXIT_AT_START: '1' },
      });
      report('bad update', result, restart, watchingAt);
      expect(result.outputs['status']).toBe('rolled-back');
      expect(result.exitCode).not.toBe(0);
      expect(`${result.stdout}\n${result.summary}`).toMatch(/CrashLoopBackOff|Error/);

      const after = await settledOn(ns, 2, v1);
      expect(after.deployment).toEqual(before.deployment);
      expect(after.configMap).toEqual(before.configMap);
      expect(after.service).toEqual(before.service);
      expect(after.digests).toEqual(before.digests);
      await expectLockReleased(ns);
      expect(blindSeconds(result)).toHaveLength(2);
    },
    420_000,
  );
});
