/**
 * End to end on the real node: `tools/monitoring/prometheus.sh deploy` runs
 * Prometheus in a namespace of its own; the deploy-k8s bundle (harness)
 * deploys the monitoring component of example-service (ServiceMonitor,
 * PrometheusRule, dashboard ConfigMap, on a cluster with the operator's CRDs)
 * with a stand-in for the service (testapp: the same Service name, labels
 * and port name, 2 pods, /metrics); Prometheus finds the pods from the
 * ServiceMonitor and scrapes them. The smoke-test bundle's promql checks
 * (`up == 1` for every pod, the 5xx ratio under budget) pass, then fail,
 * naming the check and the sample, once a third pod whose metrics port
 * refuses joins the Service (Ready, so still discovered, its target down).
 *
 * Bounded; every namespace is deleted afterwards. Skipped without a real
 * node; REQUIRE_REAL_NODE=1 makes it fail instead.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requireOrSkip, runAction } from '@pipeline/action-kit/testing';
import { freePort } from '@pipeline/action-kit';
import { startLocalPrometheus } from '../../packages/pipeline-runner/src/provisioning/prometheus-forward.js';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KUBECTL = path.join(ROOT, 'tools/kube/bin/kubectl');
const KUBECONFIG = process.env['KUBECONFIG'] ?? path.join(ROOT, '.tmp/kube/kubeconfig');
// testapp with /metrics, as the sources are: a variant of its own (node-images.sh skips an
// up-to-date one), so the shared pipeline-actions/testapp is never re-tagged under other runs.
const TESTAPP_REPOSITORY = 'pipeline-actions/testapp-prometheus-e2e';
let testapp = process.env['REAL_NODE_TEST_IMAGE'] ?? '';
const id = randomBytes(3).toString('hex');
const prefix = process.env['PROMETHEUS_E2E_PREFIX'] ?? 'prom-e2e';
const monNs = `${prefix}-mon-${id}`;
const appNs = `${prefix}-app-${id}`;

const kubectl = async (...args: string[]): Promise<string> =>
  (await exec(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], { timeout: 60_000, maxBuffer: 16 << 20 })).stdout;

async function clusterHas(what: 'real-node' | 'crds'): Promise<boolean> {
  if (!existsSync(KUBECTL) || !existsSync(KUBECONFIG)) return false;
  const args =
    what === 'real-node'
      ? ['get', 'nodes', '-l', 'pipeline-actions.dev/real-node=true', '-o', 'name']
      : ['get', 'crd', 'servicemonitors.monitoring.coreos.com', '-o', 'name'];
  return kubectl(...args).then(
    (out) => out.trim() !== '',
    () => false,
  );
}

const ready =
  requireOrSkip({
    what: 'a real Kubernetes node (kubelet + containerd)',
    available: await clusterHas('real-node'),
    howToGet: 'tools/kube/cluster.sh up --real-node (needs tools/containers/containers.sh up)',
    requiredBy: 'REQUIRE_REAL_NODE',
  }) &&
  requireOrSkip({
    what: 'the Prometheus Operator CRDs',
    available: await clusterHas('crds'),
    howToGet: 'tools/kube/cluster.sh up installs them (tools/monitoring/crds.sh apply)',
    requiredBy: 'REQUIRE_REAL_NODE',
  });

/** Polls until `check` holds, for at most `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** `kubectl port-forward` to a Service on a free local port; resolves with its URL. */
async function forward(ns: string, service: string, port: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(
    KUBECTL,
    ['--kubeconfig', KUBECONFIG, 'port-forward', '-n', ns, `service/${service}`, `:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`port-forward ${ns}/${service}: ${out}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('exit', () => reject(new Error(`port-forward ${ns}/${service} exited: ${out}`)));
  });
}

/** The stand-in: example-service's Service name and port name, pods serving /metrics on it. */
function app(name: string, replicas: number, listen = 8080): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app.kubernetes.io/component: api, variant: ${name}}
  template:
    metadata:
      labels: {app.kubernetes.io/component: api, variant: ${name}}
    spec:
      nodeSelector: {pipeline-actions.dev/real-node: "true"}
      terminationGracePeriodSeconds: 2
      containers:
      - name: app
        image: ${testapp}:v1
        env: [{name: PORT, value: "${listen}"}]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /ready, port: ${listen}}
          periodSeconds: 1
        resources:
          limits: {cpu: 100m, memory: 32Mi}
`;
}
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: example-service
spec:
  selector: {app.kubernetes.io/component: api}
  ports: [{name: http, port: 80, targetPort: http}]
`;

interface Target {
  labels: Record<string, string>;
  health: string;
  scrapeInterval: string;
  scrapeUrl: string;
}

(ready ? describe : describe.skip)('the in-cluster Prometheus scrapes what the ServiceMonitor selects', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  let prometheusUrl = '';
  let serviceUrl = '';
  let deployMs = 0;
  const runnerNotes: string[] = [];
  let stopLocal: (() => Promise<void>) | undefined;
  const env = { ...process.env, KUBECONFIG, PROMETHEUS_NAMESPACE: monNs };

  const targets = async (): Promise<Target[]> => {
    const body = (await (await fetch(`${prometheusUrl}/api/v1/targets?state=active`)).json()) as {
      data: { activeTargets: Target[] };
    };
    return body.data.activeTargets.filter((t) => t.labels['namespace'] === appNs);
  };
  const query = async (promql: string): Promise<{ value: [number, string] }[]> =>
    (
      (await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      }
    ).data.result;

  /** kustomize renders the component onto the stand-in, as the overlays do; the deploy-k8s bundle applies it. */
  async function deploy(extra: string): Promise<void> {
    const overlay = path.join(dir, 'overlay');
    await mkdir(overlay, { recursive: true });
    await writeFile(path.join(overlay, 'app.yaml'), `${SERVICE}---\n${app('example-service', 2)}${extra}`);
    const component = path.relative(overlay, path.join(ROOT, 'example-service/k8s/components/monitoring'));
    await writeFile(path.join(overlay, 'kustomization.yaml'), `resources: [app.yaml]\ncomponents: [${component}]\n`);
    await mkdir(path.join(dir, 'ws/k8s'), { recursive: true });
    await writeFile(path.join(dir, 'ws/k8s/rendered.yaml'), await kubectl('kustomize', overlay));
    const kubeconfigText = await readFile(KUBECONFIG, 'utf8');
    const result = await runAction(path.join(ROOT, 'actions/deploy-k8s'), {
      workspace: path.join(dir, 'ws'),
      inputs: { kubeconfig: kubeconfigText, namespace: appNs, manifests: 'k8s', timeout: '120s' },
      timeoutMs: 180_000,
    });
    if (result.outputs['status'] !== 'deployed') process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
    expect(result.failure).toBeUndefined();
    expect(result.outputs['status']).toBe('deployed');
    expect(JSON.parse(result.outputs['skipped'] ?? '')).toEqual([]);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'prom-e2e-'));
    if (!testapp) {
      const { stdout: pushed } = await exec(path.join(ROOT, 'tools/kube/node-images.sh'), ['--testapp-only'], {
        env: { ...process.env, TESTAPP_REPOSITORY },
        timeout: 600_000,
      });
      testapp = (/^(\S+):v1 /m.exec(pushed)?.[1] ?? '').trim();
      expect(testapp).toMatch(new RegExp(`/${TESTAPP_REPOSITORY}$`));
    }
    const started = performance.now();
    const { stdout } = await exec(path.join(ROOT, 'tools/monitoring/prometheus.sh'), ['deploy'], {
      env,
      timeout: 300_000,
    });
    deployMs = performance.now() - started;
    expect(stdout.trim().split('\n').at(-1)).toBe(`http://prometheus.${monNs}.svc:9090`);
    await kubectl('create', 'namespace', appNs);
    await deploy('');
    serviceUrl = await forward(appNs, 'example-service', 80, children);
    // The runner's own way to reach it (vars.PROMETHEUS_URL): a port-forward once it scraped the namespace.
    process.env['PROMETHEUS_NAMESPACE'] = monNs;
    const local = await startLocalPrometheus({
      kubectl: KUBECTL,
      kubeconfig: KUBECONFIG,
      localPort: await freePort(),
      logFile: path.join(dir, 'port-forward-prometheus.log'),
      targetNamespace: appNs,
      notes: runnerNotes,
    });
    if (local === 'absent') throw new Error(runnerNotes.join('\n'));
    stopLocal = () => local.stop();
    prometheusUrl = local.url;
  }, 400_000);

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const closed = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGTERM');
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      }),
    );
    await stopLocal?.();
    await kubectl('delete', 'namespace', appNs, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await exec(path.join(ROOT, 'tools/monitoring/prometheus.sh'), ['delete'], { env, timeout: 60_000 }).catch(
      () => undefined,
    );
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  const checks = [
    '- name: every pod up',
    `  promql: up{job="example-service", namespace="${appNs}"}`,
    '  threshold: "== 1"',
    '- name: 5xx ratio under budget',
    `  promql: (sum(rate(http_requests_total{job="example-service", namespace="${appNs}", code=~"5.."}[1m])) or vector(0)) / sum(rate(http_requests_total{job="example-service", namespace="${appNs}"}[1m]))`,
    '  threshold: "< 0.01"',
    '- name: the service answers',
    '  path: /',
  ].join('\n');
  const smoke = (retries: string) =>
    runAction(path.join(ROOT, 'actions/smoke-test'), {
      timeoutMs: 120_000,
      inputs: { url: serviceUrl, 'prometheus-url': prometheusUrl, checks, retries, 'request-timeout': '5s' },
    });

  it('finds both pods from the ServiceMonitor: job example-service, /metrics on port http, every 15s', async () => {
    process.stderr.write(`prometheus.sh deploy: ${(deployMs / 1000).toFixed(1)}s\n`);
    expect(runnerNotes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Prometheus for promql checks: ${monNs}/prometheus on the real node .* it scraped [12] target\\(s\\) in namespace ${appNs}, [012] up\\.$`,
        ),
      ),
    ]);
    await until('two healthy targets', 90_000, async () => {
      const t = await targets();
      return t.length === 2 && t.every((x) => x.health === 'up');
    });
    const found = await targets();
    for (const t of found) {
      expect(t.labels).toMatchObject({ job: 'example-service', service: 'example-service', endpoint: 'http' });
      expect(t.labels['pod']).toMatch(/^example-service-/);
      expect(t.scrapeInterval).toBe('15s');
      expect(t.scrapeUrl).toMatch(/^http:\/\/10\.[\d.]+:8080\/metrics$/);
    }
  }, 120_000);

  it('the promql smoke checks pass: up == 1 for every pod, the 5xx ratio under budget', async () => {
    // Traffic across scrapes: a counter's first sample is no increase, so rate() needs it to grow between two.
    await until('a request rate in Prometheus', 90_000, async () => {
      for (let i = 0; i < 5; i++) expect((await fetch(`${serviceUrl}/`)).status).toBe(200);
      const [s] = await query(`sum(rate(http_requests_total{job="example-service", namespace="${appNs}"}[1m]))`);
      return Number(s?.value[1]) > 0;
    });
    const result = await smoke('3');
    if (result.exitCode !== 0) process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as { checks: { name: string; passed: boolean }[] };
    expect(report.checks.map((c) => [c.name, c.passed])).toEqual([
      ['every pod up', true],
      ['5xx ratio under budget', true],
      ['the service answers', true],
    ]);
  }, 150_000);

  it('fails naming the check and the sample once a discovered pod cannot be scraped', async () => {
    // Ready (its probe port answers), so it stays in the EndpointSlice; its http port refuses.
    await deploy(`---\n${app('example-service-broken', 1, 8081)}`);
    await until('the broken pod to be scraped as down', 90_000, async () =>
      (await targets()).some((t) => t.labels['pod']?.startsWith('example-service-broken-') && t.health === 'down'),
    );
    await until(
      'up == 0 in a query',
      30_000,
      async () => (await query(`up{job="example-service", namespace="${appNs}"} == 0`)).length === 1,
    );
    const result = await smoke('0');
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as {
      checks: { name: string; passed: boolean; failures: string[] }[];
    };
    const up = report.checks.find((c) => c.name === 'every pod up');
    expect(up?.passed).toBe(false);
    expect(up?.failures).toEqual([
      expect.stringMatching(
        new RegExp(
          `^promql: 1 of 3 sample\\(s\\) do not meet == 1: up\\{.*namespace="${appNs}".*pod="example-service-broken-[a-z0-9-]+".*\\} = 0$`,
        ),
      ),
    ]);
    expect(result.stdout).toContain('FAIL every pod up');
  }, 300_000);
});
