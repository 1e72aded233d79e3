/**
 * Putting one object back as the backup has it: what the rollback does per
 * object. A Deployment gets the pod template of its previous ReplicaSet
 * (what `kubectl rollout undo` does); a StatefulSet also loses the pods of
 * the failed revision that never became ready.
 */
import { isRecord, retry } from '@pipeline/action-kit';
import { isConflict, isNotFound, type KubeApi } from '../kube.js';
import { describeRef, type KubeObject } from '../objects.js';
import { selectorString } from '../selectors.js';
import type { Item } from './context.js';

/** The pod template of the Deployment's ReplicaSet at `revision`, without the pod-template-hash label. */
export async function previousTemplate(
  api: KubeApi,
  deployment: KubeObject,
  revision: string,
): Promise<Record<string, unknown> | undefined> {
  if (!revision) return undefined;
  const uid = deployment.metadata['uid'];
  const { items } = await api.list('apps/v1', 'ReplicaSet', deployment.metadata.namespace);
  const owned = (r: KubeObject): boolean =>
    Array.isArray(r.metadata['ownerReferences']) &&
    (r.metadata['ownerReferences'] as { uid?: string }[]).some((o) => o.uid === uid);
  const rs = items.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision && owned(r));
  const template =
    rs && isRecord(rs['spec']) && isRecord(rs['spec']['template'])
      ? structuredClone(rs['spec']['template'])
      : undefined;
  if (!template) return undefined;
  const metadata = isRecord(template['metadata']) ? template['metadata'] : undefined;
  if (metadata && isRecord(metadata['labels'])) delete metadata['labels']['pod-template-hash'];
  return template;
}

export interface RestoreOptions {
  fieldManager: string;
  log: (message: string) => void;
  /** Injected for tests (the kit's retry sleeps between attempts). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Restores one object with a PUT at the live resourceVersion (or a create if
 * it is gone). A conflict or a vanished object means someone wrote in
 * between: read again and retry.
 */
export async function restore(api: KubeApi, item: Item, backup: KubeObject, options: RestoreOptions): Promise<void> {
  const isDeployment = item.ref.kind === 'Deployment';
  await retry(
    async () => {
      const live = await api.get(item.ref);
      const target = structuredClone(backup);
      if (isDeployment && live) {
        const template = await previousTemplate(api, live, item.report.previousRevision ?? '');
        if (template && isRecord(target['spec'])) target['spec']['template'] = template;
      }
      if (live) {
        target.metadata['resourceVersion'] = live.metadata['resourceVersion'];
        await api.replace(target, { fieldManager: options.fieldManager });
      } else {
        await api.create(target, { fieldManager: options.fieldManager });
      }
    },
    {
      attempts: 3,
      initialDelayMs: 100,
      maxDelayMs: 1000,
      shouldRetry: (error) => isConflict(error) || isNotFound(error),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
  );
  options.log(
    `${describeRef(item.ref)}: restored from the backup${isDeployment ? ' (previous ReplicaSet template)' : ''}`,
  );
}

/**
 * A StatefulSet does not replace a pod of the failed revision that never
 * became ready, even after its template is restored (the documented "forced
 * rollback"): delete those pods so that the controller recreates them from
 * the restored template.
 */
export async function deleteBrokenPods(
  api: KubeApi,
  item: Item,
  failedRevision: string,
  log: (message: string) => void,
): Promise<void> {
  const spec = isRecord(item.applied?.['spec']) ? item.applied['spec'] : {};
  const { items } = await api.list('v1', 'Pod', item.ref.namespace, {
    labelSelector: selectorString(spec['selector']),
  });
  for (const pod of items) {
    if (pod.metadata.labels?.['controller-revision-hash'] !== failedRevision) continue;
    const status = isRecord(pod['status']) ? pod['status'] : {};
    const ready =
      Array.isArray(status['conditions']) &&
      (status['conditions'] as { type?: string; status?: string }[]).some(
        (c) => c.type === 'Ready' && c.status === 'True',
      );
    if (ready) continue;
    await api.remove({
      apiVersion: 'v1',
      kind: 'Pod',
      name: pod.metadata.name,
      ...(item.ref.namespace ? { namespace: item.ref.namespace } : {}),
    });
    log(
      `pod ${pod.metadata.name}: deleted (revision ${failedRevision} never became ready; the StatefulSet recreates it from the restored template)`,
    );
  }
}
