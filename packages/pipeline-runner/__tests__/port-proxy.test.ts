import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { freePort } from '@pipeline/action-kit/testing';
import { tcpAnswers, waitUntilReady } from '../src/local.js';
import { portIsFree, startPortProxy } from '../src/provisioning/port-proxy.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(port: number, reply: string): Promise<void> {
  const server = createServer((socket) => socket.end(reply));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

describe('port proxy (loopback)', () => {
  it('forwards the URL port to the service port, and a port in use is not free', async () => {
    const [target, from] = [await freePort(), await freePort()];
    await listen(target, 'from the service');
    expect(await portIsFree(target)).toBe(false);
    expect(await portIsFree(from)).toBe(true);
    const proxy = await startPortProxy(from, target);
    const { connect } = await import('node:net');
    const text = await new Promise<string>((resolve, reject) => {
      let data = '';
      connect({ host: '127.0.0.1', port: from })
        .on('data', (d) => (data += d.toString()))
        .on('end', () => resolve(data))
        .on('error', reject);
    });
    await proxy.stop();
    expect(text).toBe('from the service');
  });
});

describe('waitUntilReady', () => {
  it('with no readiness path, waits for a TCP connection', async () => {
    const port = await freePort();
    expect(await tcpAnswers(port)).toBe(false);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    setTimeout(() => void listen(port, ''), 700);
    const started = Date.now();
    await waitUntilReady(`http://127.0.0.1:${port}`, child, [], async () => undefined, 10_000, '');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    child.kill();
  });

  it('names what it waited for when it times out', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    await expect(
      waitUntilReady(`http://127.0.0.1:${port}`, child, [], async () => void child.kill(), 1200, '/ready'),
    ).rejects.toThrow(`the service did not accept http://127.0.0.1:${port}/ready within 1.2s`);
  });
});
