/**
 * Secrets a deploy's workloads read that the manifests do not carry: in a
 * real environment they are created outside git (managed database URLs, by
 * External Secrets or by hand). The local cluster has none of them, and on a
 * real node a pod that reads a missing Secret never starts
 * (CreateContainerConfigError), so the runner says so before the deploy
 * instead of reporting a rollback the environment, not the release, caused.
 */
export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    template?: { spec?: PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
  };
}

interface Container {
  env?: { valueFrom?: { secretKeyRef?: { name?: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name?: string; optional?: boolean }; configMapRef?: { name?: string } }[];
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: { secret?: { secretName?: string; optional?: boolean } }[];
}

export interface SecretRef {
  namespace: string;
  name: string;
  /** The workloads that read it (Kind/name). */
  readers: string[];
}

const podSpec = (o: ManifestObject): PodSpec | undefined =>
  o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;

/** Names of the non-optional Secrets a pod spec reads (env, envFrom, volumes). */
export function secretsRead(spec: PodSpec): string[] {
  const names = new Set<string>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref?.name && !ref.optional) names.add(ref.name);
    }
    for (const e of c.envFrom ?? []) if (e.secretRef?.name && !e.secretRef.optional) names.add(e.secretRef.name);
  }
  for (const v of spec.volumes ?? []) if (v.secret?.secretName && !v.secret.optional) names.add(v.secret.secretName);
  return [...names].sort();
}

/** Secrets the workloads read that no object of the manifests defines. */
export function secretsNotInManifests(objects: ManifestObject[], defaultNamespace: string): SecretRef[] {
  const ns = (o: ManifestObject): string => o.metadata?.namespace || defaultNamespace;
  const defined = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => `${ns(o)}/${o.metadata?.name ?? ''}`));
  const refs = new Map<string, SecretRef>();
  for (const o of objects) {
    const spec = podSpec(o);
    if (!spec) continue;
    for (const name of secretsRead(spec)) {
      const key = `${ns(o)}/${name}`;
      if (defined.has(key)) continue;
      const ref = refs.get(key) ?? { namespace: ns(o), name, readers: [] };
      ref.readers.push(`${o.kind ?? '?'}/${o.metadata?.name ?? '?'}`);
      refs.set(key, ref);
    }
  }
  return [...refs.values()];
}

/** Why the deploy is not run here, naming each Secret and how to provide it. */
export function missingSecretsReason(missing: SecretRef[]): string {
  const list = missing.map((m) => `${m.namespace}/${m.name} (read by ${m.readers.join(', ')})`).join('; ');
  return (
    `the workloads read Secrets that the manifests do not contain and the local cluster does not have: ${list}. ` +
    'In a real environment they are created outside git; on the real node the pods could not start, so the deploy ' +
    'would prove nothing about the release. Create them in the local cluster first (kubectl create secret generic ... ' +
    'with the kubeconfig the report names), or rehearse the flow on simulated nodes with --kwok-only'
  );
}
