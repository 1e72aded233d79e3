import { describe, expect, it } from '@jest/globals';
import {
  errorRate,
  evaluateBudgets,
  formatMs,
  formatRate,
  nearestRank,
  summarize,
  type LatencySummary,
} from '../src/stats.js';

describe('nearestRank', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it.each([
    [hundred, 50, 50],
    [hundred, 95, 95],
    [hundred, 99, 99],
    [hundred, 99.9, 100],
    [hundred, 100, 100],
    [hundred, 0, 1],
    [[5], 50, 5],
    [[1, 2], 50, 1],
    [[1, 2], 51, 2],
    [[10, 20, 30, 40, 50], 95, 50],
  ])('%#: p%d', (values, p, expected) => {
    expect(nearestRank(values, p)).toBe(expected);
  });
  it('is NaN for no values', () => {
    expect(nearestRank([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('sorts and summarizes exactly, rounding to microseconds', () => {
    expect(summarize([3.0004, 1, 2, 10])).toEqual({
      count: 4,
      minMs: 1,
      meanMs: 4,
      p50Ms: 2,
      p75Ms: 3,
      p90Ms: 10,
      p95Ms: 10,
      p99Ms: 10,
      p999Ms: 10,
      maxMs: 10,
    });
    expect(summarize([])).toBeUndefined();
  });
});

describe('evaluateBudgets', () => {
  const latency = (p95Ms: number): LatencySummary => ({
    count: 10,
    minMs: 1,
    meanMs: 2,
    p50Ms: 2,
    p75Ms: 3,
    p90Ms: 4,
    p95Ms,
    p99Ms: p95Ms,
    p999Ms: p95Ms,
    maxMs: p95Ms,
  });
  it.each([
    [{ requests: 100, errors: 0, latency: latency(50) }, {}, []],
    [{ requests: 100, errors: 0, latency: latency(50) }, { maxP95Ms: 50 }, []],
    [
      { requests: 100, errors: 0, latency: latency(50.5) },
      { maxP95Ms: 50 },
      ['max-p95-ms: load phase p95 latency 50.5 ms exceeds the budget of 50 ms'],
    ],
    [
      { requests: 0, errors: 0, latency: undefined },
      { maxP95Ms: 50 },
      ['max-p95-ms: no load phase response was measured, so p95 cannot be shown to be within 50 ms'],
    ],
    [{ requests: 100, errors: 1, latency: latency(1) }, { maxErrorRate: 0.01 }, []],
    [
      { requests: 100, errors: 2, latency: latency(1) },
      { maxErrorRate: 0.01 },
      ['max-error-rate: load phase error rate 2% (2 of 100 requests) exceeds the budget of 1%'],
    ],
    [
      { requests: 3, errors: 1, latency: latency(1) },
      { maxErrorRate: 0 },
      ['max-error-rate: load phase error rate 33.3% (1 of 3 requests) exceeds the budget of 0%'],
    ],
    [
      { requests: 10, errors: 10, latency: latency(900) },
      { maxP95Ms: 100, maxErrorRate: 0.5 },
      [
        'max-p95-ms: load phase p95 latency 900 ms exceeds the budget of 100 ms',
        'max-error-rate: load phase error rate 100% (10 of 10 requests) exceeds the budget of 50%',
      ],
    ],
  ])('%#', (measured, budgets, violations) => {
    expect(evaluateBudgets(measured, budgets, 'load phase')).toEqual(violations);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0.00'],
    [1.2345, '1.23'],
    [12.345, '12.3'],
    [123.45, '123'],
  ])('formatMs(%d) = %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
  it.each([
    [0, '0%'],
    [0.0012, '0.12%'],
    [0.5, '50%'],
    [1 / 3, '33.3%'],
  ])('formatRate(%d) = %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });
  it('errorRate of no requests is 0', () => {
    expect(errorRate({ requests: 0, errors: 0 })).toBe(0);
    expect(errorRate({ requests: 4, errors: 1 })).toBe(0.25);
  });
});
