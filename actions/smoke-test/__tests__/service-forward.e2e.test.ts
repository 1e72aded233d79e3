/**
 * End to end through the API server: the built dist/index.js, run as the
 * runner runs it (runAction), given `service` and `kubeconfig` instead of a
 * url, against testapp pods on the real node of `tools/kube/cluster.sh up
 * --real-node` (tools/kube/node-images.sh pushes testapp:v1). The requests go
 * 127.0.0.1 -> client-node's PortForward -> API server -> kubelet -> pod.
 *
 * Skipped without KUBECONFIG naming a cluster with a Ready real node;
 * REQUIRE_REAL_NODE=1 makes it fail instead. Namespaces are
 * `${TEST_NAMESPACE_PREFIX:-smoke-fwd}-<random>`, deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { secretValues } from '@pipeline/action-kit/kube';
import { requireOrSkip, runAction, type ActionRun } from '@pipeline/action-kit/testing';
import type { Report } from '../src/report.js';

const ACTION = 'actions/smoke-test';
const REAL_NODE_LABEL = 'pipeline-actions.dev/real-node';
const TESTAPP = `${process.env['REAL_NODE_TEST_IMAGE'] ?? `${process.env['CONTAINERS_REGISTRY'] ?? '127.0.0.1:5000'}/pipeline-actions/testapp`}:v1`;

const kubeconfigPath = process.env['KUBECONFIG']?.split(path.delimiter)[0];
const kubeconfigText = kubeconfigPath && existsSync(kubeconfigPath) ? readFileSync(kubeconfigPath, 'utf8') : '';
const kc = new k8s.KubeConfig();
if (kubeconfigText) kc.loadFromString(kubeconfigText);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);

async function realNodeReady(): Promise<boolean> {
  if (!kubeconfigText) return false;
  const nodes = await core.listNode({ labelSelector: `${REAL_NODE_LABEL}=true` }).catch(() => undefined);
  return (nodes?.items ?? []).some((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

const haveRealNode = requireOrSkip({
  what: 'a cluster with a real Kubernetes node (KUBECONFIG)',
  available: await realNodeReady(),
  howToGet:
    'tools/kube/cluster.sh up --real-node (needs tools/containers/containers.sh up for its registry), then KUBECONFIG=<its kubeconfig>',
  requiredBy: 'REQUIRE_REAL_NODE',
});
const itReal = haveRealNode ? it : it.skip;

const ns = `${process.env['TEST_NAMESPACE_PREFIX'] ?? 'smoke-fwd'}-${randomBytes(4).toString('hex')}`;
const runs: ActionRun[] = [];

/** testapp with a named container port; `neverReady` pods run but never pass their readiness probe. */
function deployment(app: string, replicas: number, neverReady = false): k8s.V1Deployment {
  return {
    metadata: { name: app },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: {
          nodeSelector: { [REAL_NODE_LABEL]: 'true' },
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'web',
              image: TESTAPP,
              imagePullPolicy: 'Always',
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [
                { name: 'GREETING', value: 'hello' },
                ...(neverReady ? [{ name: 'TESTAPP_NEVER_READY', value: '1' }] : []),
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
            },
          ],
        },
      },
    },
  };
}

/** A Service whose port is named http and targets the container port by name. */
const service = (name: string): k8s.V1Service => ({
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
});

async function pods(app: string): Promise<k8s.V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
}

const ready = (pod: k8s.V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  if (!haveRealNode) return;
  await core.createNamespace({
    body: { metadata: { name: ns, labels: { 'pipeline-actions.test/suite': 'smoke-test' } } },
  });
  await until('the default ServiceAccount', async () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: ns }).then(
      () => true,
      () => false,
    ),
  );
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('idle', 1, true) });
  await core.createNamespacedService({ namespace: ns, body: service('web') });
  await core.createNamespacedService({ namespace: ns, body: service('idle') });
  await until('2 ready web pods', async () => (await pods('web')).filter(ready).length === 2);
  await until('a running idle pod', async () => (await pods('idle')).some((p) => p.status?.phase === 'Running'));
}, 200_000);

afterAll(async () => {
  if (haveRealNode) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

const smoke = async (inputs: Record<string, string>): Promise<ActionRun> => {
  const run = await runAction(ACTION, { inputs: { kubeconfig: kubeconfigText, ...inputs }, timeoutMs: 120_000 });
  runs.push(run);
  return run;
};
const reportOf = (run: ActionRun): Report => JSON.parse(run.outputs['report'] ?? 'null') as Report;

describe('smoke-test through the API server (built bundle, real node)', () => {
  itReal(
    'passes through a named Service port: checks and a load phase reach ready pods, and the summary names the target',
    async () => {
      const started = performance.now();
      const run = await smoke({
        service: `${ns}/web:http`,
        'wait-for-ready': '/ready',
        timeout: '60s',
        checks: '- name: root\n  path: /\n  contains: \'"greeting":"hello"\'\n',
        'load-requests': '200',
        'load-concurrency': '4',
        'max-error-rate': '0',
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      expect(run.outputs).toMatchObject({ passed: 'true', 'checks-passed': '1', requests: '200', 'error-rate': '0' });
      const report = reportOf(run);
      const names = (await pods('web')).map((p) => p.metadata?.name);
      expect(report.target).toMatchObject({
        service: `${ns}/web`,
        namespace: ns,
        port: '80 (http)',
        podPort: 8080,
        failedForwards: 0,
        via: 'the API server (port-forward from this runner)',
      });
      for (const pod of report.target?.pods ?? []) expect(names).toContain(pod);
      expect(report.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(run.summary).toMatch(new RegExp(`^## ✅ Smoke test passed: Service ${ns}/web\\n`));
      expect(run.summary).toContain(
        `Reached Service ${ns}/web (namespace ${ns}) port 80 (http) through the API server`,
      );
      expect(run.log.join('\n')).toMatch(
        new RegExp(
          `Service ${ns}/web:http: port 80 \\(http\\) -> pod web-[a-z0-9-]+ port 8080, reached at http://127\\.0\\.0\\.1:\\d+/ through the API server`,
        ),
      );
      process.stderr.write(
        `smoke-test through the API server: 1 check + 200 load requests in ${seconds} s (step ${(run.durationMs / 1000).toFixed(1)} s)\n`,
      );
    },
    150_000,
  );

  itReal(
    'a Service with no ready pod fails before any check, saying so',
    async () => {
      const run = await smoke({ service: `${ns}/idle` });
      expect(run.exitCode).toBe(1);
      expect(run.failure).toBe(
        `Smoke test failed: Service ${ns}/idle could not be reached through the API server: Service ${ns}/idle has no ready pod: 1 pod(s) match its selector app=idle, none of them Ready`,
      );
      expect(run.outputs['passed']).toBe('false');
      expect(run.summary).toContain(`Smoke test failed: Service ${ns}/idle could not be reached`);
    },
    60_000,
  );

  itReal(
    'a missing Service fails before any check, naming it and its namespace',
    async () => {
      const run = await smoke({ service: `${ns}/nope:http` });
      expect(run.exitCode).toBe(1);
      expect(run.failure).toMatch(
        new RegExp(
          `^Smoke test failed: Service ${ns}/nope:http could not be reached through the API server: Service nope does not exist in namespace ${ns}$`,
        ),
      );
    },
    60_000,
  );

  itReal(
    'a rollout during the load phase: connections move from the pods going away to the new ready ones',
    async () => {
      const before = new Set((await pods('web')).map((p) => p.metadata?.name ?? ''));
      let restarted: Promise<unknown> | undefined;
      const run = await runAction(ACTION, {
        inputs: { kubeconfig: kubeconfigText, service: `${ns}/web`, 'load-duration': '20s', 'load-concurrency': '4' },
        timeoutMs: 120_000,
        // A rolling restart once the load phase runs: every pod the forward started with goes away.
        onLine: (line) => {
          if (restarted || !line.includes('connection(s), closed loop')) return;
          restarted = apps.readNamespacedDeployment({ name: 'web', namespace: ns }).then((live) => {
            const template = live.spec?.template;
            if (template)
              template.metadata = { ...template.metadata, annotations: { restartedAt: new Date().toISOString() } };
            return apps.replaceNamespacedDeployment({ name: 'web', namespace: ns, body: live });
          });
        },
      });
      runs.push(run);
      await restarted;
      const report = reportOf(run);
      expect(run.exitCode).toBe(0);
      const used = report.target?.pods ?? [];
      expect(used.length).toBeGreaterThanOrEqual(2);
      expect(before.has(used[0] ?? '')).toBe(true);
      // The last pod the connections went to is one of the rollout's new pods.
      expect(before.has(used[used.length - 1] ?? '')).toBe(false);
      expect(report.target?.failedForwards).toBeGreaterThan(0);
      process.stderr.write(
        `smoke-test through a rollout: ${report.measured.requests} requests, ${report.measured.errors} errors, ${report.target?.failedForwards} failed forwards, pods ${used.join(', ')}\n`,
      );
    },
    150_000,
  );

  itReal(
    'the kubeconfig and every secret in it are masked, and never in the log, outputs, summary or report',
    async () => {
      expect(runs.length).toBeGreaterThanOrEqual(4);
      const secrets = [kubeconfigText.trim(), ...secretValues(kubeconfigText)];
      expect(secrets.length).toBeGreaterThan(1);
      for (const run of runs) {
        for (const secret of secrets) expect(run.masks).toContain(secret);
        const written = [
          run.log.join('\n'),
          run.summary,
          JSON.stringify(run.outputs),
          // The raw stdout but the ::add-mask:: commands, which carry the values by design.
          run.stdout
            .split('\n')
            .filter((line) => !line.startsWith('::add-mask::'))
            .join('\n'),
          run.stderr,
          run.outputs['report-file'] ? await readFile(run.outputs['report-file'], 'utf8').catch(() => '') : '',
        ].join('\n');
        for (const secret of secrets)
          for (const line of secret.split('\n').filter((l) => l.trim().length >= 16))
            expect(written).not.toContain(line.trim());
      }
    },
  );
});
