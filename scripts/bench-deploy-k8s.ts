/**
 * deploy-k8s against kubectl on the same real cluster, in the same run.
 *
 *   node scripts/bench-deploy-k8s.ts [--rounds 3] [--deadline 10] [--real-node] [--success-only] [--action FILE]
 *
 * 1. Success: a 3-replica Deployment update (new image) through the action
 *    (the built actions/deploy-k8s/dist/index.js, run as the runner runs it:
 *    a new Node process with INPUT_* variables) versus `kubectl apply -f`
 *    followed by `kubectl rollout status`. Rounds alternate the order. Each
 *    side runs with its cache kept (the action's compiled code in the tool
 *    cache, kubectl's discovery cache) and with a fresh one.
 * 2. Failure: a bad update whose new pods fail (CrashLoopBackOff through the
 *    kwok Stage, when the cluster has it; and an unschedulable nodeSelector).
 *    From the first failing pod signal (seen by a pod watch in this process)
 *    to the action's "Rollout failed" line and to its exit after a healthy
 *    rollback, versus `kubectl rollout status` waiting for
 *    progressDeadlineSeconds (--deadline, both get the same manifest) and
 *    then `kubectl rollout undo` + `kubectl rollout status`.
 *
 * --real-node: on the real node of `tools/kube/cluster.sh up --real-node`
 * instead of kwok's nodes, with the testapp image (tools/kube/node-images.sh;
 * v1 -> v2, HTTP readiness probe), and the failures happen for real: a
 * container that exits 1 at start (CrashLoopBackOff), a missing tag
 * (ErrImagePull / ImagePullBackOff), a readiness probe that never passes.
 *
 * --success-only: part 1 alone. --action: another build of the action
 * (e.g. main's dist/index.js, for a before/after on the same node).
 *
 * Uses KUBECONFIG when set, otherwise `tools/kube/cluster.sh up`. Every
 * round runs in fresh namespaces, deleted (and waited for) when the round ends. Bounded: each command
 * has a timeout; only the cluster's 127.0.0.1 API server is contacted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const actionAt = process.argv.indexOf('--action');
const action = path.resolve(
  actionAt >= 0 ? (process.argv[actionAt + 1] ?? '') : path.join(root, 'actions', 'deploy-k8s', 'dist', 'index.js'),
);
const kubectl = process.env['KUBECTL'] ?? path.join(root, 'tools', 'kube', 'bin', 'kubectl');

function option(name: string, fallback: number, max: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be a number from 1 to ${max}`);
  return value;
}
const rounds = option('rounds', 3, 10);
const realNode = process.argv.includes('--real-node');
const testapp =
  process.env['REAL_NODE_TEST_IMAGE'] ??
  `${process.env['CONTAINERS_REGISTRY'] ?? '127.0.0.1:5000'}/pipeline-actions/testapp`;
const deadlineS = option('deadline', 10, 120);

function kubeconfigPath(): string {
  if (process.env['KUBECONFIG']) return process.env['KUBECONFIG'].split(path.delimiter)[0] as string;
  const up = spawnSync('bash', [path.join(root, 'tools/kube/cluster.sh'), 'up'], {
    encoding: 'utf8',
    timeout: 90 * 60_000,
  });
  const last = up.stdout.trim().split('\n').pop() ?? '';
  if (up.status !== 0 || !last)
    throw new Error(`tools/kube/cluster.sh up failed: ${up.stderr.split('\n').slice(-10).join('\n')}`);
  return last;
}

const kubeconfig = kubeconfigPath();
const kubeconfigText = readFileSync(kubeconfig, 'utf8');
const kc = new k8s.KubeConfig();
kc.loadFromString(kubeconfigText);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);

/** Pod spec lines that keep kwok-mode pods on kwok's nodes (set in main when the cluster has them). */
let kwokPlacement = '';

interface ManifestOptions {
  image: string;
  crash?: boolean;
  unschedulable?: boolean;
  /** Real node only: testapp's TESTAPP_* variables. */
  env?: Record<string, string>;
}

/** The real node's variant: testapp with a readiness probe, pinned to the real node. */
function realNodeContainer(options: ManifestOptions): string {
  const env = Object.entries(options.env ?? {})
    .map(([name, value]) => `        - {name: ${name}, value: "${value}"}\n`)
    .join('');
  return `        image: ${options.image}
${env ? `        env:\n${env}` : ''}        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 1
          failureThreshold: 2
`;
}

function manifest(options: ManifestOptions): string {
  const labels = options.crash
    ? '        app: web\n        pipeline-actions.test/kwok-fail: crash-loop\n'
    : '        app: web\n';
  const selector = realNode
    ? '      nodeSelector: {pipeline-actions.dev/real-node: "true"}\n      terminationGracePeriodSeconds: 2\n'
    : options.unschedulable
      ? '      nodeSelector:\n        pipeline-actions.test/no-such-node: "true"\n'
      : kwokPlacement;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  progressDeadlineSeconds: ${deadlineS}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
${labels}    spec:
${selector}      containers:
      - name: web
${realNode ? realNodeContainer(options) : `        image: ${options.image}\n`}`;
}

/** Image names of the success rounds: ghcr.io names on kwok (never pulled), testapp's tags on the real node. */
const goodImage = (): string => (realNode ? `${testapp}:v1` : 'ghcr.io/acme/web:1.0.0');
const updateImage = (round: number): string => (realNode ? `${testapp}:v2` : `ghcr.io/acme/web:2.0.${round}`);

interface Timed {
  ms: number;
  /** performance.now() when the process exited. */
  endedAt: number;
  code: number | null;
  /** Milliseconds (performance.now) at which each matching stdout line appeared. */
  marks: Map<string, number>;
  out: string;
}

function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; watchFor?: Record<string, RegExp>; timeoutMs?: number } = {},
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: options.env ?? { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const marks = new Map<string, number>();
    let out = '';
    const scan = (chunk: string): void => {
      out += chunk;
      for (const [name, pattern] of Object.entries(options.watchFor ?? {}))
        if (!marks.has(name) && pattern.test(out)) marks.set(name, performance.now());
    };
    child.stdout.setEncoding('utf8').on('data', scan);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const endedAt = performance.now();
      resolve({ ms: endedAt - started, endedAt, code, marks, out });
    });
  });
}

const scratch = mkdtempSync(path.join(tmpdir(), 'bench-deploy-k8s-'));
let fileCounter = 0;
function writeManifest(text: string): { dir: string; file: string } {
  const dir = path.join(scratch, `ws-${++fileCounter}`);
  mkdirSync(path.join(dir, 'k8s'), { recursive: true });
  const file = path.join(dir, 'k8s', 'app.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

/**
 * The runner's tool cache, where the action keeps V8's compiled code of its
 * client: one kept between runs (a self-hosted runner, or a second deploy in
 * a job), or a new one for each run (a fresh hosted runner).
 */
const warmToolCache = path.join(scratch, 'tool-cache');
function toolCacheDir(fresh: boolean): string {
  return fresh ? path.join(scratch, `tool-cache-${++fileCounter}`) : warmToolCache;
}

function runAction(
  ns: string,
  text: string,
  watchFor: Record<string, RegExp> = {},
  freshToolCache = false,
): Promise<Timed> {
  const { dir } = writeManifest(text);
  const runnerTemp = path.join(dir, 'runner-temp');
  mkdirSync(runnerTemp);
  const files = ['output', 'summary', 'state', 'env', 'path'].map((f) => path.join(dir, f));
  for (const f of files) writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: dir,
    RUNNER_TOOL_CACHE: toolCacheDir(freshToolCache),
    GITHUB_OUTPUT: files[0] as string,
    GITHUB_STEP_SUMMARY: files[1] as string,
    GITHUB_STATE: files[2] as string,
    GITHUB_ENV: files[3] as string,
    GITHUB_PATH: files[4] as string,
    GITHUB_REPOSITORY: 'bench/deploy-k8s',
    GITHUB_RUN_ID: String(fileCounter),
    GITHUB_SHA: '0'.repeat(40),
    INPUT_KUBECONFIG: kubeconfigText,
    INPUT_NAMESPACE: ns,
    INPUT_MANIFESTS: 'k8s',
    INPUT_TIMEOUT: '120s',
    'INPUT_ROLLBACK-ON-FAILURE': 'true',
    INPUT_WAIT: 'true',
    INPUT_LOCK: 'true',
    'INPUT_DRY-RUN': 'false',
    'INPUT_FIELD-MANAGER': 'deploy-k8s',
    'INPUT_FAILURE-GRACE': '5s',
  };
  return run(process.execPath, [action], { env, watchFor });
}

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  for (let i = 0; i < 150; i++) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return name;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`namespace ${name} got no default ServiceAccount`);
}
const created: string[] = [];

/**
 * Deletes the namespaces and waits (at most 90 s) until they are gone, so that rounds do not pile pods up on
 * the real node (110 pods at most) and the kubelet's clean-up of one round does not run during the next.
 */
async function removeNamespaces(names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
  const deadline = Date.now() + 90_000;
  for (const name of names) {
    while (Date.now() < deadline) {
      const gone = await core.readNamespace({ name }).then(
        () => false,
        () => true,
      );
      if (gone) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** kubectl's discovery cache: kept between runs (a developer's machine) or new for each run (a fresh CI runner). */
const warmCache = path.join(scratch, 'kubectl-cache');
function cacheDir(fresh: boolean): string {
  return fresh ? path.join(scratch, `kubectl-cache-${++fileCounter}`) : warmCache;
}

async function kubectlDeploy(ns: string, text: string, freshCache = false): Promise<Timed> {
  const { file } = writeManifest(text);
  const cache = cacheDir(freshCache);
  const started = performance.now();
  const apply = await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', cache, '-n', ns, 'apply', '-f', file]);
  if (apply.code !== 0) throw new Error(`kubectl apply failed: ${apply.out}`);
  const status = await run(kubectl, [
    '--kubeconfig',
    kubeconfig,
    '--cache-dir',
    cache,
    '-n',
    ns,
    'rollout',
    'status',
    'deployment/web',
    '--timeout=180s',
  ]);
  return {
    ms: performance.now() - started,
    endedAt: status.endedAt,
    code: status.code,
    marks: new Map([...status.marks, ['applied', apply.endedAt]]),
    out: apply.out + status.out,
  };
}

/**
 * Watches Deployment/web in the namespace; `at` resolves when the API server first shows its rollout past
 * `generation` complete (what both tools wait for), so each tool's own overhead can be told from the cluster's
 * work: start to applied, plus complete to exit.
 */
function rolloutComplete(ns: string, generation: number): { at: Promise<number>; stop: () => void } {
  let controller: AbortController | undefined;
  let stopped = false;
  const at = new Promise<number>((resolve) => {
    void new k8s.Watch(kc)
      .watch(
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        { fieldSelector: 'metadata.name=web' },
        (_type: string, d: k8s.V1Deployment) => {
          const st = d.status ?? {};
          const want = d.spec?.replicas ?? 1;
          if (
            (d.metadata?.generation ?? 0) > generation &&
            (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
            st.updatedReplicas === want &&
            st.replicas === want &&
            st.availableReplicas === want
          )
            resolve(performance.now());
        },
        () => undefined,
      )
      .then((c) => {
        controller = c;
        if (stopped) c.abort();
      });
  });
  return {
    at,
    stop: () => {
      stopped = true;
      controller?.abort();
    },
  };
}

/** Watches the namespace's pods; resolves the time of the first pod showing a failure signal. */
function firstFailingSignal(ns: string): { at: Promise<number>; stop: () => void } {
  let controller: AbortController | undefined;
  let stopped = false;
  const at = new Promise<number>((resolve) => {
    const failing = (pod: k8s.V1Pod): boolean => {
      const statuses = pod.status?.containerStatuses ?? [];
      if (
        statuses.some((c) =>
          ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull'].includes(c.state?.waiting?.reason ?? ''),
        )
      )
        return true;
      // Readiness: the new pod's containers run and its Ready condition is False (the probe is failing).
      if (
        realNode &&
        pod.status?.phase === 'Running' &&
        statuses.length > 0 &&
        statuses.every((c) => c.state?.running && !c.ready) &&
        (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'False') &&
        pod.spec?.containers.some((c) => c.env?.some((e) => e.name === 'TESTAPP_NEVER_READY'))
      )
        return true;
      return (pod.status?.conditions ?? []).some(
        (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
      );
    };
    void new k8s.Watch(kc)
      .watch(
        `/api/v1/namespaces/${ns}/pods`,
        {},
        (_type: string, pod: k8s.V1Pod) => {
          if (failing(pod)) resolve(performance.now());
        },
        () => undefined,
      )
      .then((c) => {
        controller = c;
        if (stopped) c.abort();
      });
  });
  return { at, stop: () => ((stopped = true), controller?.abort()) };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
/** The 1, 5 and 15 minute load averages: the machine is shared, the figures depend on it. */
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function hasCrashStage(): Promise<boolean> {
  const ns = await namespace('bench-probe');
  created.push(ns);
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'probe', labels: { 'pipeline-actions.test/kwok-fail': 'crash-loop' } },
      spec: {
        containers: [{ name: 'c', image: 'example.invalid/p:1' }],
        ...(kwokPlacement
          ? {
              nodeSelector: { type: 'kwok' },
              tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
            }
          : {}),
      },
    },
  });
  for (let i = 0; i < 50; i++) {
    const pod = await core.readNamespacedPod({ name: 'probe', namespace: ns });
    if (pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff') return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function main(): Promise<void> {
  const version = spawnSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  const nodes = await core.listNode();
  const kwokNodes = nodes.items.filter((n) => n.metadata?.labels?.['type'] === 'kwok').length;
  const real = nodes.items.filter((n) => n.metadata?.labels?.['pipeline-actions.dev/real-node'] === 'true');
  if (realNode && real.length === 0)
    throw new Error('--real-node: the cluster has no real node (tools/kube/cluster.sh up --real-node)');
  if (!realNode && kwokNodes > 0)
    kwokPlacement = `      nodeSelector: {type: kwok}\n      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]\n`;
  console.log(
    realNode
      ? `nodes: the real node ${real.map((n) => n.metadata?.name ?? '?').join(', ')} (kubelet + containerd), image ${testapp}:v1/:v2`
      : `nodes: ${kwokNodes} kwok node(s) (simulated pods)`,
  );
  console.log(
    `load average ${load()}; cluster ${kc.getCurrentCluster()?.server ?? '?'}; kubectl ${(JSON.parse(version.stdout || '{}') as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '?'}; action ${path.relative(root, action)}; ${rounds} round(s)`,
  );

  // 1. Successful 3-replica rollout (an image update of a running Deployment).
  // Warm: the action's compiled-code cache and kubectl's discovery cache kept between runs; cold: new ones each run.
  const who = ['action', 'action-cold', 'kubectl', 'kubectl-cold'] as const;
  const times = new Map<(typeof who)[number], number[]>(who.map((w) => [w, []]));
  // Where the two differ: the time from the start to the update being applied (the rollout itself is the same).
  const toApply = new Map<(typeof who)[number], number[]>(who.map((w) => [w, []]));
  // Each tool's own time: start to applied, plus rollout complete (seen by this process's watch) to exit.
  const overhead = new Map<(typeof who)[number], number[]>(who.map((w) => [w, []]));
  for (let round = 1; round <= rounds; round++) {
    const ns = new Map<(typeof who)[number], string>();
    for (const name of who) ns.set(name, await namespace(`bench-${name}`));
    created.push(...ns.values());
    for (const name of who) {
      const base = name.startsWith('action')
        ? await runAction(ns.get(name) as string, manifest({ image: goodImage() }))
        : await kubectlDeploy(ns.get(name) as string, manifest({ image: goodImage() }));
      if (base.code !== 0) throw new Error(`${name} first deploy failed:\n${base.out}`);
    }
    const order = [...who.slice(round % who.length), ...who.slice(0, round % who.length)];
    for (const name of order) {
      const image = manifest({ image: updateImage(round) });
      const at = ns.get(name) as string;
      const before = await apps.readNamespacedDeployment({ name: 'web', namespace: at });
      const complete = rolloutComplete(at, before.metadata?.generation ?? 0);
      const r = name.startsWith('action')
        ? await runAction(at, image, { applied: /^Deployment\/web in \S+: configured$/m }, name === 'action-cold')
        : await kubectlDeploy(at, image, name === 'kubectl-cold');
      if (r.code !== 0) throw new Error(`${name} update failed:\n${r.out}`);
      times.get(name)?.push(r.ms);
      toApply.get(name)?.push((r.marks.get('applied') ?? Number.NaN) - (r.endedAt - r.ms));
      const completedAt = await Promise.race([
        complete.at,
        new Promise<number>((r) => setTimeout(() => r(Number.NaN), 5000)),
      ]);
      complete.stop();
      overhead.get(name)?.push((r.marks.get('applied') ?? Number.NaN) - (r.endedAt - r.ms) + (r.endedAt - completedAt));
    }
    const last = (name: (typeof who)[number]): string => s(times.get(name)?.at(-1) ?? Number.NaN);
    await removeNamespaces([...ns.values()]);
    console.log(
      `success round ${round}: action ${last('action')} (warm compile cache), ${last('action-cold')} (fresh); kubectl apply + rollout status ${last('kubectl')} (warm discovery cache), ${last('kubectl-cold')} (fresh cache, as on a new CI runner)`,
    );
  }
  const m = (name: (typeof who)[number]): number => median(times.get(name) ?? []);
  console.log(
    `\nSuccessful 3-replica rollout (median of ${rounds}): warm caches: action ${s(m('action'))}, kubectl ${s(m('kubectl'))}, ratio action/kubectl ${(m('action') / m('kubectl')).toFixed(2)}; ` +
      `fresh caches: action ${s(m('action-cold'))}, kubectl ${s(m('kubectl-cold'))}, ratio ${(m('action-cold') / m('kubectl-cold')).toFixed(2)}; load average now ${load()}`,
  );
  // The rollout itself varies from round to round (readiness probes tick once a second): the median of each
  // round's own ratio compares the two tools on the same node state.
  const paired = (x: (typeof who)[number], y: (typeof who)[number]): string =>
    median((times.get(x) ?? []).map((t, i) => t / ((times.get(y) ?? [])[i] ?? Number.NaN))).toFixed(2);
  console.log(
    `  median of the rounds' own ratios: warm ${paired('action', 'kubectl')}, fresh ${paired('action-cold', 'kubectl-cold')}`,
  );
  const a = (name: (typeof who)[number]): string => s(median(toApply.get(name) ?? []));
  const o = (name: (typeof who)[number]): number => median(overhead.get(name) ?? []);
  console.log(
    `  the tools' own time (start to applied + rollout complete to exit, median): action ${s(o('action'))} warm, ${s(o('action-cold'))} fresh; ` +
      `kubectl ${s(o('kubectl'))} warm, ${s(o('kubectl-cold'))} fresh; the difference is ${s(o('action') - o('kubectl'))} warm, ${s(o('action-cold') - o('kubectl-cold'))} fresh`,
  );
  console.log(
    `  of which start to applied (median): action ${a('action')} warm, ${a('action-cold')} fresh; kubectl apply ${a('kubectl')} warm, ${a('kubectl-cold')} fresh`,
  );

  if (process.argv.includes('--success-only')) return;

  // 2. Failing rollouts.
  const scenarios: { name: string; bad: ManifestOptions }[] = [];
  if (realNode) {
    scenarios.push(
      {
        name: 'exit 1 at start (CrashLoopBackOff, real)',
        bad: { image: `${testapp}:v2`, env: { TESTAPP_EXIT_AT_START: '1' } },
      },
      { name: 'missing tag (ErrImagePull, real)', bad: { image: `${testapp}:missing` } },
      {
        name: 'readiness never passes (real), failure-grace 5s',
        bad: { image: `${testapp}:v2`, env: { TESTAPP_NEVER_READY: '1' } },
      },
    );
  } else {
    if (await hasCrashStage())
      scenarios.push({ name: 'CrashLoopBackOff (kwok Stage)', bad: { image: 'ghcr.io/acme/web:9.9.9', crash: true } });
    else console.log('\n(no kwok failure Stages on this cluster: the CrashLoopBackOff scenario is skipped)');
    scenarios.push({
      name: 'Unschedulable (nodeSelector), failure-grace 5s',
      bad: { image: 'ghcr.io/acme/web:9.9.9', unschedulable: true },
    });
  }
  const failureRounds = Math.min(rounds, 2);
  for (const scenario of scenarios) {
    const detect: number[] = [];
    const rollback: number[] = [];
    const kDetect: number[] = [];
    const kRollback: number[] = [];
    for (let round = 1; round <= failureRounds; round++) {
      const nsA = await namespace('bench-fail-action');
      const nsK = await namespace('bench-fail-kubectl');
      created.push(nsA, nsK);
      const good = manifest({ image: goodImage() });
      const bad = manifest(scenario.bad);
      if ((await runAction(nsA, good)).code !== 0) throw new Error('action setup failed');
      if ((await kubectlDeploy(nsK, good)).code !== 0) throw new Error('kubectl setup failed');

      const signal = firstFailingSignal(nsA);
      const r = await runAction(nsA, bad, { failed: /Rollout failed:/ });
      const signalAt = await Promise.race([
        signal.at,
        new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 1000)),
      ]);
      signal.stop();
      const failedAt = r.marks.get('failed');
      if (r.code === 0 || failedAt === undefined || Number.isNaN(signalAt))
        throw new Error(`action did not fail as expected:\n${r.out}`);
      if (!readFileSync(path.join(scratch, `ws-${fileCounter}`, 'output'), 'utf8').includes('rolled-back'))
        throw new Error(`action did not roll back:\n${r.out}`);
      detect.push(failedAt - signalAt);

      const kSignal = firstFailingSignal(nsK);
      const { file } = writeManifest(bad);
      const applied = await run(kubectl, ['--kubeconfig', kubeconfig, '-n', nsK, 'apply', '-f', file]);
      if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.out}`);
      const status = await run(kubectl, [
        '--kubeconfig',
        kubeconfig,
        '-n',
        nsK,
        'rollout',
        'status',
        'deployment/web',
        `--timeout=${deadlineS * 6}s`,
      ]);
      const kFailedAt = performance.now();
      const kSignalAt = await Promise.race([
        kSignal.at,
        new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 1000)),
      ]);
      kSignal.stop();
      if (status.code === 0) throw new Error('kubectl rollout status did not fail');
      const undo = await run(kubectl, ['--kubeconfig', kubeconfig, '-n', nsK, 'rollout', 'undo', 'deployment/web']);
      const undone = await run(kubectl, [
        '--kubeconfig',
        kubeconfig,
        '-n',
        nsK,
        'rollout',
        'status',
        'deployment/web',
        '--timeout=120s',
      ]);
      if (undo.code !== 0 || undone.code !== 0)
        throw new Error(`kubectl rollout undo failed: ${undo.out}${undone.out}`);
      kDetect.push(kFailedAt - kSignalAt);
      kRollback.push(performance.now() - kSignalAt);
      rollback.push(r.endedAt - signalAt);
      console.log(
        `${scenario.name} round ${round}: action detected ${s(detect.at(-1) as number)} after the first failing pod, rolled back and healthy ${s(rollback.at(-1) as number)} after it; kubectl rollout status failed ${s(kDetect.at(-1) as number)} after it, undo healthy ${s(kRollback.at(-1) as number)}`,
      );
    }
    console.log(
      `\n${scenario.name}, median of ${failureRounds}: detection action ${s(median(detect))} vs kubectl ${s(median(kDetect))} (${(median(kDetect) / median(detect)).toFixed(1)}x faster); ` +
        `rollback complete action ${s(median(rollback))} vs kubectl + undo ${s(median(kRollback))} (${(median(kRollback) / median(rollback)).toFixed(1)}x faster); progressDeadlineSeconds ${deadlineS}`,
    );
  }
}

try {
  await main();
} finally {
  await Promise.all(created.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
  rmSync(scratch, { recursive: true, force: true });
}
