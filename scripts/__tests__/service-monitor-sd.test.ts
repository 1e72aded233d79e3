/**
 * The ServiceMonitor translator of the local Prometheus's discovery sidecar
 * (scripts/monitoring/service-monitor-sd.ts), table by table, and against
 * example-service's own ServiceMonitor and the Service its overlays render.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { monitoredNamespaces, selects, targetGroups } from '../monitoring/service-monitor-sd.ts';
import type { EndpointSlice, Pod, Service, ServiceMonitor, Snapshot } from '../monitoring/service-monitor-sd.ts';
import { prometheusConfig, prometheusObjects } from '../monitoring/prometheus-manifests.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('selects (Kubernetes label selectors)', () => {
  const labels = { app: 'web', tier: 'api' };
  it.each([
    ['empty selector', {}, true],
    ['matchLabels equal', { matchLabels: { app: 'web' } }, true],
    ['matchLabels differ', { matchLabels: { app: 'db' } }, false],
    ['matchLabels missing key', { matchLabels: { zone: 'a' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'web'] }] }, true],
    ['In, not listed', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, false],
    ['In, key absent', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, true],
    ['NotIn, listed', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['api'] }] }, false],
    ['NotIn, key absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['Exists, absent', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist, present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ['unknown operator', { matchExpressions: [{ key: 'app', operator: 'Like' }] }, false],
    ['both kinds', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
  ])('%s', (_name, selector, expected) => {
    expect(selects(selector, labels)).toBe(expected);
  });
});

describe('monitoredNamespaces', () => {
  const monitor = (namespaceSelector?: ServiceMonitor['spec']['namespaceSelector'], namespace?: string) =>
    ({
      metadata: { name: 'm', ...(namespace ? { namespace } : {}) },
      spec: { ...(namespaceSelector ? { namespaceSelector } : {}) },
    }) as ServiceMonitor;
  it.each([
    ['its own namespace by default', monitor(undefined, 'staging'), ['staging']],
    ['default when it has none', monitor(), ['default']],
    ['any: all namespaces', monitor({ any: true }, 'staging'), undefined],
    ['matchNames', monitor({ matchNames: ['a', 'b'] }, 'staging'), ['a', 'b']],
    ['empty matchNames: its own', monitor({ matchNames: [] }, 'staging'), ['staging']],
  ])('%s', (_name, m, expected) => {
    expect(monitoredNamespaces(m)).toEqual(expected);
  });
});

const service = (name: string, namespace: string, labels: Record<string, string>): Service => ({
  metadata: { name, namespace, labels },
});
const slice = (
  service: string,
  namespace: string,
  ports: EndpointSlice['ports'],
  endpoints: { ip: string; pod?: string; ready?: boolean }[],
): EndpointSlice => ({
  metadata: { name: `${service}-abc`, namespace, labels: { 'kubernetes.io/service-name': service } },
  ports,
  endpoints: endpoints.map((e) => ({
    addresses: [e.ip],
    conditions: { ready: e.ready ?? true },
    ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace } } : {}),
  })),
});
const pod = (name: string, namespace: string, phase = 'Running'): Pod => ({
  metadata: { name, namespace },
  spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 4000 }] }] },
  status: { phase },
});
const monitor = (spec: ServiceMonitor['spec'], namespace = 'shop'): ServiceMonitor => ({
  metadata: { name: 'web', namespace },
  spec,
});

const base: Snapshot = {
  serviceMonitors: [
    monitor({
      selector: { matchLabels: { app: 'web' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }],
    }),
  ],
  services: [
    service('web', 'shop', { app: 'web' }),
    service('db', 'shop', { app: 'db' }),
    service('web', 'other', { app: 'web' }),
  ],
  endpointSlices: [
    slice(
      'web',
      'shop',
      [
        { name: 'http', port: 4000 },
        { name: 'admin', port: 9000 },
      ],
      [
        { ip: '10.1.0.5', pod: 'web-1' },
        { ip: '10.1.0.6', pod: 'web-2', ready: false },
      ],
    ),
    slice('db', 'shop', [{ name: 'http', port: 5432 }], [{ ip: '10.1.0.7', pod: 'db-1' }]),
    slice('web', 'other', [{ name: 'http', port: 4000 }], [{ ip: '10.1.1.5', pod: 'web-x' }]),
  ],
  pods: [pod('web-1', 'shop'), pod('web-2', 'shop'), pod('db-1', 'shop'), pod('web-x', 'other')],
};

describe('targetGroups', () => {
  it('one target per address of the selected Service port, ready or not, with the operator-style labels', () => {
    expect(targetGroups(base)).toEqual([
      {
        targets: ['10.1.0.5:4000'],
        labels: {
          job: 'web',
          namespace: 'shop',
          service: 'web',
          pod: 'web-1',
          container: 'app',
          endpoint: 'http',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          __scrape_interval__: '15s',
          __scrape_timeout__: '5s',
          __meta_servicemonitor: 'shop/web/0',
          __meta_endpoint_ready: 'true',
        },
      },
      {
        targets: ['10.1.0.6:4000'],
        labels: expect.objectContaining({ pod: 'web-2', __meta_endpoint_ready: 'false' }),
      },
    ]);
  });

  const targets = (s: Snapshot) => targetGroups(s).map((g) => `${g.labels['job']} ${g.targets[0]} ${g.labels['pod']}`);
  const withMonitor = (spec: ServiceMonitor['spec'], namespace?: string): Snapshot => ({
    ...base,
    serviceMonitors: [monitor(spec, namespace)],
  });
  it.each<[string, Snapshot, string[]]>([
    [
      'namespaceSelector any: the same Service in every namespace',
      withMonitor({
        selector: { matchLabels: { app: 'web' } },
        namespaceSelector: { any: true },
        endpoints: [{ port: 'http' }],
      }),
      ['web 10.1.0.5:4000 web-1', 'web 10.1.0.6:4000 web-2', 'web 10.1.1.5:4000 web-x'],
    ],
    [
      'a monitor in another namespace sees only its own',
      withMonitor({ selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http' }] }, 'other'),
      ['web 10.1.1.5:4000 web-x'],
    ],
    [
      'a port name no slice has: no target',
      withMonitor({ selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'metrics' }] }),
      [],
    ],
    [
      'targetPort by number',
      withMonitor({ selector: { matchLabels: { app: 'web' } }, endpoints: [{ targetPort: 9000 }] }),
      ['web 10.1.0.5:9000 web-1', 'web 10.1.0.6:9000 web-2'],
    ],
    [
      'jobLabel: the job is that label of the Service',
      {
        ...withMonitor({ selector: { matchLabels: { app: 'web' } }, jobLabel: 'app', endpoints: [{ port: 'http' }] }),
        services: [service('web-svc', 'shop', { app: 'web' })],
        endpointSlices: [slice('web-svc', 'shop', [{ name: 'http', port: 4000 }], [{ ip: '10.1.0.5', pod: 'web-1' }])],
      },
      ['web 10.1.0.5:4000 web-1'],
    ],
    [
      'a selector nothing matches',
      withMonitor({ selector: { matchLabels: { app: 'cache' } }, endpoints: [{ port: 'http' }] }),
      [],
    ],
    [
      'two endpoints: two targets per address',
      withMonitor({
        selector: { matchLabels: { app: 'db' } },
        endpoints: [{ port: 'http' }, { port: 'http', path: '/x' }],
      }),
      ['db 10.1.0.7:5432 db-1', 'db 10.1.0.7:5432 db-1'],
    ],
    [
      'pods that ended are left out',
      { ...base, pods: [pod('web-1', 'shop', 'Succeeded'), pod('web-2', 'shop', 'Failed')] },
      [],
    ],
    ['no ServiceMonitor, no target', { ...base, serviceMonitors: [] }, []],
  ])('%s', (_name, snapshot, expected) => {
    expect(targets(snapshot)).toEqual(expected);
  });

  it.each([
    [
      'an interval below the default timeout caps the timeout',
      { interval: '5s' },
      { __scrape_interval__: '5s', __scrape_timeout__: '5s' },
    ],
    ['a long interval leaves the default timeout', { interval: '1m' }, { __scrape_interval__: '1m' }],
    ['none: the scrape config defaults', {}, {}],
  ])('%s', (_name, timing, expected) => {
    const [group] = targetGroups(
      withMonitor({ selector: { matchLabels: { app: 'db' } }, endpoints: [{ port: 'http', ...timing }] }),
    );
    const got = Object.fromEntries(Object.entries(group?.labels ?? {}).filter(([k]) => k.startsWith('__scrape_')));
    expect(got).toEqual(expected);
  });

  it('an IPv6 address is bracketed', () => {
    const snapshot = {
      ...base,
      endpointSlices: [slice('web', 'shop', [{ name: 'http', port: 4000 }], [{ ip: 'fd00::5' }])],
    };
    expect(targetGroups(snapshot)[0]?.targets).toEqual(['[fd00::5]:4000']);
  });
});

describe("example-service's ServiceMonitor", () => {
  const component = path.join(ROOT, 'example-service/k8s/components/monitoring');
  const kubectl = path.join(ROOT, 'tools/kube/bin/kubectl');
  const rendered = (overlay: string): Record<string, unknown>[] =>
    parseAllDocuments(
      execFileSync(kubectl, ['kustomize', path.join(ROOT, 'example-service/k8s/overlays', overlay)], {
        encoding: 'utf8',
      }),
    ).map((d) => d.toJSON() as Record<string, unknown>);

  (existsSync(kubectl) ? it.each(['staging', 'production']) : it.skip.each(['staging', 'production']))(
    '%s: selects the Service the overlay renders, on its http port, /metrics every 15s, job example-service',
    (overlay) => {
      const objects = rendered(overlay);
      const sm = objects.find((o) => o['kind'] === 'ServiceMonitor') as unknown as ServiceMonitor;
      const svc = objects.find(
        (o) => o['kind'] === 'Service' && (o['metadata'] as { name: string }).name === 'example-service',
      ) as unknown as Service & { spec: { ports: { name: string; port: number }[] } };
      expect(sm).toBeDefined();
      const ns = svc.metadata.namespace ?? 'default';
      // The Service's EndpointSlice as the API server makes it: the Service's port names, the pods' port.
      const ports = svc.spec.ports.map((p) => ({ name: p.name, port: 4000 }));
      const groups = targetGroups({
        serviceMonitors: [{ ...sm, metadata: { ...sm.metadata, namespace: ns } }],
        services: [svc],
        endpointSlices: [slice('example-service', ns, ports, [{ ip: '10.2.0.9', pod: 'example-service-1' }])],
        pods: [],
      });
      expect(groups).toEqual([
        {
          targets: ['10.2.0.9:4000'],
          labels: expect.objectContaining({
            job: 'example-service',
            namespace: ns,
            endpoint: 'http',
            __metrics_path__: '/metrics',
            __scrape_interval__: '15s',
            __scrape_timeout__: '5s',
          }),
        },
      ]);
      // The rules and the dashboard select job="example-service": the job the translation gives.
      const rule = readFileSync(path.join(component, 'prometheus-rule.yaml'), 'utf8');
      expect(rule).toContain('job="example-service"');
    },
  );
});

describe('the Prometheus manifests', () => {
  const objects = prometheusObjects({
    namespace: 'mon',
    prometheusImage: 'docker.io/prom/prometheus:v2.42.0',
    nodeImage: 'gcr.io/distroless/nodejs24-debian12:nonroot',
    apiUrl: 'https://10.0.0.9:6443',
    apiServerName: 'localhost',
    sdFiles: { 'a.ts': 'x' },
  });
  const kinds = objects.map((o) => `${o['kind'] as string}/${(o['metadata'] as { name: string }).name}`);
  it('namespace, ServiceAccount, RBAC named after the namespace, ConfigMaps, Deployment, Service', () => {
    expect(kinds).toEqual([
      'Namespace/mon',
      'ServiceAccount/prometheus',
      'ClusterRole/mon-prometheus',
      'ClusterRoleBinding/mon-prometheus',
      'ConfigMap/prometheus-config',
      'ConfigMap/prometheus-sd',
      'Deployment/prometheus',
      'Service/prometheus',
    ]);
  });
  it('every container runs as non-root with limits, read-only, no capabilities', () => {
    const spec = (objects[6] as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    expect(spec['securityContext']).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    for (const c of spec['containers'] as { resources: { limits: object }; securityContext: object }[]) {
      expect(c.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
  });
  it('the sidecar is told the API server address and TLS name; a changed input rolls the pod', () => {
    const json = JSON.stringify(objects[6]);
    expect(json).toContain('"KUBE_API_URL","value":"https://10.0.0.9:6443"');
    expect(json).toContain('"KUBE_API_SERVER_NAME","value":"localhost"');
    const other = prometheusObjects({
      namespace: 'mon',
      prometheusImage: 'p',
      nodeImage: 'n',
      sdFiles: { 'a.ts': 'y' },
    })[6] as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    const checksum = (o: unknown) =>
      (o as typeof other).spec.template.metadata.annotations['pipeline-actions.dev/config-checksum'];
    expect(checksum(other)).not.toBe(checksum(objects[6]));
  });
  it('prometheus.yml scrapes itself and the sidecar-discovered targets', () => {
    const config = parse(prometheusConfig()) as {
      scrape_configs: { job_name: string; http_sd_configs?: { url: string }[] }[];
    };
    expect(config.scrape_configs.map((c) => c.job_name)).toEqual(['prometheus', 'service-monitors']);
    expect(config.scrape_configs[1]?.http_sd_configs?.[0]?.url).toBe('http://127.0.0.1:9091/targets');
  });
});
