/**
 * The cluster a deploy used when its kubeconfig was given to the run
 * (`--secret-file STAGING_KUBECONFIG=...`) rather than started by it: the
 * smoke tests reach the deployed Service through that kubeconfig, as the
 * issue asks of a run without a staging URL, when the cluster has a node
 * that runs containers. Only simulated (kwok) nodes: nothing runs in the
 * pods, so the runner runs the deployed image itself instead.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export interface ClusterNode {
  name: string;
  /** kwok manages it (annotation kwok.x-k8s.io/node=fake): pods on it run no containers. */
  simulated: boolean;
  ready: boolean;
}

/** `kubectl get nodes -o json` → the nodes; anything that is not a node list → none. */
export function parseNodes(json: string): ClusterNode[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  const items = (value as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: Record<string, unknown>) => {
    const metadata = (item?.['metadata'] ?? {}) as { name?: unknown; annotations?: Record<string, unknown> };
    if (typeof metadata.name !== 'string') return [];
    const conditions = ((item['status'] as { conditions?: unknown } | undefined)?.conditions ?? []) as {
      type?: unknown;
      status?: unknown;
    }[];
    return [
      {
        name: metadata.name,
        simulated: metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake',
        ready: Array.isArray(conditions) && conditions.some((c) => c?.type === 'Ready' && c.status === 'True'),
      },
    ];
  });
}

/** deploy-k8s's `kubeconfig` input is raw YAML or base64 (which has no ':'): the YAML. */
export function kubeconfigText(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes(':') ? value : Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8');
}

/** The Ready nodes that run containers. */
export const realNodes = (nodes: ClusterNode[]): string[] =>
  nodes.filter((n) => n.ready && !n.simulated).map((n) => n.name);

/** The nodes of the cluster a kubeconfig file reaches. */
export async function clusterNodes(kubectl: string, kubeconfig: string): Promise<ClusterNode[]> {
  const { stdout } = await promisify(execFile)(kubectl, ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json'], {
    maxBuffer: 32 * 1024 * 1024,
    timeout: 30_000,
  });
  return parseNodes(stdout);
}

/**
 * The given kubeconfig as a file in scratch, when its cluster has a Ready
 * node that runs containers (the smoke tests port-forward through it);
 * otherwise undefined. The note says which, and why.
 */
export async function givenClusterKubeconfig(
  content: string,
  scratch: string,
  kubectl: string,
  notes: string[],
): Promise<string | undefined> {
  const file = path.join(scratch, 'deploy-kubeconfig.yaml');
  await writeFile(file, kubeconfigText(content), { mode: 0o600 });
  let nodes: ClusterNode[];
  try {
    nodes = await clusterNodes(kubectl, file);
  } catch (error) {
    notes.push(
      `The deploy used the kubeconfig given to the run, and listing its cluster's nodes failed (${error instanceof Error ? error.message : String(error)}), so the runner runs the deployed image itself.`,
    );
    return undefined;
  }
  const real = realNodes(nodes);
  if (real.length === 0) {
    notes.push(
      `The deploy used the kubeconfig given to the run; its cluster has no Ready node that runs containers (${nodes.length} nodes, simulated or not Ready), so the runner runs the deployed image itself.`,
    );
    return undefined;
  }
  notes.push(
    `The deploy used the kubeconfig given to the run; its cluster has nodes that run containers (${real.join(', ')}), so the smoke tests reach the deployed Service through that kubeconfig.`,
  );
  return file;
}
