import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseChecks, type Check } from '../src/checks.js';
import { fetchSend, MAX_BODY_BYTES } from '../src/http.js';
import { mergeHeaders, runCheck, waitForReady } from '../src/runner.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const check = (yaml: string): Check => {
  const [parsed] = parseChecks(yaml, 'inline');
  if (!parsed) throw new Error('no check');
  return parsed;
};
const sleeps: number[] = [];
const options = () => ({
  baseUrl: new URL(server.url),
  headers: { 'X-Global': 'g', 'X-Both': 'global' },
  retries: 2,
  requestTimeoutMs: 2000,
  send: fetchSend,
  sleep: async (ms: number) => void sleeps.push(ms),
});

describe('runCheck against a real local server', () => {
  it('passes and records the attempt', async () => {
    const result = await runCheck(
      check('- name: books\n  path: /books\n  json:\n    data.books[0].id: "1"\n'),
      options(),
    );
    expect(result).toMatchObject({
      name: 'books',
      method: 'GET',
      url: `${server.url}/books`,
      passed: true,
      attempts: 1,
      status: 200,
      failures: [],
    });
    expect(result.durations).toHaveLength(1);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('retries with backoff until the check passes', async () => {
    server.control.flakyFailures = 2;
    server.hits.delete('/flaky');
    sleeps.length = 0;
    const result = await runCheck(check('- name: flaky\n  path: /flaky\n'), options());
    expect(result).toMatchObject({ passed: true, attempts: 3, status: 200 });
    expect(server.hits.get('/flaky')).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(250);
    expect(sleeps[0]).toBeLessThanOrEqual(500);
    expect(sleeps[1]).toBeGreaterThanOrEqual(500);
    expect(sleeps[1]).toBeLessThanOrEqual(1000);
  });

  it('gives up after retries and keeps the last failure', async () => {
    server.control.flakyFailures = 10;
    server.hits.delete('/flaky');
    const result = await runCheck(check('- name: flaky\n  path: /flaky\n'), { ...options(), retries: 1 });
    expect(result).toMatchObject({
      passed: false,
      attempts: 2,
      status: 500,
      failures: ['status: expected 200, got 500; body: {"error":"failure 2"}'],
    });
  });

  it('sends merged headers (check headers override the headers input) and the body', async () => {
    const echo = await runCheck(
      check(
        '- name: echo\n  path: /echo-headers\n  headers: { x-both: own }\n  json:\n    headers.x-global: g\n    headers.x-both: own\n',
      ),
      options(),
    );
    expect(echo.failures).toEqual([]);
    const body = await runCheck(
      check(
        '- name: body\n  method: POST\n  path: /echo-body\n  body: { a: 1 }\n  json:\n    method: POST\n    body: \'{"a":1}\'\n    contentType: application/json\n',
      ),
      options(),
    );
    expect(body.failures).toEqual([]);
  });

  it('runs GraphQL checks over POST and GET and fails on errors', async () => {
    expect(
      (
        await runCheck(
          check('- name: g\n  graphql: { query: "{ books { id } }" }\n  json:\n    data.books[1].id: "2"\n'),
          options(),
        )
      ).passed,
    ).toBe(true);
    expect(
      (
        await runCheck(
          check(
            '- name: g\n  method: GET\n  graphql: { query: "{ books { id } }" }\n  json:\n    data.books.0.id: "1"\n',
          ),
          options(),
        )
      ).passed,
    ).toBe(true);
    const vars = await runCheck(
      check(
        '- name: v\n  graphql: { query: "query($id: ID!) { book(id: $id) { id } }", variables: { id: "2" } }\n  json:\n    data.book.title: Solaris\n',
      ),
      options(),
    );
    expect(vars.failures).toEqual([]);
    const broken = await runCheck(check('- name: b\n  graphql: { query: "{ broken }" }\n'), {
      ...options(),
      retries: 0,
    });
    expect(broken.failures).toEqual([
      'graphql: expected no errors, got 1: Cannot query field "broken" on type "Query". (at broken)',
    ]);
  });

  it('reports a connection failure and a timeout as failures, not exceptions', async () => {
    const closed = await startTestServer();
    await closed.close();
    const refused = await runCheck(check('- name: down\n'), { ...options(), baseUrl: new URL(closed.url), retries: 0 });
    expect(refused.passed).toBe(false);
    expect(refused.status).toBeUndefined();
    expect(refused.failures[0]).toMatch(/^request: no response \(ECONNREFUSED/);
    const slow = await runCheck(check('- name: slow\n  path: /slow/1000\n'), {
      ...options(),
      retries: 0,
      requestTimeoutMs: 100,
    });
    expect(slow.failures).toEqual(['request: no response within 100 ms (request-timeout)']);
  });

  it('reads at most MAX_BODY_BYTES of a body', async () => {
    const response = await fetchSend({ url: `${server.url}/big`, method: 'GET', headers: {}, timeoutMs: 2000 });
    expect(response.bodyTruncated).toBe(false);
    expect(response.body).toMatch(/^start x+ end$/);
    expect(MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
  });
});

describe('mergeHeaders', () => {
  it('lets a check header override the input header of the same name in any case', () => {
    expect(mergeHeaders({ Authorization: 'a', 'X-A': '1' }, { authorization: 'b' })).toEqual({
      authorization: 'b',
      'X-A': '1',
    });
  });
});

describe('waitForReady against a real local server', () => {
  it('polls until the path answers 2xx', async () => {
    const ready = await startTestServer({ notReadyPolls: 3 });
    try {
      const waits: number[] = [];
      const result = await waitForReady({
        url: `${ready.url}/health/ready`,
        headers: {},
        timeoutMs: 60_000,
        requestTimeoutMs: 1000,
        send: fetchSend,
        sleep: async (ms) => void waits.push(ms),
      });
      expect(result).toMatchObject({ polls: 4, status: 200 });
      expect(waits).toHaveLength(3);
      expect(ready.hits.get('/health/ready')).toBe(4);
    } finally {
      await ready.close();
    }
  });

  it('gives up at the timeout with the last answer', async () => {
    const never = await startTestServer({ notReadyPolls: 1_000_000 });
    try {
      let clock = 0;
      const promise = waitForReady({
        url: `${never.url}/health/ready`,
        headers: {},
        timeoutMs: 10_000,
        requestTimeoutMs: 1000,
        send: fetchSend,
        now: () => clock,
        sleep: async (ms) => void (clock += ms),
      });
      await expect(promise).rejects.toThrow(
        /\/health\/ready was not ready within 10s \(wait-for-ready, timeout\): \d+ polls, last answer: status 503: \{"status":"starting"\}/,
      );
      expect(clock).toBeGreaterThan(9_000);
      expect(clock).toBeLessThanOrEqual(10_000);
    } finally {
      await never.close();
    }
  });
});
