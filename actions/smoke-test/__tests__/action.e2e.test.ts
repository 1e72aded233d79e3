/**
 * End to end: the built dist/index.js run as the runner runs it (runAction),
 * against a real local HTTP server that can fail, be slow, or return GraphQL errors.
 * Rebuild first: node scripts/build-actions.ts actions/smoke-test
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';
import type { Report } from '../src/report.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const ACTION = 'actions/smoke-test';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const report = (run: ActionRun): Report => JSON.parse(run.outputs['report'] ?? 'null') as Report;

describe('smoke-test action (built bundle, real local server)', () => {
  it('waits for readiness, passes HTTP, JSON and GraphQL checks, runs the load phase within budgets', async () => {
    server.control.notReadyPolls = (server.hits.get('/health/ready') ?? 0) + 2;
    const run = await runAction(ACTION, {
      inputs: {
        url: server.url,
        'wait-for-ready': '/health/ready',
        checks: [
          '- name: live',
          '  path: /health/live',
          '  json: { status: ok }',
          '- name: books over REST',
          '  path: /books',
          '  contains: Dune',
          '  json:',
          '    data.books[0].id: "1"',
          '    data.books[0].pages: 412',
          // The issue's example verbatim: the unquoted bracket path in { } is not valid YAML, and is repaired with a notice.
          '- name: first book',
          '  graphql: { query: "{ books(first: 1) { id } }" }',
          '  json: { data.books[0].id: "1" }',
        ].join('\n'),
        'load-requests': '300',
        'load-concurrency': '4',
        'max-p95-ms': '2000',
        'max-error-rate': '0',
      },
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      passed: 'true',
      'checks-passed': '3',
      'checks-failed': '0',
      requests: '300',
      'error-rate': '0',
    });
    for (const name of ['p50-ms', 'p95-ms', 'p99-ms']) expect(Number(run.outputs[name])).toBeGreaterThan(0);
    expect(Number(run.outputs['p50-ms'])).toBeLessThanOrEqual(Number(run.outputs['p95-ms']));
    expect(run.outputs['report-file']).toMatch(/runner-temp\/smoke-test\/report\.json$/);
    const r = report(run);
    expect(r.ready).toMatchObject({ path: '/health/ready', ready: true, polls: 3 });
    expect(r.load).toMatchObject({ mode: 'closed-loop', requests: 300, errors: 0, concurrency: 4 });
    expect(r.measured).toMatchObject({ source: 'load', requests: 300, errors: 0 });
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(run.annotations.filter((a) => a.level === 'notice').map((a) => [a.title, a.message])).toEqual([
      [
        'Smoke test checks',
        'checks (inline): quoted the JSON path key(s) with [ ] inside json: { ... } on line(s) 12; YAML itself needs them quoted, e.g. json: { "data.books[0].id": "1" }',
      ],
    ]);
    expect(run.summary).toMatch(/## ✅ Smoke test passed/);
    expect(run.summary).toMatch(/\| ✅ \| books over REST \| GET \/books \| 200 \|/);
    expect(run.summary).toMatch(/\| ✅ \| first book \| POST \/graphql \| 200 \|/);
    expect(run.summary).toMatch(/```mermaid\nxychart-beta/);
    expect(run.summary).toMatch(/\| max-p95-ms \| 2000 ms \| [\d.]+ ms \| ✅ within \|/);
    expect(run.stdout).toMatch(/::group::Wait for \/health\/ready/);
    expect(run.stdout).toMatch(/::group::Load phase/);
  });

  it('fails with what was expected and what came back, and skips the load phase', async () => {
    const run = await runAction(ACTION, {
      inputs: {
        url: server.url,
        retries: '0',
        checks: [
          '- name: down',
          '  path: /status/503',
          '- name: wrong id type',
          '  path: /books',
          '  json:',
          '    data.books[0].id: 1',
          '- name: broken query',
          '  graphql: { query: "{ broken }" }',
          '- name: ok',
          '  path: /health/live',
        ].join('\n'),
        'load-duration': '1s',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      passed: 'false',
      'checks-passed': '1',
      'checks-failed': '3',
      requests: '4',
      'error-rate': '0.75',
    });
    expect(run.failure).toBe('Smoke test failed: 3 of 4 checks failed ("down", "wrong id type", "broken query").');
    const errors = run.annotations.filter((a) => a.level === 'error' && a.title);
    expect(errors.map((a) => a.title)).toEqual([
      `Smoke check "down" failed (GET ${server.url}/status/503)`,
      `Smoke check "wrong id type" failed (GET ${server.url}/books)`,
      `Smoke check "broken query" failed (POST ${server.url}/graphql)`,
    ]);
    expect(errors.map((a) => a.message)).toEqual([
      'status: expected 200, got 503; body: {"status":503}',
      'json data.books[0].id: expected 1 (number), got "1" (string) (same text, different type: quote the expected value in checks to compare as string)',
      'graphql: expected no errors, got 1: Cannot query field "broken" on type "Query". (at broken)',
    ]);
    const r = report(run);
    expect(r.load).toEqual({
      skipped: '3 check(s) failed; the load phase only runs against a service that passes its checks',
    });
    expect(run.summary).toMatch(/## ❌ Smoke test failed/);
    expect(run.summary).toMatch(
      /\| ❌ \| down \| GET \/status\/503 \| 503 \| [\d.]+ \| 1 \| status: expected 200, got 503/,
    );
    expect(run.summary).toMatch(/Skipped: 3 check\(s\) failed/);
  });

  it('fails the step when the p95 budget is exceeded by a slow service', async () => {
    const run = await runAction(ACTION, {
      inputs: {
        url: server.url,
        checks: '- name: slow\n  path: /slow/40\n',
        'load-requests': '20',
        'load-concurrency': '2',
        'max-p95-ms': '5',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['passed']).toBe('false');
    expect(Number(run.outputs['p95-ms'])).toBeGreaterThanOrEqual(40);
    expect(run.failure).toMatch(
      /^Smoke test failed: max-p95-ms: load phase p95 latency \d+(\.\d+)? ms exceeds the budget of 5 ms\.$/,
    );
    expect(run.annotations.some((a) => a.title === 'Smoke test budget exceeded' && /max-p95-ms/.test(a.message))).toBe(
      true,
    );
    expect(run.summary).toMatch(/\| max-p95-ms \| 5 ms \| [\d.]+ ms \| ❌ exceeded \|/);
  });

  it('runs a fixed-rate load phase when load-rate is set', async () => {
    const run = await runAction(ACTION, {
      inputs: {
        url: server.url,
        checks: '- name: live\n  path: /health/live\n',
        'load-requests': '20',
        'load-rate': '50',
        'load-concurrency': '2',
      },
    });
    expect(run.exitCode).toBe(0);
    const load = report(run).load;
    expect(load).toMatchObject({ mode: 'fixed-rate', targetRatePerSecond: 50, requests: 20, errors: 0 });
    // 20 requests at 50/s: the last one is due 380 ms after the start.
    expect(load && 'durationMs' in load ? load.durationMs : 0).toBeGreaterThanOrEqual(380);
    expect(run.summary).toMatch(
      /fixed rate of 50 req\/s \(latency from each request's due time: coordinated omission corrected\)/,
    );
  });

  it('fails the step when the error rate budget is exceeded', async () => {
    server.control.failEvery = 5;
    try {
      const run = await runAction(ACTION, {
        inputs: {
          url: server.url,
          checks: '- name: sometimes\n  path: /sometimes-fails\n',
          retries: '0',
          'load-requests': '50',
          'load-concurrency': '3',
          'max-error-rate': '10%',
        },
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs).toMatchObject({ passed: 'false', 'checks-passed': '1', requests: '50' });
      // Server-side requests 2..51 of /sometimes-fails: every 5th (10 of them) answers 500.
      expect(run.outputs['error-rate']).toBe('0.2');
      expect(run.failure).toBe(
        'Smoke test failed: max-error-rate: load phase error rate 20% (10 of 50 requests) exceeds the budget of 10%.',
      );
      expect(report(run).load).toMatchObject({ errors: 10, errorKinds: { 'status 500': 10 } });
      expect(run.summary).toMatch(/\| status 500 \| 10 \|/);
    } finally {
      server.control.failEvery = 0;
    }
  });

  it('masks header values and redacts them when the service echoes them back', async () => {
    const secret = 'Bearer sup3r-s3cret-t0ken';
    const inCheck = 'check-level-s3cret';
    const run = await runAction(ACTION, {
      inputs: {
        url: server.url,
        retries: '0',
        headers: `Authorization: ${secret}`,
        checks: `- name: echo\n  path: /echo-headers\n  headers: { X-Api-Key: ${inCheck} }\n  contains: not-in-the-body\n`,
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.masks).toEqual(expect.arrayContaining([secret, inCheck]));
    const [annotation] = run.annotations.filter((a) => a.title?.startsWith('Smoke check'));
    expect(annotation?.message).toMatch(/"authorization":"\*\*\*"/);
    expect(annotation?.message).toMatch(/"x-api-key":"\*\*\*"/);
    const visible = [
      run.summary,
      run.outputs['report'] ?? '',
      ...run.annotations.map((a) => a.message),
      run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      run.stderr,
    ];
    for (const text of visible) {
      expect(text).not.toContain('sup3r-s3cret');
      expect(text).not.toContain(inCheck);
    }
  });

  it('reads checks from a YAML file in the workspace', async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), 'smoke-ws-'));
    await mkdir(path.join(workspace, 'smoke'));
    await writeFile(
      path.join(workspace, 'smoke', 'checks.yml'),
      '- name: from file\n  path: /books\n  json:\n    data.books[1].title: Solaris\n',
    );
    const run = await runAction(ACTION, { workspace, inputs: { url: server.url, checks: 'smoke/checks.yml' } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', 'checks-passed': '1', requests: '1' });
    expect(report(run).checksSource).toBe('smoke/checks.yml');
  });

  it('fails when the service never becomes ready within timeout', async () => {
    const never = await startTestServer({ notReadyPolls: 1_000_000 });
    try {
      const run = await runAction(ACTION, {
        inputs: { url: never.url, 'wait-for-ready': '/health/ready', timeout: '1500ms', 'load-requests': '10' },
      });
      expect(run.exitCode).toBe(1);
      expect(run.outputs).toMatchObject({ passed: 'false', 'checks-passed': '0', 'checks-failed': '0' });
      expect(run.failure).toMatch(
        /^Smoke test failed: http:\/\/127\.0\.0\.1:\d+\/health\/ready was not ready within 1.5s \(wait-for-ready, timeout\): \d+ polls, last answer: status 503/,
      );
      expect(report(run).load).toEqual({ skipped: 'the service never became ready' });
      expect(never.hits.get('/')).toBeUndefined();
    } finally {
      await never.close();
    }
  });

  it('rejects bad input before sending anything, naming the input and what is accepted', async () => {
    server.hits.clear();
    const run = await runAction(ACTION, { inputs: { url: server.url, checks: '- name: a\n  expect: 200\n' } });
    expect(run.exitCode).toBe(1);
    expect(run.failure).toMatch(
      /^Input 'checks' \(inline\) is invalid:\n {2}- checks\[0\] \("a"\): unknown field 'expect'; accepted fields: name, method, path/,
    );
    expect(run.outputs).toEqual({});
    expect(server.hits.size).toBe(0);
    const badUrl = await runAction(ACTION, { inputs: { url: 'localhost:8080' } });
    expect(badUrl.failure).toBe(
      'Input \'url\' has an invalid value "localhost:8080": expected an absolute http:// or https:// URL, such as https://staging.example.com.',
    );
  });
});
