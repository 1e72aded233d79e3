/**
 * End to end against the REAL example service (Fastify + Mercurius on Node 24)
 * backed by a real PostgreSQL and Redis (tools/services/services.sh, a private
 * pair in a temporary state directory). The test starts the service itself on
 * a free loopback port and lets the action's wait-for-ready find out when it
 * is up; both are stopped afterwards.
 *
 * Prerequisites (what .ci/run does): `npm ci` in example-service/, and
 * PostgreSQL and Redis installable or installed (services.sh installs them
 * from Debian's packages when missing). Without example-service/node_modules
 * the suite is skipped with a loud message.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, parseEnvFile, requireOrSkip, runAction } from '@pipeline/action-kit/testing';
import type { Report } from '../src/report.js';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVICE_DIR = path.join(ROOT, 'example-service');
const SERVICES_SH = path.join(ROOT, 'tools/services/services.sh');
const SERVICE_NODE = path.join(SERVICE_DIR, 'node_modules/.bin/node');
const available =
  existsSync(path.join(SERVICE_DIR, 'node_modules')) && existsSync(path.join(SERVICE_DIR, 'src/main.ts'));

const serviceDeps = {
  what: "example-service's dependencies (example-service/node_modules)",
  available,
  howToGet: 'run `(cd example-service && npm ci)` (.ci/run does)',
};
const describeWithService = requireOrSkip(serviceDeps) ? describe : describe.skip;

describeWithService('smoke-test against the real example service (PostgreSQL + Redis)', () => {
  let stateDir = '';
  let service: ChildProcess | undefined;
  let serviceLog = '';
  let url = '';

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'smoke-services-'));
    await exec('bash', [SERVICES_SH, 'start'], {
      env: { ...process.env, SERVICES_STATE_DIR: stateDir },
      timeout: 300_000,
    });
    const deps = parseEnvFile(await readFile(path.join(stateDir, 'services.env'), 'utf8'));
    if (!deps['DATABASE_URL'] || !deps['REDIS_URL'])
      throw new Error(`services.sh wrote no DATABASE_URL/REDIS_URL in ${stateDir}`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = spawn(existsSync(SERVICE_NODE) ? SERVICE_NODE : process.execPath, ['src/main.ts'], {
      cwd: SERVICE_DIR,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? stateDir,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: deps['DATABASE_URL'],
        REDIS_URL: deps['REDIS_URL'],
        MIGRATE_ON_START: 'true',
        // The load phase sends far more than the default 600 requests a minute from one address.
        RATE_LIMIT_ENABLED: 'false',
        SHUTDOWN_DELAY_MS: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => (serviceLog = (serviceLog + chunk).slice(-20_000)));
    service.stderr
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => (serviceLog = (serviceLog + chunk).slice(-20_000)));
    // No waiting here: the action's wait-for-ready does that in the first test.
  }, 320_000);

  afterAll(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((resolve) => service?.once('exit', resolve));
      service.kill('SIGTERM');
      const timer = setTimeout(() => service?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (stateDir) {
      await exec('bash', [SERVICES_SH, 'stop'], {
        env: { ...process.env, SERVICES_STATE_DIR: stateDir },
        timeout: 120_000,
      }).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 150_000);

  it('waits for readiness, passes the documented checks and a load phase within budgets', async () => {
    const run = await runAction('actions/smoke-test', {
      timeoutMs: 240_000,
      inputs: {
        url,
        'wait-for-ready': '/health/ready',
        timeout: '3m',
        checks: [
          '- name: ready',
          '  path: /health/ready',
          '  json: { status: ok, checks.postgres.status: ok, checks.redis.status: ok }',
          '- name: live',
          '  path: /health/live',
          // The example, verbatim.
          '- name: first book',
          '  graphql: { query: "{ books(first: 1) { id } }" }',
          '  json: { data.books[0].id: "1" }',
          '- name: book by id',
          '  graphql:',
          '    query: "query Book($id: ID!) { book(id: $id) { id title author { name } } }"',
          '    variables: { id: "1" }',
          '    operationName: Book',
          '  json:',
          '    data.book.title: Continuous Delivery in Practice',
          '    data.book.author.name: Ada Lovelace',
          '- name: metrics',
          '  path: /metrics',
          '  contains: http_requests_total',
          '  load: false',
        ].join('\n'),
        'load-duration': '3s',
        'load-concurrency': '4',
        'max-p95-ms': '1000',
        'max-error-rate': '0',
      },
    });
    if (run.exitCode !== 0)
      process.stderr.write(`action output:\n${run.stdout}\n${run.stderr}\nservice log:\n${serviceLog}\n`);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      passed: 'true',
      'checks-passed': '5',
      'checks-failed': '0',
      'error-rate': '0',
    });
    const report = JSON.parse(run.outputs['report'] ?? 'null') as Report;
    expect(report.ready?.ready).toBe(true);
    expect(report.load).toMatchObject({ mode: 'closed-loop', errors: 0, concurrency: 4 });
    expect(Number(run.outputs['requests'])).toBeGreaterThan(50);
    expect(Number(run.outputs['p95-ms'])).toBeGreaterThan(0);
    expect(run.summary).toMatch(/\| ✅ \| first book \| POST \/graphql \| 200 \|/);
  }, 250_000);

  it("reports the real service's GraphQL errors and status when a query is broken", async () => {
    const run = await runAction('actions/smoke-test', {
      timeoutMs: 60_000,
      inputs: {
        url,
        retries: '0',
        checks: [
          '- name: broken query',
          '  graphql: { query: "{ bookz(first: 1) { id } }" }',
          '- name: missing book',
          '  graphql: { query: "{ book(id: \\"999999\\") { id } }" }',
          '  json: { data.book: null }',
        ].join('\n'),
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ passed: 'false', 'checks-passed': '1', 'checks-failed': '1' });
    const [annotation] = run.annotations.filter((a) => a.title?.startsWith('Smoke check "broken query"'));
    expect(annotation?.message).toMatch(/^status: expected 200, got 400; body: .*Cannot query field/);
    expect(annotation?.message).toMatch(
      /\ngraphql: expected no errors, got 1: Cannot query field "bookz" on type "Query"/,
    );
  }, 70_000);
});
