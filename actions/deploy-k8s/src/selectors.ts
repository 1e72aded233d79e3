/** Label selectors of workloads as the list and watch APIs take them. */
import { isRecord } from '@pipeline/action-kit';

/** `matchLabels` + `matchExpressions` as a label selector string. */
export function selectorString(selector: unknown): string {
  if (!isRecord(selector)) return '';
  const parts: string[] = [];
  if (isRecord(selector['matchLabels'])) {
    for (const [k, v] of Object.entries(selector['matchLabels'])) parts.push(`${k}=${String(v)}`);
  }
  if (Array.isArray(selector['matchExpressions'])) {
    for (const e of selector['matchExpressions'] as { key?: string; operator?: string; values?: string[] }[]) {
      const values = (e.values ?? []).join(',');
      if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
      else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
      else if (e.operator === 'Exists') parts.push(`${e.key ?? ''}`);
      else if (e.operator === 'DoesNotExist') parts.push(`!${e.key ?? ''}`);
    }
  }
  return parts.join(',');
}
