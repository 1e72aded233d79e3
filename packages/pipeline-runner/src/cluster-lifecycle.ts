/**
 * The local Kubernetes cluster outlives a run (tools/kube/cluster.sh keeps
 * it up for the next one, so starting it is paid once): the run says so,
 * and --fresh-cluster deletes it first, so this run's deploys start from
 * an empty cluster (revision 1, no leftover namespaces).
 */
import path from 'node:path';
import { runScript } from './local.js';

/** The cluster cluster.sh manages with this environment (KUBE_CLUSTER_NAME, KUBE_STATE_DIR). */
export function clusterIdentity(library: string, env: NodeJS.ProcessEnv): { name: string; stateDir: string } {
  return {
    name: env['KUBE_CLUSTER_NAME'] || 'pipeline-actions',
    stateDir: path.resolve(env['KUBE_STATE_DIR'] || path.join(library, '.tmp/kube')),
  };
}

/** --fresh-cluster: `cluster.sh down` before the run; a job that needs the cluster brings up a new one. */
export async function deleteCluster(library: string, log: (line: string) => void): Promise<string> {
  const { name, stateDir } = clusterIdentity(library, process.env);
  await runScript(path.join(library, 'tools/kube/cluster.sh'), ['down'], process.env, 10 * 60_000, log);
  return `--fresh-cluster: deleted the local cluster ${name} (${stateDir}) before the run (tools/kube/cluster.sh down); a job that needs it starts a new one.`;
}

export function persistenceNote(library: string, kubeconfig: string): string {
  const { name } = clusterIdentity(library, process.env);
  return (
    `The local Kubernetes cluster ${name} (kubeconfig ${kubeconfig}) persists between runs: what this run deployed stays, ` +
    `and the next run's deploys build on it (Deployment revisions keep counting up). --fresh-cluster recreates it before a run; npm run cluster:down deletes it.`
  );
}
