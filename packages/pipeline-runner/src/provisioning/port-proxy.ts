/**
 * A loopback TCP forwarder: the smoke tests' URL (a port the runner chose
 * before the run) reaches a service that listens on its own container port
 * (one that does not read $PORT), on the host network.
 */
import { createServer, connect, type Server } from 'node:net';

/** Whether nothing listens on the port (a trial bind on every interface succeeds). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortProxy {
  stop(): Promise<void>;
}

/** Forwards 127.0.0.1:from to 127.0.0.1:to until stopped. */
export async function startPortProxy(from: number, to: number): Promise<PortProxy> {
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: to });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', close).once('close', close);
    upstream.once('error', close).once('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: from, host: '127.0.0.1' }, () => resolve());
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.unref();
      }),
  };
}
