/**
 * Which Service fronts a deployment, and which pod and port a connection to
 * it reaches: pure rules over plain shapes of the live objects, shared by
 * deploy-k8s (its `service` output), smoke-test (the port-forward) and the
 * local runner.
 */
import { ActionError } from '../errors.js';
import type { ServiceRef } from './service-ref.js';

/** What deploy-k8s's `resources` output says about one object. */
export interface DeployedResource {
  kind: string;
  name: string;
  namespace?: string;
  newImages: string[];
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  /** The pod's port: a number, a container port's name, or undefined (the same as port). */
  targetPort?: number | string;
}

export interface LiveService {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  ports: ServicePort[];
}

export interface LivePod {
  name: string;
  /** Ready condition True, and not being deleted. */
  ready: boolean;
  /** Every container's ports (named ones resolve a named targetPort). */
  containerPorts: { name?: string; containerPort: number; protocol?: string }[];
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** `ghcr.io/o/r@sha256:…` and `ghcr.io/o/r:tag` name the repository `ghcr.io/o/r`. */
export const repositoryOf = (ref: string): string => ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');

/** The workload that runs the deployed image: by reference, else by repository (the only workload when it is alone). */
export function deployedWorkload(resources: DeployedResource[], image: string): DeployedResource | undefined {
  const workloads = resources.filter((r) => WORKLOADS.includes(r.kind));
  return (
    workloads.find((w) => w.newImages.includes(image)) ??
    workloads.find((w) => w.newImages.some((i) => repositoryOf(i) === repositoryOf(image))) ??
    (workloads.length === 1 ? workloads[0] : undefined)
  );
}

const isTcp = (port: { protocol?: string }): boolean => (port.protocol ?? 'TCP') === 'TCP';

/** A Service's `http` port, else its first TCP port. */
export function defaultPort(service: LiveService): ServicePort | undefined {
  const tcp = service.ports.filter(isTcp);
  return tcp.find((p) => p.name === 'http') ?? tcp[0];
}

/** The Service whose selector picks the workload's pods; its `http` port, else its first TCP port. */
export function pickService(
  podLabels: Record<string, string>,
  services: LiveService[],
): { service: LiveService; port: number } | undefined {
  const matching = services.filter(
    (s) => Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => podLabels[k] === v),
  );
  for (const service of matching) {
    const port = defaultPort(service);
    if (port) return { service, port: port.port };
  }
  return undefined;
}

/** Where one connection to a Service goes: a ready pod and the pod's port number. */
export interface ForwardTarget {
  pod: string;
  podPort: number;
  /** The Service port it stands for (number, and name when it has one). */
  servicePort: ServicePort;
}

/** Why a Service cannot be reached; the message is written for the log. */
export class UnreachableServiceError extends ActionError {
  override readonly name = 'UnreachableServiceError';
}

const describe = (ref: ServiceRef): string => `Service ${ref.namespace}/${ref.name}`;

/** The Service port the ref names (number or name), or its default port. */
export function servicePortOf(service: LiveService, ref: ServiceRef): ServicePort {
  const ports = service.ports.filter(isTcp);
  const listed = ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ') || 'none';
  if (ref.port === undefined) {
    const port = defaultPort(service);
    if (!port) throw new UnreachableServiceError(`${describe(ref)} has no TCP port to reach`);
    return port;
  }
  const port = ports.find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
  if (!port)
    throw new UnreachableServiceError(`${describe(ref)} has no TCP port ${String(ref.port)}; its TCP ports: ${listed}`);
  return port;
}

/** The pod's port a Service port forwards to: its numeric targetPort, the container port of that name, or port itself. */
export function podPortOf(servicePort: ServicePort, pod: LivePod): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.containerPorts.find((c) => c.name === target && isTcp(c))?.containerPort;
}

/**
 * A ready pod behind the Service and the port on it, preferring pods not in
 * `avoid` (those whose forward just failed, such as a pod a rollout is
 * replacing). Throws UnreachableServiceError saying what is missing.
 */
export function resolveForward(
  ref: ServiceRef,
  service: LiveService,
  pods: LivePod[],
  avoid: ReadonlySet<string> = new Set(),
): ForwardTarget {
  if (Object.keys(service.selector).length === 0)
    throw new UnreachableServiceError(
      `${describe(ref)} has no selector, so no pod is behind it to forward to (a Service with manual Endpoints cannot be reached through a pod port-forward)`,
    );
  const servicePort = servicePortOf(service, ref);
  const selector = Object.entries(service.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const ready = pods.filter((p) => p.ready);
  if (ready.length === 0)
    throw new UnreachableServiceError(
      pods.length === 0
        ? `${describe(ref)} selects no pod (selector ${selector})`
        : `${describe(ref)} has no ready pod: ${pods.length} pod(s) match its selector ${selector}, none of them Ready`,
    );
  const ordered = [...ready.filter((p) => !avoid.has(p.name)), ...ready.filter((p) => avoid.has(p.name))];
  for (const pod of ordered) {
    const podPort = podPortOf(servicePort, pod);
    if (podPort !== undefined) return { pod: pod.name, podPort, servicePort };
  }
  throw new UnreachableServiceError(
    `${describe(ref)} port ${servicePort.port} targets the container port named "${String(servicePort.targetPort)}", which no ready pod behind it declares`,
  );
}

/** The plain shapes above from a Service and a Pod as the API returns them (JSON). */
export function liveService(object: unknown): LiveService {
  const o = (object ?? {}) as {
    metadata?: { name?: string; namespace?: string };
    spec?: { selector?: Record<string, string>; ports?: ServicePort[] };
  };
  return {
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace ?? '',
    selector: o.spec?.selector ?? {},
    ports: (o.spec?.ports ?? []).map((p) => ({
      port: p.port,
      ...(p.name ? { name: p.name } : {}),
      ...(p.protocol ? { protocol: p.protocol } : {}),
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
    })),
  };
}

export function livePod(object: unknown): LivePod {
  const o = (object ?? {}) as {
    metadata?: { name?: string; deletionTimestamp?: unknown };
    spec?: { containers?: { ports?: LivePod['containerPorts'] }[] };
    status?: { phase?: string; conditions?: { type?: string; status?: string }[] };
  };
  const ready =
    o.metadata?.deletionTimestamp == null &&
    o.status?.phase === 'Running' &&
    (o.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return {
    name: o.metadata?.name ?? '',
    ready,
    containerPorts: (o.spec?.containers ?? []).flatMap((c) => c.ports ?? []),
  };
}
