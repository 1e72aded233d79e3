/**
 * Objects whose kind the cluster does not serve (a custom resource whose
 * CustomResourceDefinition is not installed, such as a ServiceMonitor on a
 * cluster without the Prometheus Operator), and what the `unknown-kinds`
 * input does with them: `fail` (the default) stops the deploy before
 * anything is written and lists them all; `skip` deploys the rest and
 * reports them as skipped, with a warning.
 */
import { plural } from '@pipeline/action-kit';
import type { KubeApi } from './kube.js';
import type { SourcedObject } from './manifests.js';

export const UNKNOWN_KINDS_POLICIES = ['fail', 'skip'] as const;
export type UnknownKindsPolicy = (typeof UNKNOWN_KINDS_POLICIES)[number];

export interface UnservedObject {
  apiVersion: string;
  kind: string;
  name: string;
  file: string;
  document: number;
}

/** `group/version|Kind`, the key definedKinds uses. */
const kindKey = (o: { apiVersion: string; kind: string }): string => `${o.apiVersion}|${o.kind}`;

/**
 * The objects whose apiVersion and kind API discovery does not list and no
 * CustomResourceDefinition in the same manifests defines (those are applied
 * after their CRD), in manifest order.
 */
export async function findUnserved(
  api: Pick<KubeApi, 'resourceInfo'>,
  objects: readonly SourcedObject[],
  definedByManifests: ReadonlySet<string>,
): Promise<UnservedObject[]> {
  const kinds = [...new Map(objects.map((o) => [kindKey(o.object), o.object])).values()];
  const served = new Map<string, boolean>();
  await Promise.all(
    kinds.map(async (o) => served.set(kindKey(o), (await api.resourceInfo(o.apiVersion, o.kind)) !== undefined)),
  );
  return objects
    .filter((o) => !served.get(kindKey(o.object)) && !definedByManifests.has(kindKey(o.object)))
    .map((o) => ({
      apiVersion: o.object.apiVersion,
      kind: o.object.kind,
      name: o.object.metadata.name,
      file: o.file,
      document: o.document,
    }));
}

/** One line per kind: `ServiceMonitor (monitoring.coreos.com/v1): example-service (k8s.yaml#3)`. */
export function describeUnserved(objects: readonly UnservedObject[]): string[] {
  const byKind = new Map<string, UnservedObject[]>();
  for (const o of objects) byKind.set(kindKey(o), [...(byKind.get(kindKey(o)) ?? []), o]);
  return [...byKind.values()].map(
    (list) =>
      `${list[0]!.kind} (${list[0]!.apiVersion}): ${list.map((o) => `${o.name} (${o.file}#${o.document})`).join(', ')}`,
  );
}

/** The warning for `unknown-kinds: skip`. */
export function skippedWarning(objects: readonly UnservedObject[]): string {
  return (
    `Skipped ${plural(objects.length, 'object')} whose kind the cluster does not serve (unknown-kinds: skip; install the CustomResourceDefinitions to deploy them):\n` +
    describeUnserved(objects)
      .map((line) => `  ${line}`)
      .join('\n')
  );
}

/** What the `fail` policy adds to each object's validation problem. */
export const FAIL_HINT =
  'install its CustomResourceDefinition, fix the apiVersion, or set unknown-kinds: skip to deploy the rest without it';
