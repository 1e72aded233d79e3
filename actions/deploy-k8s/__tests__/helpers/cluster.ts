/**
 * The real cluster for the end-to-end tests: KUBECONFIG when it is set (a
 * user's kind or k3d cluster), otherwise the local control plane from
 * tools/kube (`cluster.sh up` builds it if needed, starts or reuses it and
 * prints the kubeconfig path as its last line).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface TestCluster {
  kubeconfigPath: string;
  kubeconfigText: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  rbac: k8s.RbacAuthorizationV1Api;
  coordination: k8s.CoordinationV1Api;
  server: string;
}

let cached: TestCluster | undefined;

export function clusterKubeconfigPath(): string {
  const fromEnv = process.env['KUBECONFIG'];
  if (fromEnv) return fromEnv.split(path.delimiter)[0] as string;
  const up = spawnSync('bash', [path.join(root, 'tools/kube/cluster.sh'), 'up'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = (up.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1]?.trim() ?? '';
  if (up.status !== 0 || !last) {
    throw new Error(
      `tools/kube/cluster.sh up failed (exit ${String(up.status)}${up.error ? `, ${up.error.message}` : ''}):\n${(up.stderr ?? '').split('\n').slice(-20).join('\n')}`,
    );
  }
  return last;
}

export function testCluster(): TestCluster {
  cached ??= clusterAt(clusterKubeconfigPath());
  return cached;
}

/** The cluster a kubeconfig file points at (its current context). */
export function clusterAt(kubeconfigPath: string): TestCluster {
  const kubeconfigText = readFileSync(kubeconfigPath, 'utf8');
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfigText);
  return {
    kubeconfigPath,
    kubeconfigText,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    rbac: kc.makeApiClient(k8s.RbacAuthorizationV1Api),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
    server: kc.getCurrentCluster()?.server ?? '',
  };
}

export async function createNamespace(cluster: TestCluster, prefix = 'dk8s'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await cluster.core.createNamespace({
    body: { metadata: { name, labels: { 'pipeline-actions.test/suite': 'deploy-k8s' } } },
  });
  // Pods need the namespace's default ServiceAccount, made by the controller manager.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await cluster.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return name;
    } catch {
      if (Date.now() > deadline) throw new Error(`namespace ${name}: no default ServiceAccount after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Does the cluster have kwok nodes? Tests that rely on kwok (images that are
 * never pulled, the failure Stages) pin their pods to them then: the same
 * cluster may also have a real node (`cluster.sh up --real-node`).
 */
export async function hasKwokNodes(cluster: TestCluster): Promise<boolean> {
  const nodes = await cluster.core.listNode({ labelSelector: 'type=kwok' });
  return nodes.items.length > 0;
}

export async function deleteNamespace(cluster: TestCluster, name: string): Promise<void> {
  await cluster.core.deleteNamespace({ name }).catch(() => undefined);
}

export async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error: unknown) {
    if (error instanceof k8s.ApiException && error.code === 404) return false;
    throw error;
  }
}

/** Polls (bounded) until `check` returns true. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A kubeconfig for `server` that authenticates with a bearer token (CA taken from the admin kubeconfig). */
export function tokenKubeconfig(
  cluster: TestCluster,
  token: string,
  namespace: string,
  server = cluster.server,
): string {
  const admin = cluster.kc.getCurrentCluster();
  const ca = admin?.caData
    ? `    certificate-authority-data: ${admin.caData}\n`
    : admin?.skipTLSVerify
      ? '    insecure-skip-tls-verify: true\n'
      : '';
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
${ca}users:
- name: limited
  user:
    token: ${token}
contexts:
- name: limited
  context:
    cluster: test
    user: limited
    namespace: ${namespace}
current-context: limited
`;
}
