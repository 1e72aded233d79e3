/**
 * The real node of `tools/kube/cluster.sh up --real-node` for the real-node
 * end-to-end tests: whether the cluster has one, the test image
 * (tools/kube/node-images.sh pushes testapp:v1 and :v2), and the manifests
 * of an app that runs that image there.
 */
import type { TestCluster } from './cluster.js';

export const REAL_NODE_LABEL = 'pipeline-actions.dev/real-node';

/** Repository of the testapp image (tags v1 and v2 exist, `missing` never does). */
export const TESTAPP =
  process.env['REAL_NODE_TEST_IMAGE'] ??
  `${process.env['CONTAINERS_REGISTRY'] ?? '127.0.0.1:5000'}/pipeline-actions/testapp`;

/** Is a real node registered and Ready? */
export async function realNodeReady(cluster: TestCluster): Promise<boolean> {
  const nodes = await cluster.core.listNode({ labelSelector: `${REAL_NODE_LABEL}=true` }).catch(() => undefined);
  return (nodes?.items ?? []).some((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

export interface TestAppOptions {
  tag?: string;
  replicas?: number;
  /** testapp's TESTAPP_* variables (see tools/kube/node-images/testapp). */
  env?: Record<string, string>;
  memoryLimit?: string;
  /** The ConfigMap key GREETING is read from (a missing one: CreateContainerConfigError). */
  greetingKey?: string;
  /** The value of web-config's greeting key (default hello). */
  greeting?: string;
  /** A startup probe allowing this many seconds (a slow start that is healthy). */
  startupSeconds?: number;
}

export function testAppManifests(options: TestAppOptions = {}): string {
  const env = Object.entries(options.env ?? {})
    .map(([name, value]) => `        - {name: ${name}, value: "${value}"}\n`)
    .join('');
  const resources = options.memoryLimit
    ? `        resources:\n          limits: {memory: ${options.memoryLimit}}\n`
    : '';
  const startup = options.startupSeconds
    ? `        startupProbe:\n          httpGet: {path: /ready, port: 8080}\n          periodSeconds: 1\n          failureThreshold: ${options.startupSeconds}\n`
    : '';
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: ${options.greeting ?? 'hello'}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${options.replicas ?? 2}
  progressDeadlineSeconds: 120
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      nodeSelector: {${REAL_NODE_LABEL}: "true"}
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: ${TESTAPP}:${options.tag ?? 'v1'}
        # The node keeps images between runs: a tag rebuilt since must not run its old digest.
        imagePullPolicy: Always
        ports:
        - containerPort: 8080
        env:
        - name: GREETING
          valueFrom:
            configMapKeyRef: {name: web-config, key: ${options.greetingKey ?? 'greeting'}}
${env}${resources}${startup}        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 1
          failureThreshold: 2
`;
}
