/**
 * End-to-end: the built dist/index.js, run as the runner runs it (harness),
 * against a real Kubernetes API server (tools/kube or KUBECONFIG). Every
 * test uses its own fresh namespace, deleted afterwards; every wait is
 * bounded.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireOrSkip, runAction, type ActionRun } from '@pipeline/action-kit/testing';
import {
  createNamespace,
  deleteNamespace,
  eventually,
  exists,
  hasKwokNodes,
  testCluster,
  tokenKubeconfig,
} from './helpers/cluster.js';
import {
  appManifests as anyNodeManifests,
  IMAGE_BROKEN,
  IMAGE_NAME,
  IMAGE_V1,
  IMAGE_V2,
  KWOK_TOLERATION,
  workspace,
  type AppOptions,
} from './helpers/workspace.js';

const action = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cluster = testCluster();
const namespaces: string[] = [];
// On the local cluster these tests run on kwok's nodes, also when it has a real node too.
const onKwok = await hasKwokNodes(cluster);
const appManifests = (options: AppOptions = {}): string => anyNodeManifests({ kwok: onKwok, ...options });
/** Pod spec lines (6 spaces in) that pin a pod to kwok's nodes, when the cluster has them. */
const kwokPlacement = onKwok ? `      nodeSelector: {type: kwok}\n      tolerations: [${KWOK_TOLERATION}]\n` : '';

afterEach(async () => {
  await Promise.all(namespaces.splice(0).map((ns) => deleteNamespace(cluster, ns)));
});
afterAll(() => {
  // Nothing global to stop: the cluster is shared and stopped by `cluster.sh down`.
});

/** Does this cluster run the kwok failure Stages of tools/kube/stages/failures.yaml? (Only the kwok cluster does.) */
async function kwokFailureStages(): Promise<boolean> {
  const ns = await createNamespace(cluster, 'dk8s-probe');
  try {
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'probe', labels: { 'pipeline-actions.test/kwok-fail': 'crash-loop' } },
        spec: {
          containers: [{ name: 'c', image: 'example.invalid/probe:1' }],
          ...(onKwok
            ? {
                nodeSelector: { type: 'kwok' },
                tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
              }
            : {}),
        },
      },
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const pod = await cluster.core.readNamespacedPod({ name: 'probe', namespace: ns });
      if (pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff') return true;
      if (pod.status?.containerStatuses?.[0]?.ready) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  } finally {
    await deleteNamespace(cluster, ns);
  }
}
const stages = await kwokFailureStages();
// .ci/run sets REQUIRE_KWOK_STAGES=1; a kind cluster (the e2e-kind CI job) has no kwok Stages.
const kwokStages = {
  what: "this cluster's kwok failure Stages",
  available: stages,
  howToGet: 'use the local control plane (tools/kube/cluster.sh up applies tools/kube/stages/failures.yaml)',
  requiredBy: 'REQUIRE_KWOK_STAGES',
};
const itWithStages = requireOrSkip(kwokStages) ? it : it.skip;

async function freshNamespace(): Promise<string> {
  const ns = await createNamespace(cluster);
  namespaces.push(ns);
  return ns;
}

/** The admin kubeconfig's secrets: none may ever appear in what the action writes. */
function kubeconfigSecrets(text: string): string[] {
  const secrets = [text, Buffer.from(text).toString('base64')];
  for (const match of text.matchAll(/(?:client-key-data|token|client-certificate-data):\s*(\S+)/g))
    secrets.push(match[1] as string);
  return secrets;
}

function expectNoSecrets(result: ActionRun, secrets: readonly string[]): void {
  const written = [
    result.stdout.replace(/^::add-mask::.*$/gm, ''),
    result.stderr,
    result.summary,
    JSON.stringify(result.outputs),
  ].join('\n');
  for (const secret of secrets.filter((value) => value.length >= 8)) expect(written.includes(secret)).toBe(false);
}

interface DeployArgs {
  ns: string;
  manifests: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  kubeconfig?: string;
  runnerTemp?: string;
}

async function deployRun({
  ns,
  manifests,
  inputs = {},
  env = {},
  kubeconfig,
  runnerTemp,
}: DeployArgs): Promise<ActionRun> {
  const ws = await workspace({ 'k8s/app.yaml': manifests });
  const result = await runAction(action, {
    workspace: ws,
    inputs: {
      kubeconfig: kubeconfig ?? cluster.kubeconfigText,
      namespace: ns,
      manifests: 'k8s',
      timeout: '60s',
      ...inputs,
    },
    env: { ...(runnerTemp ? { RUNNER_TEMP: runnerTemp } : {}), ...env },
    timeoutMs: 110_000,
  });
  expectNoSecrets(result, kubeconfigSecrets(kubeconfig ?? cluster.kubeconfigText));
  return result;
}

function resources(
  result: ActionRun,
): { kind: string; name: string; action: string; result: string; oldImages: string[]; newImages: string[] }[] {
  return JSON.parse(result.outputs['resources'] ?? '[]') as ReturnType<typeof resources>;
}

describe('deploy-k8s against a real API server', () => {
  it('deploys a clean namespace, stamps run metadata, releases the lock, and reports', async () => {
    const ns = await freshNamespace();
    const runnerTemp = await mkdtemp(path.join(tmpdir(), 'deploy-k8s-rt-'));
    const result = await deployRun({
      ns,
      manifests: appManifests(),
      runnerTemp,
      inputs: { annotations: 'team=payments' },
    });
    expect(result.failure).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.outputs['status']).toBe('deployed');
    expect(result.outputs['revision']).toBe('1');
    expect(result.outputs['previous-revision']).toBe('');
    expect(Number(result.outputs['duration-seconds'])).toBeGreaterThan(0);
    expect(resources(result).map((r) => [r.kind, r.action, r.result])).toEqual([
      ['ConfigMap', 'create', 'applied'],
      ['Service', 'create', 'applied'],
      ['Deployment', 'create', 'ready'],
    ]);

    const deployment = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(deployment.status?.readyReplicas).toBe(3);
    expect(deployment.metadata?.annotations).toMatchObject({
      'deploy-k8s.pipeline-actions.io/repository': 'example-org/example-repo',
      'deploy-k8s.pipeline-actions.io/commit': '0123456789abcdef0123456789abcdef01234567',
      'deploy-k8s.pipeline-actions.io/run-url': 'https://github.com/example-org/example-repo/actions/runs/1/attempts/1',
      'deploy-k8s.pipeline-actions.io/actor': 'octocat',
      team: 'payments',
    });
    const managers = (deployment.metadata?.managedFields ?? []).map((m) => `${m.manager}:${m.operation}`);
    expect(managers).toContain('deploy-k8s:Apply');

    const lease = await cluster.coordination.readNamespacedLease({ name: 'deploy-k8s.web', namespace: ns });
    expect(lease.spec?.holderIdentity).toBeUndefined();

    expect(result.outputs['backup-file']?.startsWith(runnerTemp)).toBe(true);
    const backup = await readFile(result.outputs['backup-file'] as string, 'utf8');
    expect(backup).toContain('would be created: Deployment/web');

    expect(result.summary).toContain('## deploy-k8s: deployed');
    expect(result.summary).toMatch(/\| Deployment\/web \(dk8s-[0-9a-f]+\) \| k8s\/app.yaml#3 \| create \|/);
    expect(result.summary).toContain('```mermaid\ngantt');
    // The diff of created objects is readable: kubeconfig lines like `apiVersion: v1` are not scrubbed from it.
    expect(result.summary).toContain('+kind: ConfigMap\n+apiVersion: v1\n');
    expect(result.masks.length).toBeGreaterThan(3);
  });

  it('creates the namespace it deploys into, validating its objects right after creating it', async () => {
    const ns = `dk8s-new-${Date.now().toString(36)}`;
    namespaces.push(ns);
    const manifests = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n---\n${appManifests({ replicas: 1 })}`;
    const result = await deployRun({ ns, manifests });
    expect(result.failure).toBeUndefined();
    expect(result.outputs['status']).toBe('deployed');
    expect(result.stdout).toContain('are validated after their Namespace or CustomResourceDefinition is created');
    expect(resources(result).map((r) => [r.kind, r.action, r.result])).toEqual([
      ['Namespace', 'create', 'applied'],
      ['ConfigMap', 'create', 'applied'],
      ['Service', 'create', 'applied'],
      ['Deployment', 'create', 'ready'],
    ]);
    const lease = await cluster.coordination.readNamespacedLease({ name: 'deploy-k8s.web', namespace: ns });
    expect(lease.spec?.holderIdentity).toBeUndefined();
  });

  it('falls back to the KUBECONFIG file when the input is empty, and rejects an unknown context', async () => {
    const ns = await freshNamespace();
    const result = await deployRun({
      ns,
      manifests: appManifests({ replicas: 1 }),
      kubeconfig: '',
      env: { KUBECONFIG: cluster.kubeconfigPath },
    });
    expectNoSecrets(result, kubeconfigSecrets(cluster.kubeconfigText));
    expect(result.outputs['status']).toBe('deployed');
    expect(result.masks).toContain(cluster.kubeconfigText);

    const wrong = await deployRun({ ns, manifests: appManifests({ replicas: 1 }), inputs: { context: 'nope' } });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.failure).toMatch(
      /^Input 'context' has an invalid value "nope": expected one of the kubeconfig's contexts \(.+\)\.$/,
    );
  });

  it('updates the image, reports old and new images and revisions, backs up the old state; a re-run is unchanged', async () => {
    const ns = await freshNamespace();
    const first = await deployRun({ ns, manifests: appManifests() });
    expect(first.outputs['status']).toBe('deployed');

    const runnerTemp = await mkdtemp(path.join(tmpdir(), 'deploy-k8s-rt-'));
    const update = await deployRun({
      ns,
      manifests: appManifests(),
      runnerTemp,
      inputs: { images: `${IMAGE_NAME}=${IMAGE_V2}` },
    });
    expect(update.exitCode).toBe(0);
    expect(update.outputs['status']).toBe('deployed');
    expect(update.outputs['previous-revision']).toBe('1');
    expect(update.outputs['revision']).toBe('2');
    const web = resources(update).find((r) => r.kind === 'Deployment');
    expect(web).toMatchObject({ action: 'configure', result: 'ready', oldImages: [IMAGE_V1], newImages: [IMAGE_V2] });
    expect(
      resources(update)
        .filter((r) => r.kind !== 'Deployment')
        .map((r) => r.action),
    ).toEqual(['unchanged', 'unchanged']);

    const deployment = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(IMAGE_V2);
    expect(deployment.status?.updatedReplicas).toBe(3);
    expect(deployment.status?.availableReplicas).toBe(3);

    const backup = await readFile(update.outputs['backup-file'] as string, 'utf8');
    expect(backup).toContain(`image: ${IMAGE_V1}`);
    for (const serverField of [
      'managedFields',
      'resourceVersion',
      'uid:',
      'creationTimestamp',
      'status:',
      'deployment.kubernetes.io/revision',
    ]) {
      expect(backup).not.toContain(serverField);
    }
    expect(update.summary).toContain(IMAGE_V1);
    expect(update.summary).toContain(IMAGE_V2);

    const again = await deployRun({
      ns,
      manifests: appManifests(),
      inputs: { images: `${IMAGE_NAME}=${IMAGE_V2}` },
      env: { GITHUB_RUN_ID: '2' },
    });
    expect(again.outputs['status']).toBe('unchanged');
    expect(again.outputs['revision']).toBe('2');
  });

  it('rolls a rollout whose pods can never be scheduled back to the exact previous spec, within 30 s', async () => {
    const ns = await freshNamespace();
    await deployRun({ ns, manifests: appManifests({ image: IMAGE_V1 }) });
    const before = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    const bad = await deployRun({
      ns,
      manifests: appManifests({ unschedulable: true, progressDeadlineSeconds: 30, greeting: 'changed' }),
      inputs: { images: `${IMAGE_NAME}=${IMAGE_BROKEN}`, 'failure-grace': '3s' },
    });

    expect(bad.exitCode).toBe(1);
    expect(bad.outputs['status']).toBe('rolled-back');
    expect(bad.durationMs).toBeLessThan(30_000);
    expect(bad.failure).toMatch(/Unschedulable/);
    expect(bad.failure).toMatch(/Rolled back/);
    expect(bad.stdout).toMatch(/FailedScheduling/);
    expect(bad.summary).toContain('### Failing pods');
    expect(bad.summary).toContain('## deploy-k8s: rolled back');

    const after = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(after.spec).toEqual(before.spec);
    expect(after.status?.readyReplicas).toBe(3);
    expect(after.status?.updatedReplicas).toBe(3);
    const config = await cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns });
    expect(config.data).toEqual({ greeting: 'hello' });
    expect(Number(bad.outputs['revision'])).toBeGreaterThan(Number(bad.outputs['previous-revision']));
  });

  itWithStages('detects CrashLoopBackOff at once and rolls back (kwok Stage)', async () => {
    const ns = await freshNamespace();
    await deployRun({ ns, manifests: appManifests() });
    const before = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    const bad = await deployRun({
      ns,
      manifests: appManifests({ kwokFail: 'crash-loop' }),
      inputs: { images: `${IMAGE_NAME}=${IMAGE_BROKEN}` },
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs['status']).toBe('rolled-back');
    expect(bad.failure).toMatch(/web-[a-z0-9]+-[a-z0-9]+ CrashLoopBackOff/);
    expect(bad.summary).toMatch(
      /\| web-[a-z0-9]+-[a-z0-9]+ \| CrashLoopBackOff \(web\) \| back-off 40s restarting failed container=web \(last exit: Error, code 1\) \|/,
    );
    expect(bad.durationMs).toBeLessThan(20_000);
    const after = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(after.spec).toEqual(before.spec);
  });

  itWithStages(
    'treats pods that run but never become ready as failed after the grace period (kwok Stage)',
    async () => {
      const ns = await freshNamespace();
      await deployRun({ ns, manifests: appManifests() });
      const bad = await deployRun({
        ns,
        manifests: appManifests({ kwokFail: 'not-ready' }),
        inputs: { images: `${IMAGE_NAME}=${IMAGE_BROKEN}`, 'failure-grace': '2s' },
      });
      expect(bad.exitCode).toBe(1);
      expect(bad.outputs['status']).toBe('rolled-back');
      expect(bad.failure).toMatch(/NotReady/);
      expect(bad.durationMs).toBeLessThan(20_000);
      const after = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
      expect(after.spec?.template.spec?.containers[0]?.image).toBe(IMAGE_V1);
      expect(after.spec?.template.metadata?.labels).toEqual({ app: 'web' });
    },
  );

  it('stops at ProgressDeadlineExceeded when the pod signals are given more time than the deadline', async () => {
    const ns = await freshNamespace();
    await deployRun({ ns, manifests: appManifests() });
    const bad = await deployRun({
      ns,
      manifests: appManifests({ unschedulable: true, progressDeadlineSeconds: 3 }),
      inputs: { images: `${IMAGE_NAME}=${IMAGE_BROKEN}`, 'failure-grace': '5m' },
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs['status']).toBe('rolled-back');
    expect(bad.failure).toMatch(/ReplicaSet "web-[a-z0-9]+" has timed out progressing/);
    expect(bad.durationMs).toBeLessThan(30_000);
    const after = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(after.spec?.template.spec?.containers[0]?.image).toBe(IMAGE_V1);
    expect(after.spec?.progressDeadlineSeconds).toBe(600);
  });

  it('rolls back as soon as one of several workloads fails, without waiting for the slow one', async () => {
    const ns = await freshNamespace();
    const slow =
      appManifests({ minReadySeconds: 60 })
        .split('---\n')[2]
        ?.replace(/\bweb\b/g, 'slow') ?? '';
    const bad = await deployRun({
      ns,
      manifests: `${appManifests({ unschedulable: true })}---\n${slow}`,
      inputs: { 'failure-grace': '1s' },
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs['status']).toBe('rolled-back');
    expect(bad.durationMs).toBeLessThan(20_000);
    expect(resources(bad).map((r) => [r.name, r.result])).toEqual([
      ['web-config', 'deleted (rolled back)'],
      ['web', 'deleted (rolled back)'],
      ['web', expect.stringMatching(/^failed: Unschedulable, deleted/)],
      ['slow', expect.stringMatching(/^stopped: Stopped, deleted/)],
    ]);
  });

  itWithStages(
    'rolls a StatefulSet back, replacing its broken pod (forced rollback), and updates a DaemonSet',
    async () => {
      const ns = await freshNamespace();
      const workloads = (image: string, crash = false): string => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 2
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db${crash ? ', pipeline-actions.test/kwok-fail: crash-loop' : ''}}
    spec:
${kwokPlacement}      containers:
      - {name: db, image: '${image}'}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      tolerations: [{operator: Exists}]
${onKwok ? '      nodeSelector: {type: kwok}\n' : ''}      containers:
      - {name: agent, image: 'ghcr.io/acme/agent:${image.endsWith('1.0.0') ? '1.0.0' : '2.0.0'}'}
`;
      const first = await deployRun({ ns, manifests: workloads('ghcr.io/acme/db:1.0.0') });
      expect(first.outputs['status']).toBe('deployed');
      const update = await deployRun({ ns, manifests: workloads('ghcr.io/acme/db:2.0.0') });
      expect(update.outputs['status']).toBe('deployed');
      expect(resources(update).map((r) => [r.kind, r.result])).toEqual([
        ['StatefulSet', 'ready'],
        ['DaemonSet', 'ready'],
      ]);
      const before = await cluster.apps.readNamespacedStatefulSet({ name: 'db', namespace: ns });
      const bad = await deployRun({ ns, manifests: workloads('ghcr.io/acme/db:3.0.0', true) });
      expect(bad.exitCode).toBe(1);
      expect(bad.outputs['status']).toBe('rolled-back');
      expect(bad.stdout).toMatch(/pod db-1: deleted \(revision db-[0-9a-f]+ never became ready/);
      expect(bad.durationMs).toBeLessThan(20_000);
      const after = await cluster.apps.readNamespacedStatefulSet({ name: 'db', namespace: ns });
      expect(after.spec).toEqual(before.spec);
      expect(after.status?.readyReplicas).toBe(2);
      expect(after.status?.currentRevision).toBe(before.status?.currentRevision);
    },
  );

  it('leaves a failed rollout in place when rollback-on-failure is false', async () => {
    const ns = await freshNamespace();
    await deployRun({ ns, manifests: appManifests() });
    const bad = await deployRun({
      ns,
      manifests: appManifests({ unschedulable: true }),
      inputs: { images: `${IMAGE_NAME}=${IMAGE_BROKEN}`, 'failure-grace': '1s', 'rollback-on-failure': 'false' },
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs['status']).toBe('failed');
    expect(bad.failure).toMatch(/rollback-on-failure is false/);
    const after = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(after.spec?.template.spec?.containers[0]?.image).toBe(IMAGE_BROKEN);
  });

  it('deletes objects that did not exist before when a first deploy fails', async () => {
    const ns = await freshNamespace();
    const bad = await deployRun({
      ns,
      manifests: appManifests({ unschedulable: true }),
      inputs: { 'failure-grace': '2s' },
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs['status']).toBe('rolled-back');
    expect(resources(bad).map((r) => r.result)).toEqual([
      'deleted (rolled back)',
      'deleted (rolled back)',
      expect.stringMatching(/^failed: Unschedulable, deleted \(rolled back\)$/),
    ]);
    await eventually(
      async () => !(await exists(() => cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns }))),
      10_000,
      'the Deployment to be deleted',
    );
    expect(await exists(() => cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns }))).toBe(false);
  });

  it('rejects an invalid object in the third document with the file, document and server message, applying nothing', async () => {
    const ns = await freshNamespace();
    const manifests = appManifests().replace('  replicas: 3\n', '  replicas: 3\n  replicaz: 3\n');
    const result = await deployRun({ ns, manifests });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['status']).toBe('failed');
    expect(result.failure).toMatch(
      /k8s\/app\.yaml \(document 3\) Deployment\/web: .*\.spec\.replicaz: field not declared in schema/,
    );
    expect(result.failure).toMatch(/nothing was applied/);
    expect(resources(result).map((r) => [r.kind, r.action, r.result])).toEqual([
      ['ConfigMap', 'create', 'not applied'],
      ['Service', 'create', 'not applied'],
      ['Deployment', 'invalid', 'rejected by the server-side dry run'],
    ]);
    expect(await exists(() => cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns }))).toBe(false);
    expect(await exists(() => cluster.core.readNamespacedService({ name: 'web', namespace: ns }))).toBe(false);
    expect(await exists(() => cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns }))).toBe(false);
  });

  it('waits for a concurrent deploy holding the lock, and fails naming the holder when it does not let go', async () => {
    const ns = await freshNamespace();
    // Two runs at once: the first holds the Lease during a rollout of at least 12 s (the second
    // bundle's start-up must fit in it on a loaded machine); the second starts once the Lease is
    // taken, waits for it, then deploys on top.
    const first = deployRun({ ns, manifests: appManifests({ minReadySeconds: 12 }), env: { GITHUB_RUN_ID: '101' } });
    await eventually(
      async () =>
        (
          await cluster.coordination
            .readNamespacedLease({ name: 'deploy-k8s.web', namespace: ns })
            .catch(() => undefined)
        )?.spec?.holderIdentity?.includes('/runs/101') === true,
      20_000,
      'run 101 to hold the lock',
    );
    const second = await deployRun({ ns, manifests: appManifests({ image: IMAGE_V2 }), env: { GITHUB_RUN_ID: '102' } });
    const a = await first;
    expect([a.exitCode, second.exitCode]).toEqual([0, 0]);
    expect(second.stdout).toMatch(
      /Lock Lease dk8s-[0-9a-f]+\/deploy-k8s\.web is held by 'https:\/\/github\.com\/example-org\/example-repo\/actions\/runs\/101\/attempts\/1'/,
    );
    expect(a.stdout).not.toMatch(/is held by/);
    expect(second.summary).toMatch(/lock dk8s-[0-9a-f]+\/deploy-k8s\.web \(waited \d+\.\d s\)/);
    const deployment = await cluster.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(IMAGE_V2);

    // A holder that keeps renewing: the run gives up after its timeout and changes nothing.
    // MicroTime must carry microseconds; the typed client would send milliseconds.
    const now = new Date().toISOString().replace(/Z$/, '000Z') as unknown as Date;
    await cluster.coordination
      .createNamespacedLease({
        namespace: ns,
        body: {
          metadata: { name: 'deploy-k8s.web' },
          spec: {
            holderIdentity: 'https://ci.example/other-run/7',
            leaseDurationSeconds: 300,
            acquireTime: now,
            renewTime: now,
          },
        },
      })
      .catch(async () => {
        const lease = await cluster.coordination.readNamespacedLease({ name: 'deploy-k8s.web', namespace: ns });
        lease.spec = {
          ...lease.spec,
          holderIdentity: 'https://ci.example/other-run/7',
          leaseDurationSeconds: 300,
          renewTime: now,
        };
        await cluster.coordination.replaceNamespacedLease({ name: 'deploy-k8s.web', namespace: ns, body: lease });
      });
    const blocked = await deployRun({
      ns,
      manifests: appManifests({ greeting: 'blocked' }),
      inputs: { timeout: '3s' },
    });
    expect(blocked.exitCode).toBe(1);
    expect(blocked.outputs['status']).toBe('failed');
    expect(blocked.failure).toMatch(
      /Another deployment holds the lock Lease .*\/deploy-k8s\.web: holder 'https:\/\/ci\.example\/other-run\/7'/,
    );
    const config = await cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns });
    expect(config.data).toEqual({ greeting: 'hello' });
  });

  it('shows the diff of a dry run and changes nothing', async () => {
    const ns = await freshNamespace();
    await deployRun({ ns, manifests: appManifests() });
    const result = await deployRun({
      ns,
      manifests: appManifests({ greeting: 'bonjour' }),
      inputs: { 'dry-run': 'true' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['status']).toBe('unchanged');
    expect(resources(result).find((r) => r.kind === 'ConfigMap')).toMatchObject({
      action: 'configure',
      result: 'would configure',
    });
    expect(result.summary).toContain('## deploy-k8s: dry run');
    expect(result.summary).toContain('-  greeting: hello');
    expect(result.summary).toContain('+  greeting: bonjour');
    const config = await cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns });
    expect(config.data).toEqual({ greeting: 'hello' });
  });

  it('explains a broken kubeconfig without showing it (YAML and base64)', async () => {
    const ns = await freshNamespace();
    const broken = 'apiVersion: v1\nkind: Config\nusers:\n- name: x\n  user:\n    token: s3cr3t-token-value-123\n';
    const result = await deployRun({ ns, manifests: appManifests(), kubeconfig: broken });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe(
      "Input 'kubeconfig' is not a usable kubeconfig: it has no clusters. Expected a kubeconfig as raw YAML or base64, with clusters, users and contexts (the value is not shown because it is secret).",
    );
    expectNoSecrets(result, ['s3cr3t-token-value-123']);
    expect(result.masks).toContain('s3cr3t-token-value-123');

    const garbage = Buffer.from('just some text, not yaml at all').toString('base64');
    const result2 = await deployRun({ ns, manifests: appManifests(), kubeconfig: garbage });
    expect(result2.exitCode).toBe(1);
    expect(result2.failure).toMatch(/^Input 'kubeconfig' is not a usable kubeconfig: /);
    expect(result2.outputs['status']).toBe('failed');
  });

  it('explains a missing permission of a namespace-scoped service account token', async () => {
    const ns = await freshNamespace();
    await cluster.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'deployer' } } });
    await cluster.rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await cluster.rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'deployer' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
      },
    });
    const request = await cluster.core.createNamespacedServiceAccountToken({
      name: 'deployer',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = request.status?.token as string;
    expect(token.length).toBeGreaterThan(20);
    const kubeconfig = tokenKubeconfig(cluster, token, ns);

    const result = await deployRun({
      ns,
      manifests: appManifests(),
      kubeconfig: Buffer.from(kubeconfig).toString('base64'),
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['status']).toBe('failed');
    expect(result.failure).toMatch(
      // The failure is redacted like every channel: the kubeconfig's own values (its namespace) show as ***.
      new RegExp(`User "system:serviceaccount:(${ns}|\\*\\*\\*):deployer" cannot \\w+ resource "\\w+"`),
    );
    expect(result.failure).toMatch(/HTTP 403 Forbidden/);
    expectNoSecrets(result, [token]);
    expect(result.masks).toContain(token);
    expect(await exists(() => cluster.core.readNamespacedConfigMap({ name: 'web-config', namespace: ns }))).toBe(false);
  });

  it('explains an unreachable API server quickly', async () => {
    const ns = await freshNamespace();
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
    const kubeconfig = tokenKubeconfig(cluster, 'not-a-real-token-0123456789', ns, `https://127.0.0.1:${port}`);
    const result = await deployRun({ ns, manifests: appManifests(), kubeconfig });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['status']).toBe('failed');
    // Checked before the first call (a TCP probe); the address is part of the secret kubeconfig, so it may show as ***.
    expect(result.failure).toMatch(
      new RegExp(
        `^Cannot reach the Kubernetes API server (https://127\\.0\\.0\\.1:${port}|\\*\\*\\*)/? \\(the kubeconfig's cluster server\\) \\(ECONNREFUSED\\)`,
      ),
    );
    expect(result.durationMs).toBeLessThan(15_000);
  });
});
