/**
 * The verdict of one analysis step, from what was measured on the canary
 * (or preview) pods and on the stable pods over the same window. A budget
 * the canary breaks fails the step, unless stable breaks it as badly (then
 * the baseline is bad, not the new version, and the row says so). Pure.
 */
import type { AnalysisConfig, Threshold } from './config.js';
import { meets } from './config.js';

/** What one track (canary or stable) showed during a step. */
export interface TrackMeasurement {
  pods: readonly string[];
  /** Requests the analysis sent, and those that failed (network error, 5xx, or a failed check). */
  requests: number;
  errors: number;
  p95Ms: number | undefined;
  /** Check name -> why it failed (absent: passed). */
  checkFailures: Readonly<Record<string, string>>;
  /** Container restarts during the step. */
  restarts: number;
  /** From the pods' own /metrics, the increase during the step (undefined: not exposed). */
  podErrorRate: number | undefined;
  podP95Ms: number | undefined;
  /** Prometheus query results by metric name (undefined: no sample). */
  queries: Readonly<Record<string, number | undefined>>;
}

export interface Criterion {
  name: string;
  canary: number | string | undefined;
  stable: number | string | undefined;
  threshold: string;
  ok: boolean;
  note?: string;
}

export interface StepVerdict {
  ok: boolean;
  criteria: Criterion[];
  /** The failed criteria, as one sentence. */
  reason?: string;
}

const higherIsWorse = (t: Threshold): boolean => t.op === '<' || t.op === '<=';

/** Is the canary's value worse than stable's by more than the tolerance? */
export function worseThan(canary: number, stable: number, threshold: Threshold, tolerance: number): boolean {
  if (threshold.op === '==' || threshold.op === '!=') return true;
  const margin = Math.abs(stable) * tolerance + 1e-9;
  return higherIsWorse(threshold) ? canary > stable + margin : canary < stable - margin;
}

/** One budget: canary against the threshold, excused when stable breaks it as badly. */
export function criterion(
  name: string,
  canary: number | undefined,
  stable: number | undefined,
  threshold: Threshold,
  options: { compare: boolean; tolerance: number },
): Criterion {
  const text = `${threshold.op} ${threshold.value}`;
  if (canary === undefined || Number.isNaN(canary))
    return {
      name,
      canary: undefined,
      stable,
      threshold: text,
      ok: false,
      note: 'no data from the canary (no data proves nothing)',
    };
  if (meets(canary, threshold)) return { name, canary, stable, threshold: text, ok: true };
  if (
    options.compare &&
    stable !== undefined &&
    !meets(stable, threshold) &&
    !worseThan(canary, stable, threshold, options.tolerance)
  )
    return {
      name,
      canary,
      stable,
      threshold: text,
      ok: true,
      note: 'stable breaks it as badly: the baseline is bad, not the canary',
    };
  return { name, canary, stable, threshold: text, ok: false };
}

function checkCriteria(canary: TrackMeasurement, stable: TrackMeasurement | undefined, compare: boolean): Criterion[] {
  return Object.entries(canary.checkFailures).map(([check, why]) => {
    const stableWhy = stable?.checkFailures[check];
    const excused = compare && stableWhy !== undefined;
    return {
      name: `check ${check}`,
      canary: why,
      stable: stable ? (stableWhy ?? 'passed') : undefined,
      threshold: 'passes',
      ok: excused,
      ...(excused ? { note: 'fails on stable too: the baseline is bad, not the canary' } : {}),
    };
  });
}

const rate = (t: TrackMeasurement | undefined): number | undefined =>
  t === undefined || t.requests === 0 ? undefined : t.errors / t.requests;

export function judgeStep(
  config: AnalysisConfig,
  canary: TrackMeasurement,
  stable: TrackMeasurement | undefined,
): StepVerdict {
  const options = { compare: config.compare, tolerance: config.tolerance };
  const criteria: Criterion[] = checkCriteria(canary, stable, config.compare);
  if (config.maxErrorRate !== undefined && canary.requests > 0)
    criteria.push(
      criterion('error rate', rate(canary), rate(stable), { op: '<=', value: config.maxErrorRate }, options),
    );
  if (config.maxP95Ms !== undefined && canary.requests > 0)
    criteria.push(criterion('p95 ms', canary.p95Ms, stable?.p95Ms, { op: '<=', value: config.maxP95Ms }, options));
  for (const metric of config.metrics) {
    if ('query' in metric) {
      criteria.push(
        criterion(metric.name, canary.queries[metric.name], stable?.queries[metric.name], metric.threshold, options),
      );
      continue;
    }
    const pick = (t: TrackMeasurement | undefined): number | undefined =>
      t === undefined
        ? undefined
        : metric.builtin === 'restarts'
          ? t.restarts
          : metric.builtin === 'error-rate'
            ? t.podErrorRate
            : t.podP95Ms;
    criteria.push(criterion(metric.name, pick(canary), pick(stable), metric.threshold, options));
  }
  const failed = criteria.filter((c) => !c.ok);
  return {
    ok: failed.length === 0,
    criteria,
    ...(failed.length > 0
      ? {
          reason: failed
            .map(
              (c) =>
                `${c.name} ${formatValue(c.canary)} (threshold ${c.threshold}${c.stable !== undefined ? `, stable ${formatValue(c.stable)}` : ''}${c.note ? `; ${c.note}` : ''})`,
            )
            .join('; '),
        }
      : {}),
  };
}

export function formatValue(value: number | string | undefined): string {
  if (value === undefined) return 'n/a';
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 4 : 1);
}
