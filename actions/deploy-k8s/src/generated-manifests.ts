/**
 * Manifests for a service that has none: a Deployment and a Service, plus a
 * HorizontalPodAutoscaler and a PodDisruptionBudget for production. Pure:
 * objects from options. Pods run as non-root with no privilege escalation,
 * all capabilities dropped, the runtime's seccomp profile, and (unless
 * switched off) a read-only root filesystem with a writable /tmp.
 */
import { stringify } from 'yaml';
import type { KubeObject } from './objects.js';

export interface GenerateOptions {
  name: string;
  image: string;
  port: number;
  replicas: number;
  /** HTTP path for readiness, or undefined for a TCP probe on the port. */
  readinessPath: string | undefined;
  livenessPath: string | undefined;
  cpuRequest: string;
  memoryRequest: string;
  cpuLimit: string | undefined;
  memoryLimit: string | undefined;
  production: boolean;
  readOnlyRootFilesystem: boolean;
  /** Numeric user to run as, or undefined to keep the image's (it must then be numeric and non-zero). */
  runAsUser: number | undefined;
}

const MANAGED_BY = 'pipeline-actions';

function probe(path: string | undefined, kind: 'readiness' | 'liveness' | 'startup'): Record<string, unknown> {
  const action = path === undefined ? { tcpSocket: { port: 'http' } } : { httpGet: { path, port: 'http' } };
  const timing = {
    readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    liveness: { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    // Up to 2 minutes to start before liveness counts.
    startup: { periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 60 },
  }[kind];
  return { ...action, ...timing };
}

function resources(o: GenerateOptions): Record<string, unknown> {
  const limits: Record<string, string> = {};
  if (o.cpuLimit) limits['cpu'] = o.cpuLimit;
  if (o.memoryLimit) limits['memory'] = o.memoryLimit;
  return {
    requests: { cpu: o.cpuRequest, memory: o.memoryRequest },
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

function container(o: GenerateOptions): Record<string, unknown> {
  return {
    name: o.name,
    image: o.image,
    ports: [{ name: 'http', containerPort: o.port, protocol: 'TCP' }],
    env: [{ name: 'PORT', value: String(o.port) }],
    startupProbe: probe(o.livenessPath ?? o.readinessPath, 'startup'),
    readinessProbe: probe(o.readinessPath, 'readiness'),
    livenessProbe: probe(o.livenessPath, 'liveness'),
    resources: resources(o),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: o.readOnlyRootFilesystem,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

export function generateManifests(o: GenerateOptions): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': o.name, 'app.kubernetes.io/managed-by': MANAGED_BY };
  const selector = { 'app.kubernetes.io/name': o.name };
  const metadata = { name: o.name, labels };
  const user =
    o.runAsUser === undefined ? {} : { runAsUser: o.runAsUser, runAsGroup: o.runAsUser, fsGroup: o.runAsUser };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, ...user, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container(o)],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { selector, ports: [{ name: 'http', port: o.port, targetPort: 'http', protocol: 'TCP' }] },
  };
  if (!o.production) return [deployment, service];
  const hpa: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.name },
      minReplicas: o.replicas,
      maxReplicas: Math.max(o.replicas * 3, o.replicas + 1),
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    },
  };
  // maxUnavailable 1 never blocks a node drain, even with one replica (minAvailable 1 would).
  const pdb: KubeObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata,
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
  return [deployment, service, hpa, pdb];
}

/** Multi-document YAML of the objects, as the summary and the artifact show them. */
export function manifestsYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
