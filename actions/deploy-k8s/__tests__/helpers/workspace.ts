/** Temporary workspaces with manifests for the end-to-end tests. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'deploy-k8s-ws-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

export interface AppOptions {
  image?: string;
  replicas?: number;
  /** Pods need a node label no node has: they stay Pending (Unschedulable). */
  unschedulable?: boolean;
  /** kwok Stage label from tools/kube/stages/failures.yaml (crash-loop, not-ready, image-pull). */
  kwokFail?: string;
  progressDeadlineSeconds?: number;
  greeting?: string;
  /** Makes a healthy rollout take at least this long (pods count as available only after it). */
  minReadySeconds?: number;
}

export function appManifests(options: AppOptions = {}): string {
  const image = options.image ?? 'ghcr.io/acme/web:1.0.0';
  const podLabels = options.kwokFail ? `        app: web\n        pipeline-actions.test/kwok-fail: ${options.kwokFail}\n` : '        app: web\n';
  const nodeSelector = options.unschedulable ? '      nodeSelector:\n        pipeline-actions.test/no-such-node: "true"\n' : '';
  const deadline = (options.progressDeadlineSeconds ? `  progressDeadlineSeconds: ${options.progressDeadlineSeconds}\n` : '') + (options.minReadySeconds ? `  minReadySeconds: ${options.minReadySeconds}\n` : '');
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
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${options.replicas ?? 3}
${deadline}  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
${podLabels}    spec:
${nodeSelector}      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef:
            name: web-config
`;
}
