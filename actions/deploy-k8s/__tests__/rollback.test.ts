/**
 * The rollback phase against the in-memory FakeKube. The rollout waiter is
 * injected: it plays the Deployment controller (a new revision and its
 * ReplicaSet) and says how the rollout went. The watch-based waiter itself
 * is exercised against the real API server in deploy.e2e.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deploy, DeployError, type DeployOptions, type DeployReport } from '../src/deploy.js';
import { KubeError } from '../src/kube.js';
import { parseManifest } from '../src/manifests.js';
import type { KubeObject } from '../src/objects.js';
import type { RolloutResult, WaitOptions } from '../src/watcher.js';
import { FakeKube } from './helpers/fake-kube.js';

const NS = 'shop';
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: NS };
const configRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'web-config', namespace: NS };

function manifests(image: string, greeting = 'hello'): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: ${greeting}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
`;
}

function template(image: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ...extra }] } };
}

/** The cluster before the deploy: revision 1 of the Deployment with its ReplicaSet, and the ConfigMap. */
function seed(
  api: FakeKube,
  options: { revision?: string; replicaSetTemplate?: Record<string, unknown> } = {},
): KubeObject {
  api.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: configRef.name, namespace: NS },
    data: { greeting: 'hello' },
  });
  const annotations =
    options.revision === '' ? {} : { annotations: { 'deployment.kubernetes.io/revision': options.revision ?? '1' } };
  const deployment = api.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, labels: { app: 'web' }, ...annotations },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('ghcr.io/acme/web:1.0') },
  });
  if (options.replicaSetTemplate) replicaSet(api, deployment, '1', options.replicaSetTemplate);
  return deployment;
}

function replicaSet(
  api: FakeKube,
  deployment: KubeObject,
  revision: string,
  podTemplate: Record<string, unknown>,
): void {
  const labeled = structuredClone(podTemplate) as { metadata: { labels: Record<string, string> } };
  labeled.metadata.labels['pod-template-hash'] = `hash${revision}`;
  api.put({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-hash${revision}`,
      namespace: NS,
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: deployment.metadata['uid'] }],
    },
    spec: { template: labeled },
  });
}

function result(outcome: RolloutResult['outcome'], revision: string, reason?: string): RolloutResult {
  return {
    outcome,
    message: reason ? `1 new pod failing: web-x ${reason}` : 'ready',
    ...(reason ? { reason } : {}),
    failingPods: [],
    workloadEvents: [],
    final: undefined,
    revision,
  };
}

/**
 * A waiter that plays the controller: the first rollout (the deploy's) gets
 * revision 2 with its ReplicaSet and fails; later ones (after the rollback)
 * end as `afterRollback` says.
 */
function controller(
  api: FakeKube,
  afterRollback: RolloutResult['outcome'] = 'complete',
): { waits: WaitOptions[]; waitForRollout: (o: WaitOptions) => Promise<RolloutResult> } {
  const waits: WaitOptions[] = [];
  return {
    waits,
    waitForRollout: async (options) => {
      waits.push(options);
      const live = (await api.get(deploymentRef)) as KubeObject;
      if (waits.length === 1) {
        const revision = String(Number(live.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '0') + 1);
        api.put({
          ...live,
          metadata: {
            ...live.metadata,
            annotations: { ...live.metadata.annotations, 'deployment.kubernetes.io/revision': revision },
          },
        });
        replicaSet(api, live, revision, (live['spec'] as { template: Record<string, unknown> }).template);
        return result('failed', revision, 'CrashLoopBackOff');
      }
      return result(afterRollback, '3', afterRollback === 'complete' ? undefined : 'Timeout');
    },
  };
}

async function options(api: FakeKube, text: string, extra: Partial<DeployOptions> = {}): Promise<DeployOptions> {
  const { objects } = parseManifest(text, 'k8s/app.yaml');
  return {
    api,
    objects,
    namespace: NS,
    images: [],
    annotations: new Map(),
    volatileAnnotations: new Set(),
    timeoutMs: 5000,
    rollbackOnFailure: true,
    wait: true,
    lock: true,
    dryRun: false,
    fieldManager: 'deploy-k8s',
    failureGraceMs: 1000,
    backupDir: await mkdtemp(path.join(tmpdir(), 'deploy-k8s-rollback-')),
    holder: 'https://ci/run/7',
    ...extra,
  };
}

/** Runs a deploy that must fail; returns its error and report. */
async function failedDeploy(opts: DeployOptions): Promise<{ error: DeployError; report: DeployReport }> {
  const error = await deploy(opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeployError);
  return { error: error as DeployError, report: (error as DeployError).report };
}

const spec = async (api: FakeKube): Promise<{ template: Record<string, unknown> }> =>
  (await api.get(deploymentRef))?.['spec'] as { template: Record<string, unknown> };
const results = (report: DeployReport): string[][] => report.resources.map((r) => [r.kind, r.result]);

describe('rollback (fake API)', () => {
  it("rolls a Deployment back to its previous ReplicaSet's pod template, without the pod-template-hash label", async () => {
    const api = new FakeKube();
    // The ReplicaSet of revision 1 has a template the Deployment no longer shows (as after a `kubectl set env`).
    const rsTemplate = template('ghcr.io/acme/web:1.0', { env: [{ name: 'MODE', value: 'rs1' }] });
    seed(api, { replicaSetTemplate: rsTemplate });
    const fake = controller(api);
    const { error, report } = await failedDeploy(
      await options(api, manifests('ghcr.io/acme/web:2.0', 'changed'), { waitForRollout: fake.waitForRollout }),
    );

    expect(report.status).toBe('rolled-back');
    expect(error.message).toBe(
      '1 new pod failing: web-x CrashLoopBackOff\nRolled back: every changed object was restored from the backup taken before the deploy and new objects were deleted.',
    );
    expect((await spec(api)).template).toEqual(rsTemplate);
    expect((await api.get(configRef))?.['data']).toEqual({ greeting: 'hello' });
    expect(results(report)).toEqual([
      ['ConfigMap', 'rolled back'],
      ['Deployment', 'failed: CrashLoopBackOff, rolled back'],
    ]);
    // The restored Deployment was watched until healthy; its revision is the rolled-back one.
    expect(fake.waits.map((w) => (w.workload['spec'] as { template: unknown }).template)).toEqual([
      template('ghcr.io/acme/web:2.0'),
      rsTemplate,
    ]);
    expect(report.resources[1]?.revision).toBe('3');
    expect(report.phases.map((p) => [p.name, p.ok])).toEqual([
      ['Validate manifests', true],
      ['Acquire lock', true],
      ['Server-side dry run', true],
      ['Back up live state', true],
      ['Apply', true],
      ['Wait for rollout', true],
      ['Roll back', true],
    ]);
    expect(report.rollbackDoneAt).toBeGreaterThanOrEqual(report.rollbackStartedAt as number);
    expect(
      (
        (
          await api.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'deploy-k8s.web', namespace: NS })
        )?.['spec'] as Record<string, unknown>
      )['holderIdentity'],
    ).toBeUndefined();
  });

  it('restores changed objects from the backup and deletes the ones it created, dependents first, when apply fails', async () => {
    const api = new FakeKube();
    seed(api);
    const text = `${manifests('ghcr.io/acme/web:1.0', 'changed')}---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData:
  token: s3cret-value
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
`;
    const apply = api.apply;
    const removed: string[] = [];
    const remove = api.remove;
    api.remove = async (ref) => (removed.push(`${ref.kind}/${ref.name}`), remove(ref));
    api.apply = async (object, opts) => {
      if (!opts.dryRun && object.kind === 'Service')
        throw new KubeError('Applying Service/web: admission webhook denied the request', 400);
      return apply(object, opts);
    };
    const { error, report } = await failedDeploy(await options(api, text));

    expect(report.status).toBe('rolled-back');
    expect(error.message).toMatch(
      /^k8s\/app\.yaml \(document 4\) Service\/web: Applying Service\/web: admission webhook denied the request\nRolled back: /,
    );
    expect(results(report)).toEqual([
      ['ConfigMap', 'rolled back'],
      ['Deployment', 'unchanged'],
      ['Secret', 'deleted (rolled back)'],
      ['Service', 'apply failed'],
    ]);
    expect((await api.get(configRef))?.['data']).toEqual({ greeting: 'hello' });
    expect(await api.get({ apiVersion: 'v1', kind: 'Secret', name: 'web-secret', namespace: NS })).toBeUndefined();
    expect(removed).toEqual(['Secret/web-secret']);
    // The backup the rollback used is the one on disk.
    const backup = await readFile(report.backupFile, 'utf8');
    expect(backup).toContain('greeting: hello');
    expect(backup).toContain('# would be created: Secret/web-secret in shop');
  });

  it('without a previous revision restores the backup as it was, and deletes what a first deploy created', async () => {
    const api = new FakeKube();
    seed(api, { revision: '' });
    const fake = controller(api);
    const { report } = await failedDeploy(
      await options(api, manifests('ghcr.io/acme/web:2.0'), { waitForRollout: fake.waitForRollout }),
    );
    expect(report.previousRevision).toBe('');
    expect(report.status).toBe('rolled-back');
    // No ReplicaSet of a previous revision to take a template from: the backup's template is restored.
    expect((await spec(api)).template).toEqual(template('ghcr.io/acme/web:1.0'));

    const fresh = new FakeKube();
    const first = controller(fresh);
    const created = await failedDeploy(
      await options(fresh, manifests('ghcr.io/acme/web:2.0'), { waitForRollout: first.waitForRollout }),
    );
    expect(created.report.status).toBe('rolled-back');
    expect(results(created.report)).toEqual([
      ['ConfigMap', 'deleted (rolled back)'],
      ['Deployment', 'failed: CrashLoopBackOff, deleted (rolled back)'],
    ]);
    expect(await fresh.get(deploymentRef)).toBeUndefined();
    expect(await fresh.get(configRef)).toBeUndefined();
    expect(first.waits).toHaveLength(1); // nothing was restored, so nothing to watch
  });

  it('retries a restore that meets a concurrent write (409) with a fresh read', async () => {
    const api = new FakeKube();
    seed(api);
    const fake = controller(api);
    let conflicts = 0;
    const replace = api.replace;
    api.replace = async (object, opts) => {
      if (object.kind === 'ConfigMap' && conflicts++ === 0) {
        // Someone writes the ConfigMap between our read and our write.
        api.put((await api.get(configRef)) as KubeObject);
      }
      return replace(object, opts);
    };
    const { report } = await failedDeploy(
      await options(api, manifests('ghcr.io/acme/web:2.0', 'changed'), { waitForRollout: fake.waitForRollout }),
    );
    expect(conflicts).toBe(2);
    expect(report.status).toBe('rolled-back');
    expect((await api.get(configRef))?.['data']).toEqual({ greeting: 'hello' });
  });

  it('fails naming what could not be restored, and what did not become healthy, when the rollback itself fails', async () => {
    const api = new FakeKube();
    seed(api);
    const fake = controller(api, 'timeout');
    const replace = api.replace;
    api.replace = async (object, opts) => {
      if (object.kind === 'ConfigMap')
        throw new KubeError('Replacing ConfigMap/web-config: etcdserver: request timed out (HTTP 500)', 500);
      return replace(object, opts);
    };
    const { error, report } = await failedDeploy(
      await options(api, manifests('ghcr.io/acme/web:2.0', 'changed'), { waitForRollout: fake.waitForRollout }),
    );

    expect(report.status).toBe('failed');
    expect(error.message).toBe(
      '1 new pod failing: web-x CrashLoopBackOff\nThe rollback did not fully succeed:\n' +
        '  ConfigMap/web-config in shop: Replacing ConfigMap/web-config: etcdserver: request timed out (HTTP 500)\n' +
        '  Deployment/web in shop did not become healthy after the rollback: 1 new pod failing: web-x Timeout\n' +
        `The backup is ${report.backupFile}.`,
    );
    expect(report.failure).toBe(error.message);
    expect(results(report)).toEqual([
      ['ConfigMap', 'rollback failed'],
      ['Deployment', 'failed: CrashLoopBackOff, rolled back'],
    ]);
    expect(report.timeline.map((e) => e.text)).toContain('rollback incomplete');
  });

  it('leaves the cluster as it is when rollback-on-failure is false, naming the backup', async () => {
    const api = new FakeKube();
    seed(api);
    const fake = controller(api);
    const { error, report } = await failedDeploy(
      await options(api, manifests('ghcr.io/acme/web:2.0', 'changed'), {
        waitForRollout: fake.waitForRollout,
        rollbackOnFailure: false,
      }),
    );
    expect(report.status).toBe('failed');
    expect(error.message).toBe(
      `1 new pod failing: web-x CrashLoopBackOff\nrollback-on-failure is false: the cluster is left as it is now. The backup is ${report.backupFile}.`,
    );
    expect((await api.get(configRef))?.['data']).toEqual({ greeting: 'changed' });
    expect(report.phases.map((p) => p.name)).not.toContain('Roll back');
  });

  it('when the run is cancelled during the rollback, releases the lock and lets the signal end the process', async () => {
    const api = new FakeKube();
    seed(api);
    const fake = controller(api);
    const kills: [number, string][] = [];
    const proc = Object.assign(new EventEmitter(), {
      pid: 99,
      kill: (pid: number, signal?: string | number) => void kills.push([pid, String(signal)]),
    });
    const leaseRef = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'deploy-k8s.web', namespace: NS };
    const replace = api.replace;
    api.replace = async (object, opts) => {
      if (object.kind === 'ConfigMap' && kills.length === 0) {
        proc.emit('SIGINT', 'SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return replace(object, opts);
    };
    const warnings: string[] = [];
    const opts = await options(api, manifests('ghcr.io/acme/web:2.0', 'changed'), {
      waitForRollout: fake.waitForRollout,
      process: proc as unknown as NodeJS.Process,
      warn: (m) => void warnings.push(m),
    });
    const { report } = await failedDeploy(opts);

    expect(kills).toEqual([[99, 'SIGINT']]);
    expect(warnings[0]).toBe(
      `Received SIGINT (the run is being cancelled): releasing the lock Lease shop/deploy-k8s.web; the rollback is interrupted. The backup is ${report.backupFile}.`,
    );
    expect(((await api.get(leaseRef))?.['spec'] as Record<string, unknown>)['holderIdentity']).toBeUndefined();
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
  });
});
