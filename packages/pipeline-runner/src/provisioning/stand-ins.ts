/**
 * Images the deployed manifests name that cannot be pulled here and that the
 * real node runs as local stand-ins (tools/containers/base-images.sh
 * postgres redis): a report that used one says so.
 */
import type { DeployedResource } from '@pipeline/action-kit/kube';

/** Upstream image → what the local stand-in really is. */
export const WORKLOAD_STAND_INS: Record<string, string> = {
  'docker.io/library/postgres:17-alpine': "Debian bookworm's PostgreSQL 15 with the upstream entrypoint's contract",
  'docker.io/library/redis:7-alpine': "Debian bookworm's redis-server 7.0",
};

/** Docker's normalisation: `postgres:17-alpine` is `docker.io/library/postgres:17-alpine`. */
export function normalizeImage(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  const hasDomain = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const named = hasDomain ? ref : `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
  return /[:@][^/]*$/.test(named) ? named : `${named}:latest`;
}

/** One note per stand-in the deployed objects run, naming the objects. */
export function standInsUsed(resources: DeployedResource[]): string[] {
  const users = new Map<string, string[]>();
  for (const r of resources) {
    for (const image of r.newImages) {
      const upstream = normalizeImage(image);
      if (!WORKLOAD_STAND_INS[upstream]) continue;
      users.set(upstream, [...(users.get(upstream) ?? []), `${r.kind}/${r.name}`]);
    }
  }
  return [...users].map(
    ([image, objects]) =>
      `${image} (${objects.join(', ')}) ran as a local stand-in: ${WORKLOAD_STAND_INS[image]} (tools/containers/base-images.sh; no public registry is reachable here).`,
  );
}
