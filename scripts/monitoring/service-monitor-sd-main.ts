/**
 * The Prometheus pod's sidecar (tools/monitoring/prometheus.sh deploy): lists
 * ServiceMonitors, Services, EndpointSlices and Pods from the API server every
 * few seconds with the pod's ServiceAccount token and serves the targets they
 * select (./service-monitor-sd.ts) at GET /targets, Prometheus's HTTP service
 * discovery format. Runs as `node service-monitor-sd-main.ts` in the
 * distroless Node.js image, from a ConfigMap; no dependencies.
 *
 * Env: KUBE_API_URL (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT),
 *      KUBE_API_SERVER_NAME (the TLS name to verify, when the URL's host is not in the certificate),
 *      SD_LISTEN (default 127.0.0.1:9091), SD_INTERVAL_MS (default 5000).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:https';
import { targetGroups } from './service-monitor-sd.ts';
import type { Snapshot, TargetGroup } from './service-monitor-sd.ts';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';
const env = process.env;
const api = new URL(
  env['KUBE_API_URL'] || `https://${env['KUBERNETES_SERVICE_HOST'] ?? ''}:${env['KUBERNETES_SERVICE_PORT'] ?? '443'}`,
);
const serverName = env['KUBE_API_SERVER_NAME'] || undefined;
const [host, port] = (env['SD_LISTEN'] || '127.0.0.1:9091').split(':');
const interval = Number(env['SD_INTERVAL_MS'] || 5000);

/** GET a list from the API server; a 404 (a kind the cluster does not serve) is an empty list. */
function list(path: string): Promise<{ items: unknown[]; missing?: true }> {
  // Projected tokens rotate: read the file for every request.
  const token = readFileSync(`${SA}/token`, 'utf8').trim();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: api.hostname,
        port: api.port || 443,
        path,
        method: 'GET',
        ca: readFileSync(`${SA}/ca.crt`),
        ...(serverName ? { servername: serverName } : {}),
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 404) resolve({ items: [], missing: true });
          else if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 300)}`));
          else resolve(JSON.parse(body) as { items: unknown[] });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

let groups: TargetGroup[] = [];
let synced = false;
let lastError = '';

async function poll(): Promise<void> {
  try {
    const [monitors, services, slices, pods] = await Promise.all([
      list('/apis/monitoring.coreos.com/v1/servicemonitors'),
      list('/api/v1/services'),
      list('/apis/discovery.k8s.io/v1/endpointslices'),
      list('/api/v1/pods'),
    ]);
    groups = targetGroups({
      serviceMonitors: monitors.items,
      services: services.items,
      endpointSlices: slices.items,
      pods: pods.items,
    } as Snapshot);
    if (!synced || lastError)
      console.log(
        `service-monitor-sd: ${monitors.missing ? 'no ServiceMonitor kind on this cluster' : `${monitors.items.length} ServiceMonitor(s)`}, ${groups.length} target(s)`,
      );
    synced = true;
    lastError = '';
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (text !== lastError) console.error(`service-monitor-sd: ${text} (targets kept from the last listing)`);
    lastError = text;
  }
}

createServer((req, res) => {
  if (req.url === '/targets') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(groups));
  } else if (req.url === '/healthz') {
    res.writeHead(synced ? 200 : 503).end(synced ? 'ok\n' : `not synced: ${lastError}\n`);
  } else res.writeHead(404).end();
}).listen(Number(port), host, () =>
  console.log(`service-monitor-sd: serving ${host}:${port}/targets from ${api.origin}`),
);

await poll();
setInterval(() => void poll(), interval);
