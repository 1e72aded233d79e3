/**
 * HTTP through the API server's proxy subresource (pods/{name}:{port}/proxy,
 * services/{name}:{port}/proxy), authenticated as the kubeconfig says: the
 * progressive strategies reach canary and preview pods this way, since a
 * runner cannot route to pod IPs. One keep-alive agent per connection;
 * credentials are re-applied per request (tokens from exec plugins rotate).
 */
import http from 'node:http';
import https from 'node:https';
import type * as K8s from '@kubernetes/client-node';
import { KubeError, type ProxyRequest, type ProxyResponse } from './kube.js';

const MAX_BODY = 1024 * 1024;

export function proxyRequester(kc: K8s.KubeConfig, server: string): (request: ProxyRequest) => Promise<ProxyResponse> {
  const base = new URL(server);
  const secure = base.protocol === 'https:';
  let agent: http.Agent | undefined;
  return async (request) => {
    const options: https.RequestOptions = { method: request.method, headers: { ...request.headers } };
    await kc.applyToHTTPSOptions(options);
    // One keep-alive agent with the credentials of the first request (TLS material does not change mid-run).
    agent ??= secure
      ? new https.Agent({
          keepAlive: true,
          maxSockets: 64,
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.cert ? { cert: options.cert } : {}),
          ...(options.key ? { key: options.key } : {}),
          ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
        })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    options.agent = agent;
    const url = new URL(base.pathname.replace(/\/$/, '') + request.path, base);
    const started = performance.now();
    return new Promise<ProxyResponse>((resolve, reject) => {
      const req = (secure ? https : http).request(url, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY) chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            durationMs: performance.now() - started,
          }),
        );
        res.on('error', reject);
      });
      req.setTimeout(request.timeoutMs, () =>
        req.destroy(new KubeError(`no answer through the API server proxy within ${request.timeoutMs} ms`)),
      );
      req.on('error', reject);
      if (request.body !== undefined) req.write(request.body);
      req.end();
    });
  };
}
