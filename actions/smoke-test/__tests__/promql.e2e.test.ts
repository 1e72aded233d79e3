/**
 * End to end: the built action's promql checks against a REAL Prometheus
 * (the binary of Debian's `prometheus` package, tools/monitoring/prometheus.sh,
 * run as a loopback process scraping every second) that scrapes the REAL
 * example service (with a private PostgreSQL and Redis from services.sh).
 * Passing while the service is up; failing, naming the series, once it is
 * down. Every process is started here and stopped afterwards; every wait is
 * bounded.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
const LOCAL_PROMETHEUS = path.join(ROOT, 'tools/monitoring/bin/prometheus');
const prometheusBin = existsSync(LOCAL_PROMETHEUS)
  ? LOCAL_PROMETHEUS
  : spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0
    ? 'prometheus'
    : undefined;

const ready =
  requireOrSkip({
    what: "example-service's dependencies (example-service/node_modules)",
    available: existsSync(path.join(SERVICE_DIR, 'node_modules')),
    howToGet: 'run `(cd example-service && npm ci)` (.ci/run does)',
  }) &&
  requireOrSkip({
    what: 'a prometheus binary',
    available: prometheusBin !== undefined,
    howToGet: 'run tools/monitoring/prometheus.sh install (.ci/run does)',
    requiredBy: 'REQUIRE_PROMETHEUS',
  });

function started(child: ChildProcess, log: { text: string }): ChildProcess {
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (chunk: string) => (log.text = (log.text + chunk).slice(-20_000)));
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Polls until `check` holds, for at most `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

(ready ? describe : describe.skip)('promql checks against a real Prometheus scraping the real example service', () => {
  let dir = '';
  let service: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  const serviceLog = { text: '' };
  const prometheusLog = { text: '' };
  let prometheusUrl = '';
  let serviceUrl = '';

  const query = async (promql: string): Promise<Array<{ value: [number, string] }>> => {
    const answer = (await (
      await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)
    ).json()) as { data: { result: Array<{ value: [number, string] }> } };
    return answer.data.result;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'smoke-promql-'));
    await exec('bash', [SERVICES_SH, 'start'], {
      env: { ...process.env, SERVICES_STATE_DIR: dir },
      timeout: 300_000,
    });
    const deps = parseEnvFile(await readFile(path.join(dir, 'services.env'), 'utf8'));
    const servicePort = await freePort();
    serviceUrl = `http://127.0.0.1:${servicePort}`;
    service = started(
      spawn(existsSync(SERVICE_NODE) ? SERVICE_NODE : process.execPath, ['src/main.ts'], {
        cwd: SERVICE_DIR,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: dir,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(servicePort),
          DATABASE_URL: deps['DATABASE_URL'] ?? '',
          REDIS_URL: deps['REDIS_URL'] ?? '',
          MIGRATE_ON_START: 'true',
          SHUTDOWN_DELAY_MS: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      serviceLog,
    );
    await until('the service to be ready', 60_000, async () => (await fetch(`${serviceUrl}/health/ready`)).ok);

    const promPort = await freePort();
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    // The labels the ServiceMonitor gives the target (job = the Service's name).
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: example-service',
        '    scrape_timeout: 1s',
        `    static_configs: [{ targets: ['127.0.0.1:${servicePort}'], labels: { pod: example-service-local } }]`,
        '',
      ].join('\n'),
    );
    prometheus = started(
      spawn(
        prometheusBin!,
        [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--storage.tsdb.retention.time=1h',
          '--log.level=warn',
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
      prometheusLog,
    );
    await until('Prometheus to be ready', 60_000, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok);
    // Two scrapes at least, so that rate() has samples.
    await until('two scrapes of the service', 30_000, async () => {
      const [sample] = await query('count_over_time(up{job="example-service"}[1m])');
      return Number(sample?.value[1]) >= 3;
    });
  }, 400_000);

  afterAll(async () => {
    await stop(service);
    await stop(prometheus);
    if (dir) {
      await exec('bash', [SERVICES_SH, 'stop'], {
        env: { ...process.env, SERVICES_STATE_DIR: dir },
        timeout: 120_000,
      }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);

  const checks = [
    '- name: every pod up',
    '  promql: up{job="example-service"}',
    '  threshold: "== 1"',
    '- name: 5xx ratio under budget',
    // No 5xx yet means no http_request_errors_total series: `or vector(0)` keeps the ratio defined.
    '  promql: (sum(rate(http_request_errors_total{job="example-service"}[30s])) or vector(0)) / clamp_min(sum(rate(http_requests_total{job="example-service"}[30s])), 1e-9)',
    '  threshold: "< 0.01"',
    '- name: the service answers',
    '  path: /health/live',
  ].join('\n');

  const run = (retries: string) =>
    runAction('actions/smoke-test', {
      timeoutMs: 120_000,
      inputs: { url: serviceUrl, 'prometheus-url': prometheusUrl, checks, retries, 'request-timeout': '5s' },
    });

  it('passes while the service is up: up == 1 for every pod, the error ratio under budget', async () => {
    const result = await run('5');
    if (result.exitCode !== 0)
      process.stderr.write(
        `${result.stdout}\n${result.stderr}\nservice:\n${serviceLog.text}\nprometheus:\n${prometheusLog.text}\n`,
      );
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.checks.map((c) => [c.name, c.passed, c.kind ?? 'http'])).toEqual([
      ['every pod up', true, 'promql'],
      ['5xx ratio under budget', true, 'promql'],
      ['the service answers', true, 'http'],
    ]);
    expect(report.checks[0]?.url).toBe(
      `${prometheusUrl}/api/v1/query?query=${encodeURIComponent('up{job="example-service"}').replace(/%20/g, '+')}`,
    );
    // Only the service's own request counts towards its measured latency.
    expect(report.measured.requests).toBe(report.checks[2]?.attempts);
  }, 150_000);

  it('fails, naming the series, once the service is down and Prometheus scraped it so', async () => {
    await stop(service);
    await until('Prometheus to see the target down', 30_000, async () => {
      const [sample] = await query('up{job="example-service"}');
      return sample?.value[1] === '0';
    });
    const result = await runAction('actions/smoke-test', {
      timeoutMs: 60_000,
      inputs: {
        url: serviceUrl,
        'prometheus-url': prometheusUrl,
        checks: checks.split('\n- name: 5xx')[0] as string,
        retries: '0',
      },
    });
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.checks[0]?.passed).toBe(false);
    expect(report.checks[0]?.failures).toEqual([
      expect.stringMatching(
        /^promql: 1 of 1 sample\(s\) do not meet == 1: up\{instance="127\.0\.0\.1:\d+", job="example-service", pod="example-service-local"\} = 0$/,
      ),
    ]);
    expect(result.stdout).toContain('FAIL every pod up');
  }, 90_000);
});
