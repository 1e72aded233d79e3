import { describe, expect, it } from '@jest/globals';
import type { LoadResult } from '../src/load.js';
import {
  failureMessage,
  latencyChart,
  measureFromChecks,
  measureFromLoad,
  outputsOf,
  redactDeep,
  summaryMarkdown,
  type Report,
} from '../src/report.js';
import type { CheckResult } from '../src/runner.js';
import { summarize, type LatencySummary } from '../src/stats.js';

const latency: LatencySummary = {
  count: 100,
  minMs: 0.5,
  meanMs: 2,
  p50Ms: 1.5,
  p75Ms: 2,
  p90Ms: 3,
  p95Ms: 4.25,
  p99Ms: 9,
  p999Ms: 12,
  maxMs: 12.5,
};
const passed: CheckResult = {
  name: 'ready',
  method: 'GET',
  url: 'https://svc.example/health/ready',
  passed: true,
  attempts: 1,
  status: 200,
  durationMs: 3,
  durations: [3],
  failures: [],
};
const failed: CheckResult = {
  name: 'a | b',
  method: 'POST',
  url: 'https://svc.example/graphql?x=1',
  passed: false,
  attempts: 3,
  status: 200,
  durationMs: 5,
  durations: [4, 6, 5],
  failures: ['graphql: expected no errors, got 1: <boom>', 'json data.x: expected 1 (number), got "1" (string)'],
};
const load: LoadResult = {
  mode: 'closed-loop',
  concurrency: 4,
  requests: 100,
  responses: 99,
  errors: 3,
  errorKinds: { 'status 503': 2, ECONNRESET: 1 },
  errorSamples: { ECONNRESET: 'socket hang up' },
  durationMs: 2000,
  requestsPerSecond: 50,
  latency,
  testerCpuPercent: 12,
};

function base(overrides: Partial<Report> = {}): Report {
  return {
    passed: true,
    url: 'https://svc.example/',
    checksSource: 'inline',
    ready: null,
    checksPassed: 1,
    checksFailed: 0,
    checks: [passed],
    load: null,
    measured: measureFromChecks([passed], summarize),
    budgets: { violations: [] },
    ...overrides,
  };
}

describe('measure', () => {
  it('counts every check attempt when there is no load phase', () => {
    expect(measureFromChecks([passed, failed], summarize)).toEqual({
      source: 'checks',
      requests: 4,
      errors: 3,
      errorRate: 0.75,
      latency: summarize([3, 4, 6, 5]),
    });
    expect(measureFromChecks([], summarize)).toEqual({
      source: 'checks',
      requests: 0,
      errors: 0,
      errorRate: 0,
      latency: null,
    });
  });
  it('takes the load phase figures when it ran', () => {
    expect(measureFromLoad(load)).toEqual({ source: 'load', requests: 100, errors: 3, errorRate: 0.03, latency });
  });
});

describe('outputsOf', () => {
  it('turns the report into the action outputs', () => {
    expect(
      outputsOf(base({ passed: false, checksPassed: 1, checksFailed: 2, measured: measureFromLoad(load) })),
    ).toEqual({
      passed: 'false',
      'checks-passed': '1',
      'checks-failed': '2',
      requests: '100',
      'error-rate': '0.03',
      'p50-ms': '1.5',
      'p95-ms': '4.25',
      'p99-ms': '9',
    });
  });
  it('leaves the percentiles empty when nothing was measured', () => {
    expect(
      outputsOf(
        base({ checks: [], measured: { source: 'checks', requests: 0, errors: 0, errorRate: 0, latency: null } }),
      ),
    ).toMatchObject({ requests: '0', 'p50-ms': '', 'p95-ms': '', 'p99-ms': '' });
  });
});

describe('failureMessage', () => {
  it.each<[string, Partial<Report>, string]>([
    ['passed', {}, ''],
    [
      'not ready',
      { ready: { path: '/health/ready', ready: false, error: 'x was not ready within 2m' } },
      'Smoke test failed: x was not ready within 2m.',
    ],
    [
      'failed checks',
      { checks: [passed, failed], checksFailed: 1 },
      'Smoke test failed: 1 of 2 checks failed ("a | b").',
    ],
    [
      'budgets too',
      { checks: [failed], budgets: { maxP95Ms: 1, violations: ['max-p95-ms: too slow'] } },
      'Smoke test failed: 1 of 1 checks failed ("a | b"); max-p95-ms: too slow.',
    ],
  ])('%s', (_title, overrides, message) => {
    expect(failureMessage(base(overrides))).toBe(message);
  });
  it('lists at most five failed check names', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ ...failed, name: `c${i}` }));
    expect(failureMessage(base({ checks: many }))).toBe(
      'Smoke test failed: 7 of 7 checks failed ("c0", "c1", "c2", "c3", "c4", ...).',
    );
  });
});

describe('redactDeep', () => {
  it('replaces secrets in every string and key, keeping the structure valid', () => {
    const secret = 'Bearer "quoted\\secret"';
    const value = { a: `x ${secret} y`, list: [secret, 1, null, { [secret]: true }], n: 5 };
    expect(redactDeep(value, [secret])).toEqual({ a: 'x *** y', list: ['***', 1, null, { '***': true }], n: 5 });
    expect(JSON.stringify(redactDeep(value, [secret]))).not.toContain('secret');
  });
});

describe('summaryMarkdown', () => {
  it('shows a passing run with checks, the latency table and chart', () => {
    const md = summaryMarkdown(
      base({
        ready: { path: '/health/ready', ready: true, polls: 3, elapsedMs: 1200 },
        load,
        measured: measureFromLoad(load),
        budgets: { maxP95Ms: 10, maxErrorRate: 0.01, violations: ['max-error-rate: 3%'] },
      }),
    );
    expect(md).toMatch(/^## ✅ Smoke test passed: https:\/\/svc.example\//);
    expect(md).toContain('checks: 1 passed, 0 failed (inline) · ready after 3 poll(s), 1200 ms');
    expect(md).toContain('| ✅ | ready | GET /health/ready | 200 | 3.00 | 1 | passed |');
    expect(md).toContain('100 requests over 2.00 s on 4 connection(s), 50 req/s, closed loop');
    expect(md).toContain('| 100 | 3 | 3% | 0.50 | 1.50 | 2.00 | 3.00 | 4.25 | 9.00 | 12.0 | 12.5 |');
    expect(md).toContain('| status 503 | 2 |  |');
    expect(md).toContain('| ECONNRESET | 1 | socket hang up |');
    expect(md).toContain('| max-p95-ms | 10 ms | 4.25 ms | ✅ within |');
    expect(md).toContain('| max-error-rate | 1% | 3% | ❌ exceeded |');
    expect(md).toContain('```mermaid\nxychart-beta');
  });

  it('escapes names and failures for the table', () => {
    const md = summaryMarkdown(
      base({
        passed: false,
        checks: [failed],
        checksPassed: 0,
        checksFailed: 1,
        measured: measureFromChecks([failed], summarize),
      }),
    );
    expect(md).toMatch(/^## ❌ Smoke test failed/);
    expect(md).toContain(
      '| ❌ | a \\| b | POST /graphql?x=1 | 200 | 5.00 | 3 | graphql: expected no errors, got 1: &lt;boom&gt;<br>json data.x: expected 1 (number), got "1" (string) |',
    );
    expect(md).toContain('### Latency: check requests');
  });

  it('says why the load phase was skipped and when the service was not ready', () => {
    const md = summaryMarkdown(
      base({
        passed: false,
        checks: [],
        ready: { path: '/r', ready: false, error: 'not ready <in time>' },
        load: { skipped: 'the service never became ready' },
      }),
    );
    expect(md).toContain('> not ready &lt;in time&gt;');
    expect(md).toContain('### Load\nSkipped: the service never became ready');
  });
});

describe('latencyChart', () => {
  it('plots the percentiles and max with a y axis above the maximum', () => {
    expect(latencyChart(latency)).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '  title "Latency by percentile (ms)"',
        '  x-axis ["p50", "p75", "p90", "p95", "p99", "p99.9", "max"]',
        '  y-axis "ms" 0 --> 14',
        '  bar [1.5, 2, 3, 4.25, 9, 12, 12.5]',
        '```',
      ].join('\n'),
    );
  });
});

describe('a Service reached through the API server', () => {
  const target = {
    service: 'shop/web',
    namespace: 'shop',
    port: '80 (http)',
    podPort: 8080,
    pods: ['web-7d9-a', 'web-7d9-b'],
    connections: 4,
    failedForwards: 1,
    via: 'the API server (port-forward from this runner)' as const,
  };

  it('the summary names the Service, its namespace, the pods and the path taken', () => {
    const md = summaryMarkdown(base({ url: 'http://127.0.0.1:41234/', target }));
    expect(md).toMatch(/^## ✅ Smoke test passed: Service shop\/web\n/);
    expect(md).toContain(
      'Reached Service shop/web (namespace shop) port 80 (http) through the API server (port-forward from this runner): pod web-7d9-a, web-7d9-b port 8080, 4 connection(s); 1 failed forward(s) moved to another ready pod.',
    );
  });

  it('without one, the summary is about the URL as before', () => {
    const md = summaryMarkdown(base());
    expect(md).toMatch(/^## ✅ Smoke test passed: https:\/\/svc.example\/\n/);
    expect(md).not.toContain('through the API server');
  });
});
