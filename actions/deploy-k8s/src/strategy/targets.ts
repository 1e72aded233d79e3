/**
 * What a progressive deploy works on, found in the manifests: the
 * Deployment, the Services that select its pods and the Ingresses that route
 * to those Services; and the objects it creates next to them (the canary
 * Deployment, the ingress-nginx canary Service and Ingress). Pure.
 */
import { isRecord } from '@pipeline/action-kit';
import type { KubeObject } from '../objects.js';
import { arrayOf, recordOf } from '../records.js';

export const TRACK_LABEL = 'deploy-k8s.pipeline-actions.dev/track';
export const CANARY_OF = 'deploy-k8s.pipeline-actions.dev/canary-of';
export const CANARY_STEP = 'deploy-k8s.pipeline-actions.dev/canary-step';
export const CANARY_PAUSED = 'deploy-k8s.pipeline-actions.dev/paused';
const NGINX = 'nginx.ingress.kubernetes.io';

export interface Target {
  deployment: KubeObject;
  services: KubeObject[];
  ingresses: KubeObject[];
}

export const labelsOf = (value: unknown): Record<string, string> => recordOf(value) as Record<string, string>;

export function templateLabels(deployment: KubeObject): Record<string, string> {
  return labelsOf(recordOf(recordOf(recordOf(deployment['spec'])['template'])['metadata'])['labels']);
}

export function serviceSelector(service: KubeObject): Record<string, string> {
  return labelsOf(recordOf(service['spec'])['selector']);
}

/** Does a selector (non-empty) select pods with these labels? */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** Service names an Ingress routes to (default backend and every rule path). */
export function ingressServices(ingress: KubeObject): string[] {
  const spec = recordOf(ingress['spec']);
  const names = [recordOf(recordOf(spec['defaultBackend'])['service'])['name']];
  for (const rule of arrayOf<Record<string, unknown>>(spec['rules']))
    for (const path of arrayOf<Record<string, unknown>>(recordOf(rule['http'])['paths']))
      names.push(recordOf(recordOf(path['backend'])['service'])['name']);
  return names.filter((n): n is string => typeof n === 'string');
}

/** The first Deployment of the manifests and what routes to it; a message when there is none. */
export function findTarget(objects: readonly KubeObject[]): Target | string {
  const deployments = objects.filter((o) => o.kind === 'Deployment' && o.apiVersion === 'apps/v1');
  const deployment = deployments[0];
  if (!deployment) return 'the manifests hold no apps/v1 Deployment for the canary or blue-green strategy to work on';
  if (deployments.length > 1)
    return `the manifests hold ${deployments.length} Deployments (${deployments.map((d) => d.metadata.name).join(', ')}); a canary or blue-green deploy works on one: deploy the others separately`;
  const labels = templateLabels(deployment);
  const services = objects.filter((o) => o.kind === 'Service' && selects(serviceSelector(o), labels));
  if (services.length === 0)
    return `no Service in the manifests selects the pods of Deployment ${deployment.metadata.name}; the traffic split needs one`;
  const names = new Set(services.map((s) => s.metadata.name));
  const ingresses = objects.filter((o) => o.kind === 'Ingress' && ingressServices(o).some((n) => names.has(n)));
  return { deployment, services, ingresses };
}

/** The canary Deployment: the new spec under `<name>-canary`, its pods labelled as the canary track. */
export function canaryDeployment(
  deployment: KubeObject,
  replicas: number,
  options: { step: string; paused: boolean; relabel?: readonly string[] },
): KubeObject {
  const canary = structuredClone(deployment);
  const name = deployment.metadata.name;
  canary.metadata = {
    ...canary.metadata,
    name: `${name}-canary`,
    labels: { ...canary.metadata.labels, [TRACK_LABEL]: 'canary' },
    annotations: {
      ...canary.metadata.annotations,
      [CANARY_OF]: name,
      [CANARY_STEP]: options.step,
      [CANARY_PAUSED]: String(options.paused),
    },
  };
  const spec = recordOf(canary['spec']);
  spec['replicas'] = replicas;
  const selector = recordOf(spec['selector']);
  const template = recordOf(spec['template']);
  const meta = recordOf(template['metadata']);
  const relabel = (labels: Record<string, string>): Record<string, string> => {
    const out: Record<string, string> = { ...labels, [TRACK_LABEL]: 'canary' };
    for (const key of options.relabel ?? []) if (out[key] !== undefined) out[key] = `${out[key]}-canary`;
    return out;
  };
  selector['matchLabels'] = relabel(labelsOf(selector['matchLabels']));
  meta['labels'] = relabel(labelsOf(meta['labels']));
  template['metadata'] = meta;
  spec['selector'] = selector;
  spec['template'] = template;
  canary['spec'] = spec;
  return canary;
}

/** ingress-nginx mode: a Service selecting only the canary pods. */
export function canaryService(service: KubeObject): KubeObject {
  const canary = structuredClone(service);
  canary.metadata = {
    name: `${service.metadata.name}-canary`,
    ...(service.metadata.namespace ? { namespace: service.metadata.namespace } : {}),
    labels: { ...service.metadata.labels, [TRACK_LABEL]: 'canary' },
  };
  const spec = recordOf(canary['spec']);
  const selector: Record<string, string> = {};
  for (const [k, v] of Object.entries(serviceSelector(service))) selector[k] = `${v}-canary`;
  spec['selector'] = { ...selector, [TRACK_LABEL]: 'canary' };
  for (const field of ['clusterIP', 'clusterIPs', 'nodePort']) delete spec[field];
  canary['spec'] = spec;
  return canary;
}

/**
 * ingress-nginx mode: a copy of the Ingress that routes `weight` percent of
 * its traffic to the canary Services (nginx.ingress.kubernetes.io/canary).
 */
export function canaryIngress(ingress: KubeObject, services: ReadonlySet<string>, weight: number): KubeObject {
  const canary = structuredClone(ingress);
  const annotations = Object.fromEntries(
    Object.entries(ingress.metadata.annotations ?? {}).filter(([k]) => !k.startsWith(`${NGINX}/canary`)),
  );
  canary.metadata = {
    name: `${ingress.metadata.name}-canary`,
    ...(ingress.metadata.namespace ? { namespace: ingress.metadata.namespace } : {}),
    labels: { ...ingress.metadata.labels, [TRACK_LABEL]: 'canary' },
    annotations: {
      ...annotations,
      [`${NGINX}/canary`]: 'true',
      [`${NGINX}/canary-weight`]: String(weight),
      [`${NGINX}/canary-weight-total`]: '100',
    },
  };
  const rename = (backend: unknown): void => {
    const service = recordOf(recordOf(backend)['service']);
    if (typeof service['name'] === 'string' && services.has(service['name']))
      service['name'] = `${service['name']}-canary`;
  };
  const spec = recordOf(canary['spec']);
  if (isRecord(spec['defaultBackend'])) rename(spec['defaultBackend']);
  for (const rule of arrayOf<Record<string, unknown>>(spec['rules']))
    for (const path of arrayOf<Record<string, unknown>>(recordOf(rule['http'])['paths'])) rename(path['backend']);
  // TLS stays with the main Ingress: a canary Ingress only adds a weighted backend to the main one's locations.
  delete spec['tls'];
  return canary;
}

/** The container port the analysis talks to: the first declared one (8080 without any). */
export function httpPort(deployment: KubeObject, override?: number): number {
  if (override) return override;
  const containers = arrayOf<Record<string, unknown>>(
    recordOf(recordOf(recordOf(deployment['spec'])['template'])['spec'])['containers'],
  );
  const port = arrayOf<Record<string, unknown>>(containers[0]?.['ports'])[0]?.['containerPort'];
  return typeof port === 'number' ? port : 8080;
}
