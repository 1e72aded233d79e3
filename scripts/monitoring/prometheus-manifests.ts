/**
 * The in-cluster Prometheus of the local cluster (tools/monitoring/prometheus.sh
 * deploy), as Kubernetes objects: a namespace, a ServiceAccount allowed to
 * list what the targets are found from (ClusterRole/Binding), the
 * configuration and the discovery sidecar's code (ConfigMaps), a Deployment
 * of Prometheus (the Debian-built stand-in image) with the sidecar, both
 * non-root with resource limits, and a Service on 9090. Pure.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

export interface PrometheusOptions {
  namespace: string;
  prometheusImage: string;
  /** The sidecar's image: Node.js 24 (runs the TypeScript sources by type stripping). */
  nodeImage: string;
  /** The API server as pods reach it; empty: the in-cluster default (the `kubernetes` Service). */
  apiUrl?: string;
  /** The TLS name to verify when apiUrl's host is not in the API server's certificate. */
  apiServerName?: string;
  /** The sidecar's files (name -> source), mounted at /sd. */
  sdFiles: Record<string, string>;
  scrapeInterval?: string;
}

export const SD_PORT = 9091;
export const LABELS = { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/part-of': 'pipeline-actions' };

/** prometheus.yml: itself, and every target the ServiceMonitors select (HTTP discovery from the sidecar). */
export function prometheusConfig(scrapeInterval = '15s'): string {
  return stringify({
    global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] },
      {
        // Each target carries its job (the Service's name), path, interval and timeout.
        job_name: 'service-monitors',
        http_sd_configs: [{ url: `http://127.0.0.1:${SD_PORT}/targets`, refresh_interval: '5s' }],
      },
    ],
  });
}

const restricted = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function deployment(o: PrometheusOptions, checksum: string): Record<string, unknown> {
  const env = [
    ...(o.apiUrl ? [{ name: 'KUBE_API_URL', value: o.apiUrl }] : []),
    ...(o.apiServerName ? [{ name: 'KUBE_API_SERVER_NAME', value: o.apiServerName }] : []),
    { name: 'SD_LISTEN', value: `127.0.0.1:${SD_PORT}` },
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'prometheus', namespace: o.namespace, labels: LABELS },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      template: {
        metadata: { labels: LABELS, annotations: { 'pipeline-actions.dev/config-checksum': checksum } },
        spec: {
          serviceAccountName: 'prometheus',
          terminationGracePeriodSeconds: 10,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            fsGroup: 65534,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'prometheus',
              image: o.prometheusImage,
              imagePullPolicy: 'IfNotPresent',
              args: [
                '--config.file=/etc/prometheus/prometheus.yml',
                '--storage.tsdb.path=/prometheus',
                '--storage.tsdb.retention.time=6h',
                '--web.listen-address=:9090',
              ],
              ports: [{ name: 'web', containerPort: 9090 }],
              readinessProbe: { httpGet: { path: '/-/ready', port: 'web' }, periodSeconds: 2, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/-/healthy', port: 'web' }, periodSeconds: 10, failureThreshold: 6 },
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
              securityContext: restricted,
              volumeMounts: [
                { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                { name: 'data', mountPath: '/prometheus' },
              ],
            },
            {
              name: 'service-monitor-sd',
              image: o.nodeImage,
              imagePullPolicy: 'IfNotPresent',
              command: ['/nodejs/bin/node', '/sd/service-monitor-sd-main.ts'],
              env,
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
              securityContext: restricted,
              volumeMounts: [{ name: 'sd', mountPath: '/sd', readOnly: true }],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: 'prometheus-config' } },
            { name: 'sd', configMap: { name: 'prometheus-sd' } },
            { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
}

/** Every object, in apply order. The ClusterRole(Binding) is named after the namespace (two installs coexist). */
export function prometheusObjects(o: PrometheusOptions): Record<string, unknown>[] {
  const config = prometheusConfig(o.scrapeInterval);
  // The sidecar's files run as ES modules (type stripping); package.json says so.
  const sd = { ...o.sdFiles, 'package.json': '{"type":"module"}\n' };
  const checksum = createHash('sha256')
    .update(JSON.stringify([config, sd, o.apiUrl, o.apiServerName]))
    .digest('hex')
    .slice(0, 16);
  const role = `${o.namespace}-prometheus`;
  const meta = (name: string) => ({ name, namespace: o.namespace, labels: LABELS });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: LABELS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('prometheus') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role, labels: LABELS },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: o.namespace }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('prometheus-config'), data: { 'prometheus.yml': config } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('prometheus-sd'), data: sd },
    deployment(o, checksum),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('prometheus'),
      spec: {
        selector: { 'app.kubernetes.io/name': 'prometheus' },
        ports: [{ name: 'web', port: 9090, targetPort: 'web' }],
      },
    },
  ];
}

export const toYaml = (objects: Record<string, unknown>[]): string => objects.map((o) => stringify(o)).join('---\n');
