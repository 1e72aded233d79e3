/**
 * The load phase: replays the checks' requests round-robin against the
 * service with `concurrency` keep-alive connections (an undici Pool, one
 * request per connection at a time, driven through its low-level dispatch
 * API so the tester is not the bottleneck: see scripts/bench-smoke-test.ts).
 *
 * Two schedules:
 *  - closed-loop (default): each of `concurrency` workers sends its next
 *    request as soon as the previous response has been read. Latency is the
 *    wall-clock time from sending to the last body byte. Like every closed-loop
 *    tester this suffers coordinated omission: while the service stalls the
 *    workers wait instead of sending, so a stall shows up in few samples and
 *    the high percentiles understate what users arriving at a steady rate
 *    would see. It measures the service's capacity at that concurrency.
 *  - fixed-rate (`load-rate`): request i is due at start + i/rate; a worker
 *    waits for the due time and latency is measured from the due time, not
 *    from when a worker got round to sending. When the service (or the
 *    concurrency cap) falls behind, the queueing delay is counted, which
 *    corrects for coordinated omission (as wrk2 does).
 *
 * Latencies go into an HDR histogram (hdr-histogram-js) in microseconds with
 * 3 significant digits, so percentiles are exact to 0.1%.
 */
import type { Dispatcher } from 'undici';
import { statusMatches, type StatusMatcher } from './checks.js';
import { graphqlErrors } from './evaluate.js';
import { round, type LatencySummary } from './stats.js';
import { oneLine } from './text.js';

export interface LoadTarget {
  name: string;
  method: string;
  /** Path and query on the origin. */
  path: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
  status: readonly StatusMatcher[];
  /** A GraphQL request: a response with an `errors` entry counts as an error. */
  graphqlNoErrors: boolean;
}

export interface LoadOptions {
  origin: string;
  targets: readonly LoadTarget[];
  concurrency: number;
  durationMs?: number;
  requests?: number;
  /** Requests per second for the fixed-rate schedule; absent: closed-loop. */
  ratePerSecond?: number;
  requestTimeoutMs: number;
}

export type LoadMode = 'closed-loop' | 'fixed-rate';

export interface LoadResult {
  mode: LoadMode;
  concurrency: number;
  requests: number;
  /** Requests that got a complete response (of any status). */
  responses: number;
  errors: number;
  /** Error counts by kind, e.g. `status 503`, `graphql errors`, `timeout`, `ECONNRESET`. */
  errorKinds: Record<string, number>;
  /** The first message seen for each transport error kind. */
  errorSamples: Record<string, string>;
  durationMs: number;
  requestsPerSecond: number;
  /** Latency of every request that got a complete response. */
  latency: LatencySummary | undefined;
  /** Fixed-rate only: the schedule asked for this rate. */
  targetRatePerSecond?: number;
}

interface Outcome {
  status: number;
  error?: string;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.targets.length === 0) throw new Error('the load phase needs at least one request to replay');
  if (options.durationMs === undefined && options.requests === undefined) throw new Error('the load phase needs a duration or a number of requests');
  const [{ Pool }, hdr] = await Promise.all([import('undici'), import('hdr-histogram-js')]);
  const histogram = hdr.build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  const pool = new Pool(options.origin, {
    connections: options.concurrency,
    pipelining: 1,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    connectTimeout: options.requestTimeoutMs,
  });
  const prepared = options.targets.map((target) => ({
    target,
    dispatch: {
      origin: options.origin,
      path: target.path,
      method: target.method,
      headers: { ...target.headers },
      ...(target.body === undefined ? {} : { body: target.body }),
    } satisfies Dispatcher.DispatchOptions,
  }));

  const errorKinds: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let errors = 0;
  let responses = 0;
  let next = 0;
  const started = performance.now();
  const end = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const limit = options.requests ?? Infinity;
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;

  const send = (index: number): Promise<Outcome> =>
    new Promise((resolve) => {
      const { target, dispatch } = prepared[index % prepared.length] as (typeof prepared)[number];
      let status = 0;
      let chunks: Buffer[] | undefined;
      pool.dispatch(dispatch, {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
          if (target.graphqlNoErrors) chunks = [];
        },
        onResponseData(_controller, chunk) {
          chunks?.push(chunk);
        },
        onResponseEnd() {
          if (!statusMatches(target.status, status)) return resolve({ status, error: `status ${status}` });
          if (chunks && hasGraphqlErrors(Buffer.concat(chunks).toString('utf8'))) return resolve({ status, error: 'graphql errors' });
          resolve({ status });
        },
        onResponseError(_controller, error) {
          const kind = errorKind(error);
          if (errorSamples[kind] === undefined) errorSamples[kind] = oneLine(error.message, 200);
          resolve({ status: 0, error: kind });
        },
      });
    });

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next;
      if (index >= limit) return;
      let start: number;
      if (interval > 0) {
        start = started + index * interval;
        if (start >= end) return;
        next++;
        const wait = start - performance.now();
        if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      } else {
        start = performance.now();
        if (start >= end) return;
        next++;
      }
      const outcome = await send(index);
      if (outcome.status !== 0) {
        responses++;
        histogram.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
      }
      if (outcome.error !== undefined) {
        errors++;
        errorKinds[outcome.error] = (errorKinds[outcome.error] ?? 0) + 1;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await pool.close().catch(() => undefined);
  }
  const durationMs = performance.now() - started;
  const requests = next;
  const latency: LatencySummary | undefined =
    histogram.totalCount === 0
      ? undefined
      : {
          count: histogram.totalCount,
          minMs: round(histogram.minNonZeroValue / 1000),
          meanMs: round(histogram.mean / 1000),
          p50Ms: round(histogram.getValueAtPercentile(50) / 1000),
          p75Ms: round(histogram.getValueAtPercentile(75) / 1000),
          p90Ms: round(histogram.getValueAtPercentile(90) / 1000),
          p95Ms: round(histogram.getValueAtPercentile(95) / 1000),
          p99Ms: round(histogram.getValueAtPercentile(99) / 1000),
          p999Ms: round(histogram.getValueAtPercentile(99.9) / 1000),
          maxMs: round(histogram.maxValue / 1000),
        };
  histogram.destroy();
  const result: LoadResult = {
    mode: interval > 0 ? 'fixed-rate' : 'closed-loop',
    concurrency: options.concurrency,
    requests,
    responses,
    errors,
    errorKinds,
    errorSamples,
    durationMs: round(durationMs),
    requestsPerSecond: durationMs > 0 ? Math.round((requests / durationMs) * 1000 * 10) / 10 : 0,
    latency,
  };
  if (options.ratePerSecond) result.targetRatePerSecond = options.ratePerSecond;
  return result;
}

function hasGraphqlErrors(body: string): boolean {
  if (!body.includes('"errors"')) return false;
  try {
    return graphqlErrors(JSON.parse(body)).length > 0;
  } catch {
    return false;
  }
}

function errorKind(error: Error): string {
  const code = 'code' in error ? String((error as { code: unknown }).code) : '';
  if (/TIMEOUT/i.test(code) || error.name.includes('Timeout')) return 'timeout';
  return code || error.name || 'request error';
}
