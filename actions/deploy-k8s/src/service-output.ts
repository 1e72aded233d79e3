/**
 * The `service` output: the Service in front of the deployed workload (the
 * one running the new image), as `namespace/name:port`, so that a smoke
 * test can reach it through the API server without a URL. Read from the live
 * objects after the deploy, by the kit's rule the local runner uses too.
 */
import { describeError } from '@pipeline/action-kit';
import {
  deployedWorkload,
  formatServiceRef,
  liveService,
  pickService,
  type DeployedResource,
} from '@pipeline/action-kit/kube';
import type { ImageRule } from './images.js';
import type { KubeApi } from './kube.js';
import type { DeployReport } from './report.js';

const APPS: Record<string, string> = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1' };

/** The workload an image rule's image is in (by reference), else the kit's rule for the first image (repository, or the only workload). */
export function workloadOf(
  resources: readonly DeployedResource[],
  images: readonly ImageRule[],
): DeployedResource | undefined {
  for (const rule of images) {
    const found = deployedWorkload([...resources], rule.image);
    if (found?.newImages.includes(rule.image)) return found;
  }
  return deployedWorkload([...resources], images[0]?.image ?? '');
}

/** `namespace/name:port` of the Service selecting the deployed workload's pods, or '' (with the reason logged). */
export async function deployedService(
  api: KubeApi,
  report: DeployReport,
  images: readonly ImageRule[],
  log: (message: string) => void,
): Promise<string> {
  // A paused canary or preview is live next to the stable pods: the Service in front of both is what users reach.
  if (report.dryRun || !['deployed', 'unchanged', 'paused'].includes(report.status)) return '';
  const workload = workloadOf(report.resources, images);
  if (!workload) {
    log('service output: no Deployment, StatefulSet or DaemonSet runs the deployed image, so no Service is named');
    return '';
  }
  const namespace = workload.namespace ?? api.contextNamespace ?? 'default';
  const apiVersion = APPS[workload.kind] ?? 'apps/v1';
  try {
    const live = await api.get({ apiVersion, kind: workload.kind, name: workload.name, namespace });
    const spec = (live?.['spec'] ?? {}) as { template?: { metadata?: { labels?: Record<string, string> } } };
    const labels = spec.template?.metadata?.labels ?? {};
    const { items } = await api.list('v1', 'Service', namespace);
    const picked = pickService(labels, items.map(liveService));
    if (!picked) {
      log(`service output: no Service in namespace ${namespace} selects the pods of ${workload.kind}/${workload.name}`);
      return '';
    }
    const ref = formatServiceRef({ namespace, name: picked.service.name, port: picked.port });
    log(`service output: ${ref} (selects the pods of ${workload.kind}/${workload.name})`);
    return ref;
  } catch (error: unknown) {
    // The deploy itself succeeded: a Service that cannot be read leaves the output empty, not the step failed.
    log(
      `service output: the Service in front of ${workload.kind}/${workload.name} could not be read (${describeError(error)})`,
    );
    return '';
  }
}
