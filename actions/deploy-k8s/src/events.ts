/** Kubernetes Events about an object, as log lines for failure reports. */
import type { KubeApi } from './kube.js';
import type { KubeObject } from './objects.js';
import { str } from './records.js';

function eventLine(event: KubeObject): string {
  const e = event as KubeObject & {
    type?: string;
    reason?: string;
    message?: string;
    count?: number;
    series?: { count?: number };
  };
  const count = e.series?.count ?? e.count;
  return `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${(e.message ?? '').trim()}${count && count > 1 ? ` (x${count})` : ''}`;
}

/** Recent events about one object, newest last (at most `limit`). */
export async function recentEvents(
  api: KubeApi,
  namespace: string,
  name: string,
  limit = 5,
  uid?: string,
): Promise<string[]> {
  try {
    // By uid when known: a StatefulSet pod keeps its name across restarts, its events should not.
    const selector = uid ? `involvedObject.name=${name},involvedObject.uid=${uid}` : `involvedObject.name=${name}`;
    const { items } = await api.list('v1', 'Event', namespace, { fieldSelector: selector });
    const time = (e: KubeObject): string => {
      const r = e as KubeObject & { lastTimestamp?: string; eventTime?: string };
      return r.lastTimestamp ?? r.eventTime ?? str(e.metadata['creationTimestamp']);
    };
    return items
      .sort((a, b) => time(a).localeCompare(time(b)))
      .slice(-limit)
      .map(eventLine);
  } catch {
    return [];
  }
}
