/**
 * The report (JSON, the `report` output and a file) and the job summary.
 * Pure: built from results; every string is redacted of secrets.
 */
import { cell, markdownTable, mermaid, redact } from '@pipeline/action-kit';
import type { LoadResult } from './load.js';
import type { CheckResult } from './runner.js';
import type { ServiceTargetReport } from './service-forward.js';
import { errorRate, formatMs, formatRate, PERCENTILES, type Budgets, type LatencySummary } from './stats.js';

export interface ReadyReport {
  path: string;
  ready: boolean;
  polls?: number;
  elapsedMs?: number;
  error?: string;
}

export interface MeasuredReport {
  /** `load` when the load phase ran, else `checks` (every check attempt). */
  source: 'load' | 'checks';
  requests: number;
  errors: number;
  errorRate: number;
  latency: LatencySummary | null;
}

export interface Report {
  passed: boolean;
  url: string;
  checksSource: string;
  ready: ReadyReport | null;
  checksPassed: number;
  checksFailed: number;
  checks: CheckResult[];
  load: LoadResult | { skipped: string } | null;
  measured: MeasuredReport;
  budgets: Budgets & { violations: string[] };
  /** With the service input: the Service, its pods and the port-forward that reached them. */
  target?: ServiceTargetReport;
}

/** Replaces every secret in every string of `value` (structurally, so the JSON stays valid). */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [redact(k, secrets), walk(inner)]));
    return v;
  };
  return walk(value) as T;
}

export function measureFromChecks(
  checks: readonly CheckResult[],
  summarize: (values: number[]) => LatencySummary | undefined,
): MeasuredReport {
  // Queries to Prometheus say nothing about the service's own latency or errors.
  const own = checks.filter((c) => c.kind !== 'promql');
  const requests = own.reduce((n, c) => n + c.attempts, 0);
  const errors = requests - own.filter((c) => c.passed).length;
  return {
    source: 'checks',
    requests,
    errors,
    errorRate: errorRate({ requests, errors }),
    latency: summarize(own.flatMap((c) => c.durations)) ?? null,
  };
}

export function measureFromLoad(load: LoadResult): MeasuredReport {
  return {
    source: 'load',
    requests: load.requests,
    errors: load.errors,
    errorRate: errorRate(load),
    latency: load.latency ?? null,
  };
}

/** Outputs as the action sets them (strings). */
export function outputsOf(report: Report): Record<string, string> {
  const latency = report.measured.latency;
  return {
    passed: String(report.passed),
    'checks-passed': String(report.checksPassed),
    'checks-failed': String(report.checksFailed),
    requests: String(report.measured.requests),
    'error-rate': String(Number(report.measured.errorRate.toFixed(6))),
    'p50-ms': latency ? String(latency.p50Ms) : '',
    'p95-ms': latency ? String(latency.p95Ms) : '',
    'p99-ms': latency ? String(latency.p99Ms) : '',
  };
}

/** The one-paragraph reason the step fails (empty when it passed). */
export function failureMessage(report: Report): string {
  const reasons: string[] = [];
  if (report.ready && !report.ready.ready) reasons.push(report.ready.error ?? `${report.ready.path} was not ready`);
  const failed = report.checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    const names = failed
      .slice(0, 5)
      .map((c) => `"${c.name}"`)
      .join(', ');
    reasons.push(
      `${failed.length} of ${report.checks.length} checks failed (${names}${failed.length > 5 ? ', ...' : ''})`,
    );
  }
  reasons.push(...report.budgets.violations);
  return reasons.length === 0 ? '' : `Smoke test failed: ${reasons.join('; ')}.`;
}

export function summaryMarkdown(report: Report): string {
  const parts: string[] = [summaryHeading(report), summaryFacts(report)];
  if (report.target) parts.push(cell(targetLine(report.target)));
  if (report.ready && !report.ready.ready) parts.push(`> ${cell(report.ready.error ?? 'not ready')}`);
  if (report.checks.length > 0) parts.push('### Checks', checksTable(report.checks));
  parts.push(...latencySections(report), ...budgetSections(report));
  return `${parts.join('\n\n')}\n`;
}

function summaryHeading(report: Report): string {
  const icon = report.passed ? '✅' : '❌';
  const what = report.target ? `Service ${report.target.service}` : report.url;
  return `## ${icon} Smoke test ${report.passed ? 'passed' : 'failed'}: ${cell(what)}`;
}

/** Where the requests went when they reached a Service through the API server. */
export function targetLine(target: ServiceTargetReport): string {
  const pods = target.pods.join(', ');
  const moved =
    target.failedForwards > 0 ? `; ${target.failedForwards} failed forward(s) moved to another ready pod` : '';
  return `Reached Service ${target.service} (namespace ${target.namespace}) port ${target.port} through ${target.via}: pod ${pods} port ${target.podPort}, ${target.connections} connection(s)${moved}.`;
}

/** One line: the check counts and, when readiness was polled, its outcome. */
function summaryFacts(report: Report): string {
  const facts = [`checks: ${report.checksPassed} passed, ${report.checksFailed} failed (${cell(report.checksSource)})`];
  if (report.ready)
    facts.push(
      report.ready.ready
        ? `ready after ${report.ready.polls} poll(s), ${formatMs(report.ready.elapsedMs ?? 0)} ms`
        : 'not ready',
    );
  return facts.join(' · ');
}

function checksTable(checks: readonly CheckResult[]): string {
  return markdownTable(
    ['', 'Check', 'Request', 'Status', 'Time (ms)', 'Attempts', 'Result'],
    checks.map((c) => [
      c.passed ? '✅' : '❌',
      c.name,
      `${c.method} ${pathOf(c.url)}`,
      c.status ?? '—',
      c.durationMs === undefined ? '—' : formatMs(c.durationMs),
      c.attempts,
      c.passed ? 'passed' : c.failures.join('\n'),
    ]),
  );
}

/** The load and latency sections: a skipped load phase, where the figures come from, the figures, errors, chart. */
function latencySections(report: Report): string[] {
  const parts: string[] = [];
  const m = report.measured;
  const load = report.load;
  if (load && 'skipped' in load) parts.push(`### Load\nSkipped: ${cell(load.skipped)}`);
  if (m.requests === 0 && !m.latency) return parts;
  const ran = load && !('skipped' in load) ? load : undefined;
  parts.push(
    ran
      ? loadPhaseHeading(ran)
      : '### Latency: check requests\nNo load phase: these figures cover every check attempt.',
  );
  parts.push(measuredTable(m));
  if (ran && Object.keys(ran.errorKinds).length > 0) parts.push(errorKindsTable(ran));
  if (m.latency) parts.push(latencyChart(m.latency));
  return parts;
}

function loadPhaseHeading(load: LoadResult): string {
  const rate =
    load.mode === 'fixed-rate'
      ? `fixed rate of ${load.targetRatePerSecond} req/s (latency from each request's due time: coordinated omission corrected)`
      : 'closed loop (each connection sends when the previous response is read)';
  return `### Latency: load phase\n${load.requests} requests over ${formatMs(load.durationMs / 1000)} s on ${load.concurrency} connection(s), ${load.requestsPerSecond} req/s, ${rate}.`;
}

function measuredTable(m: MeasuredReport): string {
  const l = m.latency;
  return (
    markdownTable(
      ['requests', 'errors', 'error rate', 'min', ...PERCENTILES.map((p) => p.label), 'max'],
      [
        [
          m.requests,
          m.errors,
          formatRate(m.errorRate),
          l ? formatMs(l.minMs) : '—',
          ...PERCENTILES.map((p) => (l ? formatMs(l[p.key]) : '—')),
          l ? formatMs(l.maxMs) : '—',
        ],
      ],
    ) + '\n\nLatencies in ms, wall-clock per request.'
  );
}

function errorKindsTable(load: LoadResult): string {
  return markdownTable(
    ['error', 'count', 'example'],
    Object.entries(load.errorKinds)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, count]) => [kind, count, load.errorSamples[kind] ?? '']),
  );
}

/** The budgets section (none when no budget is set). */
function budgetSections(report: Report): string[] {
  const { budgets, measured: m } = report;
  if (budgets.maxP95Ms === undefined && budgets.maxErrorRate === undefined) return [];
  const rows: unknown[][] = [];
  if (budgets.maxP95Ms !== undefined)
    rows.push([
      'max-p95-ms',
      `${budgets.maxP95Ms} ms`,
      m.latency ? `${formatMs(m.latency.p95Ms)} ms` : '—',
      budgetResult(budgets.violations, 'max-p95-ms'),
    ]);
  if (budgets.maxErrorRate !== undefined)
    rows.push([
      'max-error-rate',
      formatRate(budgets.maxErrorRate),
      formatRate(m.errorRate),
      budgetResult(budgets.violations, 'max-error-rate'),
    ]);
  return ['### Budgets', markdownTable(['budget', 'limit', `measured (${m.source})`, 'result'], rows)];
}

function budgetResult(violations: readonly string[], budget: string): string {
  return violations.some((v) => v.startsWith(budget)) ? '❌ exceeded' : '✅ within';
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/** A Mermaid bar chart of latency by percentile (the distribution's quantile function). */
export function latencyChart(latency: LatencySummary): string {
  const labels = [...PERCENTILES.map((p) => p.label), 'max'];
  const values = [...PERCENTILES.map((p) => latency[p.key]), latency.maxMs];
  const top = Math.max(1, ...values);
  const ceiling = Number((top * 1.1).toPrecision(2));
  return mermaid(
    [
      'xychart-beta',
      '  title "Latency by percentile (ms)"',
      `  x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
      `  y-axis "ms" 0 --> ${ceiling}`,
      `  bar [${values.map((v) => Number(v.toFixed(3))).join(', ')}]`,
    ].join('\n'),
  );
}
