/**
 * Loopback servers the fuzz cases talk to, started and stopped by the suite:
 * - `service`: the well-behaved side (a Slack Web API and webhook stand-in,
 *   an application for smoke-test, an npm registry with no advisories);
 * - `reflect`: answers every request with JSON that is not what any client
 *   expects and that echoes the request's headers plain, base64 and
 *   URL-encoded (a proxy or a hostile server reflecting credentials);
 *   `/status/<code>/...` picks the status code; `reflectTls` is the same over
 *   HTTPS (a Kubernetes client refuses plain HTTP), with the test-only
 *   certificate of fixtures/ (`loopbackCa`);
 * - `rateLimit`: 429 with a Retry-After of an hour on every request (also
 *   over HTTPS: `rateLimitTls`);
 * - `blackHole`: accepts connections and never answers.
 * Every socket is destroyed on close(), and a black-holed one after 5
 * minutes at most, so nothing outlives the suite.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';

export interface FuzzServers {
  /** Base URLs, no trailing slash. */
  service: string;
  reflect: string;
  reflectTls: string;
  rateLimit: string;
  rateLimitTls: string;
  blackHole: string;
  /** Requests the service and reflect servers saw, by path (for assertions in tests of the suite itself). */
  readonly requests: string[];
  close(): Promise<void>;
}

const SOCKET_LIFETIME_MS = 300_000;

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

/** The PEM certificate of reflectTls, self-signed for 127.0.0.1: a client trusts it as its CA. */
export const loopbackCa = (): string => fixture('loopback-cert.pem');

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function reflection(req: IncomingMessage): Record<string, unknown> {
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  const all = Object.values(headers).join('\n');
  return {
    kind: 'NotKubernetes',
    items: 'not-a-list',
    headers,
    base64: Buffer.from(all).toString('base64'),
    base64url: Buffer.from(all).toString('base64url'),
    urlEncoded: encodeURIComponent(all),
  };
}

async function drain(req: IncomingMessage): Promise<void> {
  // The body is not needed; reading it lets the client finish sending.
  req.resume();
  await new Promise<void>((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
  });
}

function slack(req: IncomingMessage, res: ServerResponse, rest: string): void {
  if (rest.startsWith('webhook/')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  const method = rest.replace(/^api\//, '');
  if (method === 'chat.postMessage' || method === 'chat.update') {
    return json(res, 200, { ok: true, channel: 'C0FUZZ001', ts: '1700000000.000100', message: { text: '' } });
  }
  if (method === 'conversations.list') {
    return json(res, 200, { ok: true, channels: [{ id: 'C0FUZZ001', name: 'deploys', is_member: true }] });
  }
  json(res, 200, { ok: false, error: 'unknown_method' });
}

async function service(req: IncomingMessage, res: ServerResponse, requests: string[]): Promise<void> {
  await drain(req);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  requests.push(`${req.method} ${url.pathname}`);
  const [, area = '', ...restParts] = url.pathname.split('/');
  const rest = restParts.join('/');
  switch (area) {
    case 'slack':
      return slack(req, res, rest);
    case 'npm':
      // npm audit's bulk endpoint: no advisories for anything.
      if (rest === '-/npm/v1/security/advisories/bulk') return json(res, 200, {});
      return json(res, 404, { error: 'not found' });
    case 'app':
      if (rest === '' || rest === 'health/ready') {
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
      return json(res, 404, reflection(req));
    default:
      return json(res, 404, reflection(req));
  }
}

async function reflect(req: IncomingMessage, res: ServerResponse, requests: string[]): Promise<void> {
  await drain(req);
  requests.push(`${req.method} ${req.url ?? ''}`);
  const status = /^\/status\/(\d{3})(?:\/|$)/.exec(req.url ?? '')?.[1];
  json(res, status ? Number(status) : 200, reflection(req));
}

function rateLimited(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  json(res, 429, { ok: false, error: 'ratelimited', kind: 'Status', code: 429 }, { 'retry-after': '3600' });
}

async function listen(server: Server | NetServer): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function tracked(server: Server | NetServer, lifetimeMs?: number): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (lifetimeMs !== undefined) setTimeout(() => socket.destroy(), lifetimeMs).unref();
  });
  return sockets;
}

export async function startServers(): Promise<FuzzServers> {
  const requests: string[] = [];
  const handle =
    (fn: (req: IncomingMessage, res: ServerResponse, requests: string[]) => Promise<void>) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      fn(req, res, requests).catch(() => res.destroy());
    };
  const servers = {
    service: createHttpServer(handle(service)),
    reflect: createHttpServer(handle(reflect)),
    reflectTls: createHttpsServer({ cert: loopbackCa(), key: fixture('loopback-key.pem') }, handle(reflect)),
    rateLimit: createHttpServer(rateLimited),
    rateLimitTls: createHttpsServer({ cert: loopbackCa(), key: fixture('loopback-key.pem') }, rateLimited),
    blackHole: createNetServer(() => undefined),
  };
  const sockets = [
    tracked(servers.service),
    tracked(servers.reflect),
    tracked(servers.reflectTls),
    tracked(servers.rateLimit),
    tracked(servers.rateLimitTls),
    tracked(servers.blackHole, SOCKET_LIFETIME_MS),
  ];
  const urls = {
    service: await listen(servers.service),
    reflect: await listen(servers.reflect),
    reflectTls: (await listen(servers.reflectTls)).replace('http:', 'https:'),
    rateLimit: await listen(servers.rateLimit),
    rateLimitTls: (await listen(servers.rateLimitTls)).replace('http:', 'https:'),
    blackHole: await listen(servers.blackHole),
  };
  return {
    ...urls,
    requests,
    async close(): Promise<void> {
      for (const set of sockets) for (const socket of set) socket.destroy();
      await Promise.all(
        Object.values(servers).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}
