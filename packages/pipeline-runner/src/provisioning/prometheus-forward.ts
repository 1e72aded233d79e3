/**
 * The Prometheus for promql smoke checks when the cluster has a real node:
 * the one `tools/kube/cluster.sh up` runs there (tools/monitoring/prometheus.sh,
 * namespace $PROMETHEUS_NAMESPACE or monitoring), reached through the API
 * server with `kubectl port-forward`, as the service itself is
 * (./service-forward.ts). Before the smoke job starts, it waits (bounded) until
 * Prometheus has scraped a target in the namespace the deploy used, so a
 * check does not read a Prometheus that has not seen the new pods yet.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AppProcess } from '../local.js';
import { startPortForward, type PortForwardRequest } from './port-forward.js';
import { PROVISIONING } from './table.js';

const run = promisify(execFile);

export interface PrometheusForwardRequest extends PortForwardRequest {
  /** The deployed service's namespace: wait until Prometheus scraped a target there. */
  targetNamespace?: string;
  notes: string[];
  timeoutMs?: number;
}

interface ActiveTarget {
  labels?: Record<string, string>;
  health?: string;
}

/** Scraped targets of a namespace in a /api/v1/targets answer: [up, all]. */
export function scrapedIn(answer: unknown, namespace: string): [number, number] {
  const targets = (answer as { data?: { activeTargets?: ActiveTarget[] } } | undefined)?.data?.activeTargets ?? [];
  const mine = targets.filter((t) => t.labels?.['namespace'] === namespace && t.health !== 'unknown');
  return [mine.filter((t) => t.health === 'up').length, mine.length];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(deadline: number, attempt: () => Promise<T | undefined>): Promise<T | undefined> {
  while (Date.now() < deadline) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(1000);
  }
  return undefined;
}

/** Whether the cluster runs that Prometheus (its Service exists). */
export async function hasPrometheus(
  req: Pick<PrometheusForwardRequest, 'kubectl' | 'kubeconfig' | 'namespace' | 'service'>,
): Promise<boolean> {
  const args = ['--kubeconfig', req.kubeconfig, 'get', 'service', req.service, '-n', req.namespace, '-o', 'name'];
  return run(req.kubectl, args, { timeout: 30_000 }).then(
    () => true,
    () => false,
  );
}

export async function forwardPrometheus(req: PrometheusForwardRequest): Promise<AppProcess> {
  const started = performance.now();
  const { url, child, chunks, stop } = startPortForward(req);
  const deadline = Date.now() + (req.timeoutMs ?? 60_000);
  const ready = await poll(deadline, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined));
  if (!ready) {
    await stop();
    throw new Error(
      `Prometheus ${req.namespace}/${req.service} did not answer ${url}/-/ready (${chunks.join('').trim().slice(-300)})`,
    );
  }
  let scraped = '';
  if (req.targetNamespace) {
    const ns = req.targetNamespace;
    const counts = await poll(deadline, async () => {
      const found = scrapedIn(await (await fetch(`${url}/api/v1/targets?state=active`)).json(), ns);
      return found[1] > 0 ? found : undefined;
    });
    scraped = counts
      ? `; it scraped ${counts[1]} target(s) in namespace ${ns}, ${counts[0]} up`
      : `; it has scraped no target in namespace ${ns} (no ServiceMonitor selects the service?)`;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  req.notes.push(
    `Prometheus for promql checks: ${req.namespace}/${req.service} on the real node (tools/monitoring/prometheus.sh), reached at ${url} through the API server (kubectl port-forward, ${path.basename(req.logFile)}), ready in ${seconds}s${scraped}.`,
  );
  return { url, child, stop };
}

export interface LocalPrometheusRequest {
  kubectl: string;
  /** The local cluster's, when it has a real node (nothing runs Prometheus otherwise). */
  kubeconfig?: string;
  localPort: number;
  logFile: string;
  targetNamespace?: string;
  notes: string[];
}

/** The port-forward to the local cluster's Prometheus, or 'absent' with a note saying why promql checks will fail. */
export async function startLocalPrometheus(req: LocalPrometheusRequest): Promise<AppProcess | 'absent'> {
  const rule = PROVISIONING.prometheus;
  const namespace = process.env[rule.namespaceEnv] || rule.namespace;
  const where = { kubectl: req.kubectl, kubeconfig: req.kubeconfig ?? '', namespace, service: rule.service };
  if (!req.kubeconfig || !(await hasPrometheus(where))) {
    const why = req.kubeconfig
      ? `the cluster has no Service ${namespace}/${rule.service} (KUBE_PROMETHEUS=0, or prometheus.sh deploy failed)`
      : 'the local cluster has no real node to run one';
    req.notes.push(
      `No Prometheus for promql checks: ${why}; a promql check fails (nothing answers at http://127.0.0.1:${req.localPort}).`,
    );
    return 'absent';
  }
  return forwardPrometheus({ ...where, port: rule.port, ...req, kubeconfig: req.kubeconfig });
}
