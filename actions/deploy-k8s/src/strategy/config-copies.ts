/**
 * The canary's own configuration. The manifests' other objects are applied
 * only with the final promotion, so a canary whose new version needs a
 * changed ConfigMap or Secret would run with the live (old) one. As Flagger
 * does, the ConfigMaps and Secrets of the manifests that the pod template
 * references are copied under `<name>-canary` and the canary's template
 * points at the copies: the canary sees the new values, stable keeps the
 * live ones until the promotion applies them. The copies go with the canary
 * (abort, reject, promotion). Pure.
 */
import { isRecord } from '@pipeline/action-kit';
import type { KubeObject } from '../objects.js';
import { arrayOf, recordOf } from '../records.js';
import { CANARY_OF, TRACK_LABEL } from './targets.js';

export type ConfigKind = 'ConfigMap' | 'Secret';

/** On the canary Deployment: the copies it uses (`ConfigMap/a-canary,Secret/b-canary`), for a later run to delete. */
export const CONFIG_COPIES = 'deploy-k8s.pipeline-actions.dev/config-copies';

export const copyName = (name: string): string => `${name}-canary`;
const key = (kind: ConfigKind, name: string): string => `${kind}/${name}`;

type Visit = (kind: ConfigKind, holder: Record<string, unknown>, field: string) => void;

/** Every place a pod spec names a ConfigMap or Secret: volumes (plain and projected), envFrom, env valueFrom. */
function visitReferences(podSpec: Record<string, unknown>, visit: Visit): void {
  const both = (holder: Record<string, unknown>, configMap: string, secret: string, secretField: string): void => {
    if (isRecord(holder[configMap])) visit('ConfigMap', holder[configMap], 'name');
    if (isRecord(holder[secret])) visit('Secret', holder[secret], secretField);
  };
  for (const volume of arrayOf<Record<string, unknown>>(podSpec['volumes'])) {
    both(volume, 'configMap', 'secret', 'secretName');
    for (const source of arrayOf<Record<string, unknown>>(recordOf(volume['projected'])['sources']))
      both(source, 'configMap', 'secret', 'name');
  }
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'])
    for (const container of arrayOf<Record<string, unknown>>(podSpec[list])) {
      for (const from of arrayOf<Record<string, unknown>>(container['envFrom']))
        both(from, 'configMapRef', 'secretRef', 'name');
      for (const env of arrayOf<Record<string, unknown>>(container['env']))
        if (isRecord(env['valueFrom'])) both(env['valueFrom'], 'configMapKeyRef', 'secretKeyRef', 'name');
    }
}

const podSpecOf = (deployment: KubeObject): Record<string, unknown> =>
  recordOf(recordOf(recordOf(deployment['spec'])['template'])['spec']);

/** The ConfigMaps and Secrets a Deployment's pod template names, `Kind/name`, each once, in order. */
export function referencedConfig(deployment: KubeObject): string[] {
  const found: string[] = [];
  visitReferences(podSpecOf(deployment), (kind, holder, field) => {
    const name = holder[field];
    if (typeof name === 'string' && !found.includes(key(kind, name))) found.push(key(kind, name));
  });
  return found;
}

/**
 * The copies of the manifests' ConfigMaps and Secrets that `deployment`
 * references (only those the manifests carry: config managed elsewhere is not
 * the new version's and stays shared), in `namespace`, marked as the canary's.
 */
export function configCopies(objects: readonly KubeObject[], deployment: KubeObject, namespace: string): KubeObject[] {
  const wanted = referencedConfig(deployment);
  const owner = deployment.metadata.name;
  return objects
    .filter(
      (o) =>
        o.apiVersion === 'v1' &&
        (o.kind === 'ConfigMap' || o.kind === 'Secret') &&
        (o.metadata.namespace ?? namespace) === namespace &&
        wanted.includes(key(o.kind, o.metadata.name)),
    )
    .map((original) => {
      const { metadata, ...content } = structuredClone(original);
      // An immutable copy could not take the next run's values under the same name.
      delete content['immutable'];
      return {
        ...content,
        apiVersion: 'v1',
        kind: original.kind,
        metadata: {
          name: copyName(metadata.name),
          namespace,
          labels: { ...metadata.labels, [TRACK_LABEL]: 'canary' },
          annotations: { [CANARY_OF]: owner },
        },
      };
    });
}

/**
 * Points the canary Deployment's pod template at the copies (in place) and
 * records them in its CONFIG_COPIES annotation; references to anything not
 * copied are left as they are.
 */
export function useCopies(canary: KubeObject, copies: readonly KubeObject[]): KubeObject {
  if (copies.length === 0) return canary;
  const originals = new Map(copies.map((c) => [key(c.kind as ConfigKind, c.metadata.name.replace(/-canary$/, '')), c]));
  visitReferences(podSpecOf(canary), (kind, holder, field) => {
    const name = holder[field];
    if (typeof name === 'string' && originals.has(key(kind, name))) holder[field] = copyName(name);
  });
  canary.metadata.annotations = {
    ...canary.metadata.annotations,
    [CONFIG_COPIES]: copies.map((c) => key(c.kind as ConfigKind, c.metadata.name)).join(','),
  };
  return canary;
}

/** The copies a live canary Deployment recorded (kind and name), to delete with it. */
export function recordedCopies(canary: KubeObject | undefined): Array<{ kind: ConfigKind; name: string }> {
  const text = canary?.metadata.annotations?.[CONFIG_COPIES] ?? '';
  return text
    .split(',')
    .map((entry) => /^(ConfigMap|Secret)\/([a-z0-9.-]+)$/.exec(entry.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ kind: m[1] as ConfigKind, name: m[2] as string }));
}
