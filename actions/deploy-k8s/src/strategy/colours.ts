/**
 * Blue-green objects, pure: the new colour's Deployment, the preview
 * Service that reaches only it, and the live Service switched to a colour
 * (remembering the selector it had, for a switch back).
 */
import type { KubeObject } from '../objects.js';
import { recordOf } from '../records.js';
import { labelsOf, serviceSelector } from './targets.js';

export const COLOR_LABEL = 'deploy-k8s.pipeline-actions.dev/color';
export const PREVIOUS_SELECTOR = 'deploy-k8s.pipeline-actions.dev/previous-selector';
export type Colour = 'blue' | 'green';

/** The colour a live selector routes to; undefined when it routes to an uncoloured Deployment. */
export function liveColour(selector: Readonly<Record<string, string>>): Colour | undefined {
  const value = selector[COLOR_LABEL];
  return value === 'blue' || value === 'green' ? value : undefined;
}

export const otherColour = (colour: Colour | undefined): Colour => (colour === 'blue' ? 'green' : 'blue');

/** `<name>-<colour>` with the colour label on the Deployment, its selector and its pods. */
export function colourDeployment(deployment: KubeObject, colour: Colour): KubeObject {
  const copy = structuredClone(deployment);
  copy.metadata = {
    ...copy.metadata,
    name: `${deployment.metadata.name}-${colour}`,
    labels: { ...copy.metadata.labels, [COLOR_LABEL]: colour },
  };
  const spec = recordOf(copy['spec']);
  const selector = recordOf(spec['selector']);
  selector['matchLabels'] = { ...labelsOf(selector['matchLabels']), [COLOR_LABEL]: colour };
  const template = recordOf(spec['template']);
  const meta = recordOf(template['metadata']);
  meta['labels'] = { ...labelsOf(meta['labels']), [COLOR_LABEL]: colour };
  template['metadata'] = meta;
  spec['selector'] = selector;
  spec['template'] = template;
  copy['spec'] = spec;
  return copy;
}

/** The Service with `selector`; `previous` is recorded for a switch back. */
export function routedService(
  service: KubeObject,
  selector: Readonly<Record<string, string>>,
  previous?: Readonly<Record<string, string>>,
): KubeObject {
  const copy = structuredClone(service);
  copy.metadata = {
    ...copy.metadata,
    annotations: {
      ...copy.metadata.annotations,
      ...(previous ? { [PREVIOUS_SELECTOR]: JSON.stringify(previous) } : {}),
    },
  };
  copy['spec'] = { ...recordOf(copy['spec']), selector: { ...selector } };
  return copy;
}

/** `<service>-preview`: the Service's ports, selecting only the new colour. */
export function previewService(service: KubeObject, colour: Colour): KubeObject {
  const spec = recordOf(structuredClone(service['spec']));
  for (const field of ['clusterIP', 'clusterIPs', 'nodePort', 'loadBalancerIP', 'externalIPs']) delete spec[field];
  if (spec['type'] === 'LoadBalancer' || spec['type'] === 'NodePort') spec['type'] = 'ClusterIP';
  spec['selector'] = { ...colourSelector(serviceSelector(service), colour) };
  return {
    apiVersion: service.apiVersion,
    kind: 'Service',
    metadata: {
      name: `${service.metadata.name}-preview`,
      ...(service.metadata.namespace ? { namespace: service.metadata.namespace } : {}),
      labels: { ...service.metadata.labels, [COLOR_LABEL]: colour },
    },
    spec,
  };
}

/** The manifests' selector narrowed to a colour (without any pin of an earlier switch). */
export function colourSelector(selector: Readonly<Record<string, string>>, colour: Colour): Record<string, string> {
  const out = Object.fromEntries(Object.entries(selector).filter(([k]) => k !== 'pod-template-hash'));
  return { ...out, [COLOR_LABEL]: colour };
}

/** The selector recorded by the last switch, if it is one. */
export function previousSelector(service: KubeObject | undefined): Record<string, string> | undefined {
  const raw = service?.metadata.annotations?.[PREVIOUS_SELECTOR];
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    const labels = labelsOf(parsed);
    return Object.keys(labels).length > 0 ? labels : undefined;
  } catch {
    return undefined;
  }
}
