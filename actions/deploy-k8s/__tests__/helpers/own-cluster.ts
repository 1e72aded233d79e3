/**
 * A cluster of the test's own, for faults that must never touch the shared
 * one (restarting its API server): tools/kube/cluster.sh with its own
 * KUBE_CLUSTER_NAME and KUBE_STATE_DIR. A cluster of that name that already
 * runs (a developer's) is used and left running; otherwise it is started
 * (one kwok node, no monitoring CRDs: ~30 s plus the real node) and `stop()`
 * takes it down again.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clusterAt, type TestCluster } from './cluster.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const script = path.join(root, 'tools/kube/cluster.sh');
/** The shared cluster's name (cluster.sh's default): never restarted by a test. */
const SHARED = 'pipeline-actions';

export interface ApiServerRestart {
  /** Date.now() when the restart began (SIGTERM) and when /readyz answered again. */
  startedAt: number;
  readyAt: number;
  /** cluster.sh's own account: how long the API server was unavailable. */
  unavailableS: number;
  output: string;
}

export interface OwnCluster {
  readonly cluster: TestCluster;
  readonly name: string;
  /** Whether this process started it (and `stop()` takes it down). */
  readonly started: boolean;
  restartApiServer(): Promise<ApiServerRestart>;
  stop(): Promise<void>;
}

export interface OwnClusterOptions {
  name: string;
  stateDir: string;
}

/** The name and state directory: RESTART_KUBE_CLUSTER_NAME / RESTART_KUBE_STATE_DIR, else deploy-k8s-restart under .tmp. */
export function ownClusterOptions(env: NodeJS.ProcessEnv = process.env): OwnClusterOptions {
  const name = env['RESTART_KUBE_CLUSTER_NAME'] || 'deploy-k8s-restart';
  if (name === SHARED)
    throw new Error(`RESTART_KUBE_CLUSTER_NAME=${SHARED} is the shared cluster: this test restarts its API server`);
  return { name, stateDir: env['RESTART_KUBE_STATE_DIR'] || path.join(root, '.tmp', 'kube-restart') };
}

async function clusterSh(
  options: OwnClusterOptions,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [script, ...args], {
    cwd: root,
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...process.env,
      KUBE_CLUSTER_NAME: options.name,
      KUBE_STATE_DIR: options.stateDir,
      KUBE_NODES: '1',
      KUBE_MONITORING_CRDS: '0',
    },
  });
}

const lastLine = (text: string): string => text.trim().split('\n').pop()?.trim() ?? '';

/** Starts the named cluster with a real node, or reuses it (`up` adds the real node if it has none). */
export async function ownCluster(options: OwnClusterOptions): Promise<OwnCluster> {
  const running = await clusterSh(options, ['kubeconfig'], 30_000).then(
    () => true,
    () => false,
  );
  const kubeconfig = lastLine((await clusterSh(options, ['up', '--real-node'], 20 * 60_000)).stdout);
  return {
    cluster: clusterAt(kubeconfig),
    name: options.name,
    started: !running,
    restartApiServer: async () => {
      const startedAt = Date.now();
      const { stderr } = await clusterSh(options, ['restart-apiserver'], 180_000);
      const readyAt = Date.now();
      const unavailable = /unavailable for (\d+(?:\.\d+)?)s/.exec(stderr)?.[1];
      if (unavailable === undefined) throw new Error(`cluster.sh restart-apiserver said:\n${stderr}`);
      return { startedAt, readyAt, unavailableS: Number(unavailable), output: stderr };
    },
    stop: async () => {
      if (!running) await clusterSh(options, ['down'], 180_000);
    },
  };
}
