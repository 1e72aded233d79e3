import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runLoad, type LoadTarget } from '../src/load.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const target = (path: string, extra: Partial<LoadTarget> = {}): LoadTarget => ({
  name: path,
  method: 'GET',
  path,
  headers: {},
  status: [{ code: 200 }],
  graphqlNoErrors: false,
  ...extra,
});

describe('runLoad against a real local server', () => {
  it('sends exactly load-requests requests, round-robin over the targets', async () => {
    server.hits.clear();
    const result = await runLoad({
      origin: server.url,
      targets: [target('/books'), target('/health/live')],
      concurrency: 4,
      requests: 200,
      requestTimeoutMs: 5000,
    });
    expect(result).toMatchObject({
      mode: 'closed-loop',
      concurrency: 4,
      requests: 200,
      responses: 200,
      errors: 0,
      errorKinds: {},
    });
    expect(server.hits.get('/books')).toBe(100);
    expect(server.hits.get('/health/live')).toBe(100);
    expect(result.latency?.count).toBe(200);
    const l = result.latency;
    if (!l) throw new Error('no latency');
    expect(l.minMs).toBeGreaterThan(0);
    expect(l.minMs).toBeLessThanOrEqual(l.p50Ms);
    expect(l.p50Ms).toBeLessThanOrEqual(l.p95Ms);
    expect(l.p95Ms).toBeLessThanOrEqual(l.p99Ms);
    expect(l.p99Ms).toBeLessThanOrEqual(l.maxMs);
    expect(result.testerCpuPercent).toBeGreaterThan(0);
  });

  it('counts status mismatches and GraphQL errors as errors, by kind', async () => {
    server.control.failEvery = 4;
    try {
      const gql = (query: string): LoadTarget =>
        target('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
          graphqlNoErrors: true,
        });
      const result = await runLoad({
        origin: server.url,
        targets: [target('/sometimes-fails'), gql('{ broken }'), gql('{ books { id } }')],
        concurrency: 1,
        requests: 30,
        requestTimeoutMs: 5000,
      });
      // 10 requests each; every 4th /sometimes-fails answers 500 (2 of 10); every "{ broken }" has errors.
      expect(result).toMatchObject({
        requests: 30,
        responses: 30,
        errors: 12,
        errorKinds: { 'status 500': 2, 'graphql errors': 10 },
      });
    } finally {
      server.control.failEvery = 0;
    }
  });

  it('stops at load-duration', async () => {
    const started = performance.now();
    const result = await runLoad({
      origin: server.url,
      targets: [target('/slow/20')],
      concurrency: 2,
      durationMs: 300,
      requestTimeoutMs: 5000,
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1500);
    // 2 connections x 300 ms / 20 ms = at most 30 (plus the two in flight at the end); a busy machine gives fewer.
    expect(result.requests).toBeGreaterThanOrEqual(4);
    expect(result.requests).toBeLessThanOrEqual(32);
    expect(result.latency?.p50Ms).toBeGreaterThanOrEqual(20);
  });

  it('counts transport errors without a latency sample', async () => {
    const closed = await startTestServer();
    await closed.close();
    const result = await runLoad({
      origin: closed.url,
      targets: [target('/')],
      concurrency: 2,
      requests: 6,
      requestTimeoutMs: 1000,
    });
    expect(result).toMatchObject({ requests: 6, responses: 0, errors: 6, errorKinds: { ECONNREFUSED: 6 } });
    expect(result.errorSamples['ECONNREFUSED']).toMatch(/ECONNREFUSED/);
    expect(result.latency).toBeUndefined();
  });

  it('fixed rate measures from the due time, so a saturated service shows its queueing (coordinated omission corrected)', async () => {
    // The service takes ~50 ms per request and one connection can carry ~20 req/s; ask for 50 req/s for 20 requests.
    const closedLoop = await runLoad({
      origin: server.url,
      targets: [target('/slow/50')],
      concurrency: 1,
      requests: 20,
      requestTimeoutMs: 5000,
    });
    const fixedRate = await runLoad({
      origin: server.url,
      targets: [target('/slow/50')],
      concurrency: 1,
      requests: 20,
      ratePerSecond: 50,
      requestTimeoutMs: 5000,
    });
    expect(fixedRate.mode).toBe('fixed-rate');
    expect(fixedRate.targetRatePerSecond).toBe(50);
    const closedP50 = closedLoop.latency?.p50Ms ?? Infinity;
    const fixedMax = fixedRate.latency?.maxMs ?? 0;
    // Closed loop: every request takes ~50 ms. Fixed rate: request 20 is due at 380 ms but cannot
    // start before the 19 ahead of it are done (~950 ms), so its latency is ~620 ms.
    expect(closedP50).toBeLessThan(200);
    expect(fixedMax).toBeGreaterThan(450);
    expect(fixedMax).toBeGreaterThan(closedP50 + 350);
    expect(fixedRate.latency?.p50Ms ?? 0).toBeGreaterThan(closedP50);
  });

  it('fixed rate paces requests when the service keeps up', async () => {
    const started = performance.now();
    const result = await runLoad({
      origin: server.url,
      targets: [target('/health/live')],
      concurrency: 2,
      requests: 10,
      ratePerSecond: 20,
      requestTimeoutMs: 5000,
    });
    const elapsed = performance.now() - started;
    // 10 requests at 20/s: the last is due at 450 ms.
    expect(elapsed).toBeGreaterThanOrEqual(440);
    expect(result.requests).toBe(10);
    expect(result.latency?.p50Ms ?? Infinity).toBeLessThan(100);
  });
});
