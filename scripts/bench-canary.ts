/**
 * A bad release on the real node, two ways, in the same run:
 *
 *   node scripts/bench-canary.ts [--rounds 1]
 *
 * The bad version is testapp v2 answering 30 % of /api requests with 500
 * (its pods are healthy: Ready, no restarts). A load of 4 concurrent
 * requests to /api/orders goes through the Service (the API server's
 * service proxy) the whole time, and every answer is attributed to the
 * version that gave it.
 *
 * - canary: deploy-k8s strategy canary, steps 25,100, analysis of 40
 *   requests per track over 5 s with max-error-rate 5 %: it aborts.
 * - rolling: deploy-k8s strategy rolling of the same v2 (it is deployed:
 *   nothing is wrong at the pod level), then a smoke test (the same 40
 *   requests, through the Service) finds the errors, then the previous
 *   version is deployed again, as the pipeline's rollback-production does.
 *
 * Measured for each: from the first failed answer of v2 that the load saw
 * to the last answer of v2 (stable only from then on), and the requests
 * that v2 answered (served) and failed. Printed with the canary/rolling
 * ratios. Uses the built actions/deploy-k8s/dist/index.js as the runner
 * runs it. Bounded; each round in fresh namespaces, deleted at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const action = path.join(root, 'actions', 'deploy-k8s', 'dist', 'index.js');
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(process.argv[roundsAt + 1]) : 1;
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 5)
  throw new Error('--rounds must be a whole number from 1 to 5');
const testapp =
  process.env['REAL_NODE_TEST_IMAGE'] ??
  `${process.env['CONTAINERS_REGISTRY'] ?? '127.0.0.1:5000'}/pipeline-actions/testapp`;
const kubeconfig = process.env['KUBECONFIG']?.split(path.delimiter)[0] ?? path.join(root, '.tmp/kube/kubeconfig');
const kc = new k8s.KubeConfig();
kc.loadFromString(readFileSync(kubeconfig, 'utf8'));
const core = kc.makeApiClient(k8s.CoreV1Api);
const scratch = mkdtempSync(path.join(tmpdir(), 'bench-canary-'));

function manifests(tag: string, bad: boolean): string {
  const env = bad
    ? '        - {name: TESTAPP_ERROR_RATE, value: "0.3"}\n        - {name: TESTAPP_ERROR_ROUTE, value: /api}\n'
    : '';
  return `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {pipeline-actions.dev/real-node: "true"}
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: ${testapp}:${tag}
        ports: [{containerPort: 8080}]
        env:
        - {name: GREETING, value: hi}
${env}        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 1
          failureThreshold: 2
`;
}

let runs = 0;
/** The action as the runner runs it: a new process with INPUT_* variables. */
function deployK8s(
  ns: string,
  text: string,
  inputs: Record<string, string> = {},
): Promise<{ code: number | null; status: string }> {
  const dir = path.join(scratch, `run-${++runs}`);
  mkdirSync(path.join(dir, 'k8s'), { recursive: true });
  mkdirSync(path.join(dir, 'tmp'));
  writeFileSync(path.join(dir, 'k8s', 'app.yaml'), text);
  for (const f of ['output', 'summary']) writeFileSync(path.join(dir, f), '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? dir,
    RUNNER_TEMP: path.join(dir, 'tmp'),
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    KUBECONFIG: kubeconfig,
  };
  for (const [k, v] of Object.entries({ namespace: ns, manifests: 'k8s', timeout: '150s', ...inputs }))
    env[`INPUT_${k.toUpperCase()}`] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [action], { env, stdio: 'ignore', cwd: dir });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const out = readFileSync(path.join(dir, 'output'), 'utf8');
      resolve({ code, status: /^status<<(\S+)\n(.*)\n/m.exec(out)?.[2] ?? '' });
    });
  });
}

interface Load {
  stop(): Promise<void>;
  served: Record<string, number>;
  failed: Record<string, number>;
  firstFailedV2?: number;
  lastV2?: number;
}

async function load(ns: string): Promise<Load> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const agent = new https.Agent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key });
  const state: Load = { stop: async () => undefined, served: {}, failed: {} };
  let running = true;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const req = https.request(
        {
          ...opts,
          agent,
          host: server.hostname,
          port: server.port,
          method: 'GET',
          path: `/api/v1/namespaces/${ns}/services/web:80/proxy/api/orders`,
          timeout: 10_000,
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => {
            const version =
              /"version":"([^"]+)"/.exec(body)?.[1] ?? /injected failure by (\S+)/.exec(body)?.[1] ?? 'unknown';
            const now = performance.now();
            state.served[version] = (state.served[version] ?? 0) + 1;
            if (res.statusCode !== 200) state.failed[version] = (state.failed[version] ?? 0) + 1;
            if (version === 'v2') {
              state.lastV2 = now;
              if (res.statusCode !== 200) state.firstFailedV2 ??= now;
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        state.failed['unknown'] = (state.failed['unknown'] ?? 0) + 1;
        resolve();
      });
      req.end();
    });
  const workers = Array.from({ length: 4 }, async () => {
    while (running) await once();
  });
  state.stop = async () => {
    running = false;
    await Promise.all(workers);
    agent.destroy();
  };
  return state;
}

async function namespace(): Promise<string> {
  const name = `bench-canary-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  for (let i = 0; i < 150; i += 1) {
    const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: name }).catch(() => undefined);
    if (sa) return name;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`namespace ${name}: no default ServiceAccount`);
}

interface Figures {
  abortMs: number;
  served: number;
  failed: number;
  status: string;
}

const ANALYSIS = 'checks: [{name: orders, path: /api/orders}]\nrequests: 40\nmax-error-rate: 5%\n';

async function round(kind: 'canary' | 'rolling'): Promise<Figures> {
  const ns = await namespace();
  try {
    const base = await deployK8s(ns, manifests('v1', false));
    if (base.status !== 'deployed') throw new Error(`${kind}: the v1 baseline ended ${base.status}`);
    const traffic = await load(ns);
    let status: string;
    if (kind === 'canary') {
      status = (
        await deployK8s(ns, manifests('v2', true), {
          strategy: 'canary',
          'canary-steps': '25,100',
          'canary-step-duration': '5s',
          'canary-analysis': ANALYSIS,
        })
      ).status;
    } else {
      status = (await deployK8s(ns, manifests('v2', true))).status;
      // The smoke test after the deploy: it fails once it has seen v2 fail (the load shows it), then the rollback.
      const deadline = performance.now() + 60_000;
      while (traffic.firstFailedV2 === undefined && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      status += ` -> ${(await deployK8s(ns, manifests('v1', false))).status}`;
    }
    await new Promise((r) => setTimeout(r, 2000));
    await traffic.stop();
    const abortMs =
      traffic.firstFailedV2 !== undefined && traffic.lastV2 !== undefined
        ? traffic.lastV2 - traffic.firstFailedV2
        : Number.NaN;
    return { abortMs, served: traffic.served['v2'] ?? 0, failed: traffic.failed['v2'] ?? 0, status };
  } finally {
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  }
}

const results: { canary: Figures; rolling: Figures }[] = [];
try {
  for (let r = 1; r <= rounds; r += 1) {
    const canary = await round('canary');
    const rolling = await round('rolling');
    results.push({ canary, rolling });
    for (const [name, f] of Object.entries({ canary, rolling }))
      console.log(
        `round ${r} ${name.padEnd(7)} ${f.status.padEnd(24)} first bad answer -> stable only ${(f.abortMs / 1000).toFixed(1)} s, v2 answered ${f.served} request(s), ${f.failed} failed`,
      );
  }
  const mean = (pick: (x: { canary: Figures; rolling: Figures }) => number): number =>
    results.reduce((s, x) => s + pick(x), 0) / results.length;
  const ratio = (a: number, b: number): string => (b === 0 ? 'n/a' : (a / b).toFixed(2));
  console.log(
    `canary/rolling over ${results.length} round(s): time to stable only ${ratio(
      mean((x) => x.canary.abortMs),
      mean((x) => x.rolling.abortMs),
    )}, requests served by the bad version ${ratio(
      mean((x) => x.canary.served),
      mean((x) => x.rolling.served),
    )}, failed requests ${ratio(
      mean((x) => x.canary.failed),
      mean((x) => x.rolling.failed),
    )}`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
