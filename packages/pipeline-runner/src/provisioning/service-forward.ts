/**
 * The service for smoke tests when the cluster has a real node: the deployed
 * Service itself, reached through the API server with `kubectl
 * port-forward` (the runner cannot route to pod or ClusterIP addresses, and
 * GitHub's runner reaches a cluster the same way). The smoke and performance
 * tests then hit the pods the deploy rolled out, never a host process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitUntilReady } from '../local.js';
import type { AppProcess } from '../local.js';
import { startPortForward } from './port-forward.js';
import { deployedWorkload, pickService, type DeployedResource, type LiveService } from '@pipeline/action-kit/kube';

const run = promisify(execFile);

export interface ForwardTarget {
  namespace: string;
  service: string;
  port: number;
  /** The workload running the deployed image. */
  workload: string;
}

/** deploy-k8s's `resources` output (a JSON list); anything else is no resource. */
export function parseResourcesOutput(json: string | undefined): DeployedResource[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return [];
    return value.flatMap((r: Record<string, unknown>) =>
      typeof r?.['kind'] === 'string' && typeof r['name'] === 'string'
        ? [
            {
              kind: r['kind'],
              name: r['name'],
              ...(typeof r['namespace'] === 'string' ? { namespace: r['namespace'] } : {}),
              newImages: Array.isArray(r['newImages']) ? r['newImages'].filter((i) => typeof i === 'string') : [],
            },
          ]
        : [],
    );
  } catch {
    return [];
  }
}

export interface ForwardRequest {
  kubectl: string;
  kubeconfig: string;
  resources: DeployedResource[];
  /** The image reference the deploy set (registry/name@digest). */
  image: string;
  localPort: number;
  logFile: string;
  notes: string[];
  /** What the wait polls (the pipeline's readiness-path; empty: a TCP connection). */
  readinessPath?: string;
  timeoutMs?: number;
}

async function kubectlJson(req: ForwardRequest, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(req.kubectl, ['--kubeconfig', req.kubeconfig, ...args, '-o', 'json'], {
    maxBuffer: 32 * 1024 * 1024,
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** The Service in front of the deployed workload, read from the live objects. */
export async function findForwardTarget(req: ForwardRequest): Promise<ForwardTarget> {
  const workload = deployedWorkload(req.resources, req.image);
  if (!workload)
    throw new Error(
      `no Deployment, StatefulSet or DaemonSet the deploy applied runs ${req.image}, so there is no Service to smoke-test`,
    );
  const namespace = workload.namespace ?? 'default';
  const live = await kubectlJson(req, ['get', workload.kind.toLowerCase(), workload.name, '-n', namespace]);
  const template = (live['spec'] as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)
    ?.template;
  const labels = template?.metadata?.labels ?? {};
  const list = await kubectlJson(req, ['get', 'services', '-n', namespace]);
  const services: LiveService[] = ((list['items'] as Record<string, unknown>[] | undefined) ?? []).map((s) => {
    const spec = (s['spec'] ?? {}) as { selector?: Record<string, string>; ports?: LiveService['ports'] };
    return {
      name: String((s['metadata'] as { name?: string } | undefined)?.name ?? ''),
      namespace,
      selector: spec.selector ?? {},
      ports: spec.ports ?? [],
    };
  });
  const picked = pickService(labels, services);
  if (!picked)
    throw new Error(
      `no Service in namespace ${namespace} selects the pods of ${workload.kind} ${workload.name}, so the smoke tests have nothing to reach`,
    );
  return { namespace, service: picked.service.name, port: picked.port, workload: `${workload.kind}/${workload.name}` };
}

/** `kubectl port-forward` from 127.0.0.1:<localPort> to the Service, ready when the service answers. */
export async function forwardService(req: ForwardRequest): Promise<AppProcess> {
  const started = performance.now();
  const target = await findForwardTarget(req);
  const { url, child, chunks, stop } = startPortForward({
    kubectl: req.kubectl,
    kubeconfig: req.kubeconfig,
    namespace: target.namespace,
    service: target.service,
    port: target.port,
    localPort: req.localPort,
    logFile: req.logFile,
  });
  await waitUntilReady(url, child, chunks, stop, req.timeoutMs ?? 120_000, req.readinessPath ?? '/health/ready');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  req.notes.push(
    `The service for smoke tests is the deployed Service ${target.namespace}/${target.service} (port ${target.port}, in front of ${target.workload} running ${req.image}), reached at ${url} through the API server (kubectl port-forward, ${path.basename(req.logFile)}), ready in ${seconds}s: the smoke and performance tests hit the pods on the real node.`,
  );
  return { url, child, stop };
}
