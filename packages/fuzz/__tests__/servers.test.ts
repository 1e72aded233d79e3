/** The loopback servers do what the cases rely on, and stop even with a connection left open. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { Agent, request } from 'node:https';
import { loopbackCa, startServers, type FuzzServers } from '../src/servers.js';

let servers: FuzzServers;
beforeAll(async () => {
  servers = await startServers();
});
afterAll(async () => {
  await servers.close();
});

describe('fuzz servers', () => {
  it('reflect echoes the request headers plain, base64 and URL-encoded, with the status the path asks for', async () => {
    const response = await fetch(`${servers.reflect}/status/503/x`, { headers: { authorization: 'Bearer abc+/=' } });
    expect(response.status).toBe(503);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body['headers']).toMatchObject({ authorization: 'Bearer abc+/=' });
    expect(Buffer.from(body['base64'] as string, 'base64').toString()).toContain('Bearer abc+/=');
    expect(body['urlEncoded']).toContain(encodeURIComponent('Bearer abc+/='));
  });

  it('reflectTls speaks HTTPS with the fixture certificate for 127.0.0.1', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${servers.reflectTls}/status/201`, { agent: new Agent({ ca: loopbackCa() }) }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(201);
  });

  it('rateLimit answers 429 with an hour of Retry-After', async () => {
    const response = await fetch(`${servers.rateLimit}/anything`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3600');
  });

  it('blackHole accepts a connection and never answers, and close() ends it', async () => {
    const socket = connect(Number(new URL(servers.blackHole).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const answered = await new Promise<boolean>((resolve) => {
      socket.once('data', () => resolve(true));
      setTimeout(() => resolve(false), 500);
    });
    expect(answered).toBe(false);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const other = await startServers();
    const lingering = connect(Number(new URL(other.blackHole).port), '127.0.0.1');
    await new Promise<void>((resolve) => lingering.on('connect', resolve));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    socket.destroy();
    await closed;
    lingering.destroy();
  });

  it('service stands in for Slack, npm audit and an application', async () => {
    const posted = await fetch(`${servers.service}/slack/api/chat.postMessage`, { method: 'POST', body: '{}' });
    expect(await posted.json()).toMatchObject({ ok: true, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const audit = await fetch(`${servers.service}/npm/-/npm/v1/security/advisories/bulk`, {
      method: 'POST',
      body: '{}',
    });
    expect(await audit.json()).toEqual({});
    expect((await fetch(`${servers.service}/app/`)).status).toBe(200);
    expect(servers.requests).toContain('GET /app/');
  });
});
