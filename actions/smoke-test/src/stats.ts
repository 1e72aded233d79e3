/** Latency summaries and the budget gates. Pure. */

export interface LatencySummary {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export const PERCENTILES: readonly { key: keyof LatencySummary; label: string; percentile: number }[] = [
  { key: 'p50Ms', label: 'p50', percentile: 50 },
  { key: 'p75Ms', label: 'p75', percentile: 75 },
  { key: 'p90Ms', label: 'p90', percentile: 90 },
  { key: 'p95Ms', label: 'p95', percentile: 95 },
  { key: 'p99Ms', label: 'p99', percentile: 99 },
  { key: 'p999Ms', label: 'p99.9', percentile: 99.9 },
];

/** Exact nearest-rank percentile of an ascending-sorted list: the smallest value with at least p% of values at or below it. */
export function nearestRank(sorted: readonly number[], percentile: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Exact summary of a (small) list of durations in ms; undefined when empty. */
export function summarize(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const summary: LatencySummary = {
    count: sorted.length,
    minMs: round(sorted[0] as number),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p50Ms: 0,
    p75Ms: 0,
    p90Ms: 0,
    p95Ms: 0,
    p99Ms: 0,
    p999Ms: 0,
    maxMs: round(sorted[sorted.length - 1] as number),
  };
  for (const { key, percentile } of PERCENTILES) summary[key] = round(nearestRank(sorted, percentile));
  return summary;
}

/** Milliseconds to 3 decimals (microseconds), the resolution we measure with. */
export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface Budgets {
  maxP95Ms?: number;
  maxErrorRate?: number;
}

export interface Measured {
  requests: number;
  errors: number;
  latency: LatencySummary | undefined;
}

export function errorRate(measured: Pick<Measured, 'requests' | 'errors'>): number {
  return measured.requests === 0 ? 0 : measured.errors / measured.requests;
}

/** Returns one message per exceeded budget (empty: within budget). */
export function evaluateBudgets(measured: Measured, budgets: Budgets, source: string): string[] {
  const violations: string[] = [];
  if (budgets.maxP95Ms !== undefined) {
    if (!measured.latency)
      violations.push(
        `max-p95-ms: no ${source} response was measured, so p95 cannot be shown to be within ${budgets.maxP95Ms} ms`,
      );
    else if (measured.latency.p95Ms > budgets.maxP95Ms)
      violations.push(
        `max-p95-ms: ${source} p95 latency ${formatMs(measured.latency.p95Ms)} ms exceeds the budget of ${budgets.maxP95Ms} ms`,
      );
  }
  if (budgets.maxErrorRate !== undefined) {
    const rate = errorRate(measured);
    if (rate > budgets.maxErrorRate) {
      violations.push(
        `max-error-rate: ${source} error rate ${formatRate(rate)} (${measured.errors} of ${measured.requests} requests) exceeds the budget of ${formatRate(budgets.maxErrorRate)}`,
      );
    }
  }
  return violations;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function formatRate(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}
