/**
 * openServiceForward over a fake ClusterApi: each "pod" is a local HTTP
 * server that answers its own name, and the fake forward pipes the
 * connection to it (the real one tunnels through the API server; see
 * service-forward.e2e.test.ts).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import type { LivePod, LiveService } from '@pipeline/action-kit/kube';
import { openServiceForward, type ClusterApi, type ServiceForward } from '../src/service-forward.js';

const servers: http.Server[] = [];
const forwards: ServiceForward[] = [];
afterEach(async () => {
  await Promise.all(forwards.splice(0).map((f) => f.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function podServer(name: string): Promise<number> {
  const server = http.createServer((_req, res) => res.end(name));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as net.AddressInfo).port;
}

interface FakePod {
  name: string;
  port: number;
  ready: boolean;
  /** The forward cannot open (the pod is gone). */
  gone?: boolean;
  /** The forward opens, then the far end reports an error (nothing listening). */
  refuses?: boolean;
}

function fakeCluster(pods: FakePod[], service: LiveService | undefined): ClusterApi & { forwarded: string[] } {
  const forwarded: string[] = [];
  return {
    forwarded,
    readService: async () => service,
    listPods: async (): Promise<LivePod[]> =>
      pods.map((p) => ({
        name: p.name,
        ready: p.ready && !p.gone,
        containerPorts: [{ name: 'http', containerPort: 8080 }],
      })),
    forward: async (_namespace, name, port, socket, onError) => {
      const pod = pods.find((p) => p.name === name);
      if (!pod || pod.gone) throw new Error(`pods "${name}" not found`);
      expect(port).toBe(8080);
      forwarded.push(name);
      if (pod.refuses) {
        onError(`error forwarding port 8080 to pod ${name}: connection refused`);
        socket.destroy();
        return;
      }
      const upstream = net.connect(pod.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
    },
  };
}

const service: LiveService = {
  name: 'web',
  namespace: 'shop',
  selector: { app: 'web' },
  ports: [{ name: 'http', port: 80, targetPort: 'http' }],
};
const ref = { namespace: 'shop', name: 'web', port: 'http' };

/** One request on a new connection (no keep-alive), so that each goes through the listener again. */
function get(url: URL): Promise<string> {
  return new Promise((done, fail) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => done(body));
      })
      .on('error', fail);
  });
}

async function open(cluster: ClusterApi, log: string[] = []): Promise<ServiceForward> {
  const forward = await openServiceForward(ref, cluster, (line) => void log.push(line));
  forwards.push(forward);
  return forward;
}

describe('openServiceForward', () => {
  it('listens on 127.0.0.1 and forwards each connection to the ready pod, on the port the Service port targets', async () => {
    const pods = [
      { name: 'web-a', port: await podServer('web-a'), ready: false },
      { name: 'web-b', port: await podServer('web-b'), ready: true },
    ];
    const log: string[] = [];
    const forward = await open(fakeCluster(pods, service), log);
    expect(forward.url.hostname).toBe('127.0.0.1');
    expect(await get(forward.url)).toBe('web-b');
    expect(await get(forward.url)).toBe('web-b');
    expect(forward.report()).toEqual({
      service: 'shop/web',
      namespace: 'shop',
      port: '80 (http)',
      podPort: 8080,
      pods: ['web-b'],
      connections: 2,
      failedForwards: 0,
      via: 'the API server (port-forward from this runner)',
    });
    expect(log[0]).toBe(
      `Service shop/web:http: port 80 (http) -> pod web-b port 8080, reached at ${forward.url.href} through the API server`,
    );
  });

  it('when the pod goes away (a rollout), the same connection reaches another ready pod', async () => {
    const pods: FakePod[] = [
      { name: 'web-a', port: await podServer('web-a'), ready: true },
      { name: 'web-b', port: await podServer('web-b'), ready: true },
    ];
    const cluster = fakeCluster(pods, service);
    const log: string[] = [];
    const forward = await open(cluster, log);
    expect(await get(forward.url)).toBe('web-a');
    (pods[0] as FakePod).gone = true;
    expect(await get(forward.url)).toBe('web-b');
    expect(await get(forward.url)).toBe('web-b');
    expect(forward.report()).toMatchObject({ pods: ['web-a', 'web-b'], connections: 3, failedForwards: 1 });
    expect(log).toContain('connections now go to pod web-b');
  });

  it('when the far end reports an error, that connection fails and the next one goes to another ready pod', async () => {
    const pods: FakePod[] = [
      { name: 'web-a', port: await podServer('web-a'), ready: true, refuses: true },
      { name: 'web-b', port: await podServer('web-b'), ready: true },
    ];
    const forward = await open(fakeCluster(pods, service));
    await expect(get(forward.url)).rejects.toThrow();
    expect(await get(forward.url)).toBe('web-b');
    expect(forward.report()).toMatchObject({ failedForwards: 1 });
  });

  it.each<[string, LiveService | undefined, FakePod[], RegExp]>([
    ['a missing Service', undefined, [], /^Service web does not exist in namespace shop$/],
    [
      'a Service with no ready pod',
      service,
      [{ name: 'web-a', port: 1, ready: false }],
      /^Service shop\/web has no ready pod: 1 pod\(s\) match its selector app=web, none of them Ready$/,
    ],
  ])('%s: fails before listening, saying what is missing', async (_name, live, pods, message) => {
    await expect(openServiceForward(ref, fakeCluster(pods, live), () => undefined)).rejects.toThrow(message);
  });

  it('close() stops the listener and drops open connections', async () => {
    const pods = [{ name: 'web-a', port: await podServer('web-a'), ready: true }];
    const forward = await openServiceForward(ref, fakeCluster(pods, service), () => undefined);
    const socket = net.connect(Number(forward.url.port), '127.0.0.1');
    await new Promise((done) => socket.once('connect', done));
    const closed = new Promise((done) => socket.once('close', done));
    await forward.close();
    await closed;
    await expect(get(forward.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
