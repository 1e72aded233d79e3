/** Temporary workspaces with manifests for the end-to-end tests. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Images the tests deploy. On the kwok cluster they are never pulled; on a
 * real cluster (kind, k3d) they must be pullable and run until stopped, so the
 * defaults are two tags of the tiny pause image.
 */
export const IMAGE_V1 = process.env['DEPLOY_K8S_TEST_IMAGE_V1'] ?? 'registry.k8s.io/pause:3.9';
export const IMAGE_V2 = process.env['DEPLOY_K8S_TEST_IMAGE_V2'] ?? 'registry.k8s.io/pause:3.10';
/** An image that is never pulled successfully (used only where pods cannot start anyway). */
export const IMAGE_BROKEN = 'registry.k8s.io/pause:0.0.0-never-pulled';
/** The `images` rule name that selects the test images (their repository's last path component). */
export const IMAGE_NAME = (IMAGE_V1.split('@')[0] as string)
  .replace(/:[^/:]+$/, '')
  .split('/')
  .pop() as string;

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
  /** Pin the pods to kwok's nodes (on a cluster that also has a real node, which cannot pull these images). */
  kwok?: boolean;
}

/** The taint cluster.sh puts on kwok's nodes when a real node is present. */
export const KWOK_TOLERATION = '{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}';

export function appManifests(options: AppOptions = {}): string {
  const image = options.image ?? IMAGE_V1;
  const podLabels = options.kwokFail
    ? `        app: web\n        pipeline-actions.test/kwok-fail: ${options.kwokFail}\n`
    : '        app: web\n';
  const nodeSelector =
    (options.unschedulable || options.kwok ? '      nodeSelector:\n' : '') +
    (options.unschedulable ? '        pipeline-actions.test/no-such-node: "true"\n' : '') +
    (options.kwok ? `        type: kwok\n      tolerations: [${KWOK_TOLERATION}]\n` : '');
  const deadline =
    (options.progressDeadlineSeconds ? `  progressDeadlineSeconds: ${options.progressDeadlineSeconds}\n` : '') +
    (options.minReadySeconds ? `  minReadySeconds: ${options.minReadySeconds}\n` : '');
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
