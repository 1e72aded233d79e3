/**
 * ServiceMonitors to Prometheus scrape targets, without the Prometheus
 * Operator: the local Prometheus (tools/monitoring/prometheus.sh deploy)
 * reads these target groups from its sidecar over HTTP service discovery.
 * Debian's Prometheus is built without Kubernetes service discovery, so the
 * sidecar lists ServiceMonitors, Services, EndpointSlices and Pods from the
 * API server and this module decides what the operator's generated
 * configuration would scrape:
 *
 *   - Services in the ServiceMonitor's namespaceSelector (default: its own
 *     namespace) whose labels match its selector (matchLabels, matchExpressions);
 *   - per endpoint, the EndpointSlice ports named `port` (or numbered
 *     `targetPort`), every address, ready or not (a pod failing readiness is
 *     still a target, so it shows as down), except pods that ended;
 *   - labels: job (the Service's name, or its jobLabel label), namespace,
 *     service, pod, container, endpoint (the port name), instance (address),
 *     and the endpoint's path, scheme, interval and timeout as
 *     __metrics_path__, __scheme__, __scrape_interval__, __scrape_timeout__.
 *
 * Pure: the sidecar (./service-monitor-sd-main.ts) does the I/O.
 */

export type Labels = Record<string, string>;

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Metadata {
  name: string;
  namespace?: string;
  labels?: Labels;
}

export interface MonitorEndpoint {
  port?: string;
  targetPort?: number | string;
  path?: string;
  scheme?: string;
  interval?: string;
  scrapeTimeout?: string;
}

export interface ServiceMonitor {
  metadata: Metadata;
  spec: {
    selector?: LabelSelector;
    namespaceSelector?: { any?: boolean; matchNames?: string[] };
    jobLabel?: string;
    endpoints?: MonitorEndpoint[];
  };
}

export interface Service {
  metadata: Metadata;
}

export interface EndpointSlice {
  metadata: Metadata;
  ports?: { name?: string; port?: number }[] | null;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }[];
}

export interface Pod {
  metadata: Metadata;
  spec?: { containers?: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string };
}

export interface Snapshot {
  serviceMonitors: ServiceMonitor[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  pods: Pod[];
}

/** One target group of Prometheus's HTTP service discovery. */
export interface TargetGroup {
  targets: string[];
  labels: Labels;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Kubernetes label selector semantics; an empty selector selects everything. */
export function selects(selector: LabelSelector | undefined, labels: Labels = {}): boolean {
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const ok =
      operator === 'In'
        ? has && values.includes(labels[key] as string)
        : operator === 'NotIn'
          ? !has || !values.includes(labels[key] as string)
          : operator === 'Exists'
            ? has
            : operator === 'DoesNotExist'
              ? !has
              : false; // an unknown operator selects nothing, as the API server would refuse it
    if (!ok) return false;
  }
  return true;
}

/** The namespaces a ServiceMonitor looks in: undefined means all of them. */
export function monitoredNamespaces(monitor: ServiceMonitor): string[] | undefined {
  const sel = monitor.spec.namespaceSelector;
  if (sel?.any) return undefined;
  if (sel?.matchNames && sel.matchNames.length > 0) return sel.matchNames;
  return [monitor.metadata.namespace ?? 'default'];
}

const ENDED = new Set(['Succeeded', 'Failed']);

function slicePort(slice: EndpointSlice, endpoint: MonitorEndpoint): { name: string; port: number } | undefined {
  for (const p of slice.ports ?? []) {
    if (p.port === undefined) continue;
    if (endpoint.port !== undefined ? p.name === endpoint.port : String(p.port) === String(endpoint.targetPort))
      return { name: p.name ?? '', port: p.port };
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const millis = (d: string): number | undefined => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
};

/** Interval and timeout labels; a timeout is never above the interval (Prometheus drops such a target). */
function timing(endpoint: MonitorEndpoint): Labels {
  const labels: Labels = {};
  if (endpoint.interval) labels['__scrape_interval__'] = endpoint.interval;
  if (endpoint.scrapeTimeout) labels['__scrape_timeout__'] = endpoint.scrapeTimeout;
  else if (endpoint.interval && (millis(endpoint.interval) ?? Infinity) < 10_000)
    labels['__scrape_timeout__'] = endpoint.interval; // below Prometheus's 10s default timeout
  return labels;
}

function containerOf(pod: Pod | undefined, port: number): string | undefined {
  return pod?.spec?.containers?.find((c) => c.ports?.some((p) => p.containerPort === port))?.name;
}

/** Every target the ServiceMonitors select, one group per address (its labels differ by pod). */
export function targetGroups(snapshot: Snapshot): TargetGroup[] {
  const key = (m: Metadata) => `${m.namespace ?? 'default'}/${m.name}`;
  const pods = new Map(snapshot.pods.map((p) => [key(p.metadata), p]));
  const groups: TargetGroup[] = [];
  for (const monitor of snapshot.serviceMonitors) {
    const namespaces = monitoredNamespaces(monitor);
    const services = snapshot.services.filter(
      (s) =>
        (namespaces === undefined || namespaces.includes(s.metadata.namespace ?? 'default')) &&
        selects(monitor.spec.selector, s.metadata.labels),
    );
    for (const [index, endpoint] of (monitor.spec.endpoints ?? []).entries()) {
      for (const service of services) {
        const namespace = service.metadata.namespace ?? 'default';
        const slices = snapshot.endpointSlices.filter(
          (s) =>
            (s.metadata.namespace ?? 'default') === namespace &&
            s.metadata.labels?.[SERVICE_NAME_LABEL] === service.metadata.name,
        );
        for (const slice of slices) {
          const port = slicePort(slice, endpoint);
          if (!port) continue;
          for (const address of slice.endpoints ?? []) {
            const ref = address.targetRef;
            const pod = ref?.kind === 'Pod' ? pods.get(`${ref.namespace ?? namespace}/${ref.name}`) : undefined;
            if (pod?.status?.phase && ENDED.has(pod.status.phase)) continue;
            const job =
              (monitor.spec.jobLabel && service.metadata.labels?.[monitor.spec.jobLabel]) || service.metadata.name;
            const container = containerOf(pod, port.port);
            for (const ip of address.addresses) {
              const target = ip.includes(':') ? `[${ip}]:${port.port}` : `${ip}:${port.port}`;
              groups.push({
                targets: [target],
                labels: {
                  job,
                  namespace,
                  service: service.metadata.name,
                  ...(ref?.kind === 'Pod' && ref.name ? { pod: ref.name } : {}),
                  ...(container ? { container } : {}),
                  endpoint: endpoint.port ?? String(endpoint.targetPort ?? port.port),
                  __metrics_path__: endpoint.path ?? '/metrics',
                  __scheme__: endpoint.scheme ?? 'http',
                  ...timing(endpoint),
                  __meta_servicemonitor: `${key(monitor.metadata)}/${index}`,
                  __meta_endpoint_ready: String(address.conditions?.ready ?? true),
                },
              });
            }
          }
        }
      }
    }
  }
  return groups;
}
