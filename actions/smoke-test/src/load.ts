/**
 * The load phase: replays the checks' requests round-robin against the
 * service with `concurrency` keep-alive connections (one undici Client per
 * connection, one request at a time, driven through undici's low-level
 * dispatch API so the tester is not the bottleneck: see
 * scripts/bench-smoke-test.ts).
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
  /**
   * CPU time the tester itself used, as a percentage of one core over the
   * phase. Near 100% the tester was saturated and latencies include its own
   * queueing: treat them as an upper bound.
   */
  testerCpuPercent: number;
  /** Fixed-rate only: the schedule asked for this rate. */
  targetRatePerSecond?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.targets.length === 0) throw new Error('the load phase needs at least one request to replay');
  if (options.durationMs === undefined && options.requests === undefined) throw new Error('the load phase needs a duration or a number of requests');
  const [{ Client }, hdr] = await Promise.all([import('undici'), import('hdr-histogram-js')]);
  const histogram = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  // One undici Client (one keep-alive connection, one request at a time) per worker, like autocannon's connections.
  const clients = Array.from(
    { length: options.concurrency },
    () =>
      new Client(options.origin, {
        pipelining: 1,
        headersTimeout: options.requestTimeoutMs,
        bodyTimeout: options.requestTimeoutMs,
        connectTimeout: options.requestTimeoutMs,
      }),
  );
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
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const limit = options.requests ?? Infinity;
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;

  const record = (start: number): void => {
    responses++;
    histogram.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
  };
  const fail = (kind: string): void => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };

  /** One request in flight: undici calls these as the response arrives (no promise per request: the tester stays cheap). */
  class RequestHandler implements Dispatcher.DispatchHandler {
    private status = 0;
    private chunks: Buffer[] | undefined;
    constructor(
      private readonly worker: Worker,
      private readonly target: LoadTarget,
      private readonly start: number,
    ) {}
    onRequestStart(): void {}
    onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
      this.status = statusCode;
      if (this.target.graphqlNoErrors) this.chunks = [];
    }
    onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
      this.chunks?.push(chunk);
    }
    onResponseEnd(): void {
      record(this.start);
      if (!statusMatches(this.target.status, this.status)) fail(`status ${this.status}`);
      else if (this.chunks && hasGraphqlErrors(Buffer.concat(this.chunks).toString('utf8'))) fail('graphql errors');
      this.worker.next();
    }
    onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
      const kind = errorKind(error);
      if (errorSamples[kind] === undefined) errorSamples[kind] = oneLine(error.message, 200);
      fail(kind);
      // Errors can be reported synchronously from dispatch: continue on the next turn, not recursively.
      setImmediate(() => this.worker.next());
    }
  }

  let active = options.concurrency;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));

  /** One connection's loop: send the next request when the previous one is done (closed loop) or when it is due (fixed rate). */
  class Worker {
    constructor(private readonly client: InstanceType<typeof Client>) {}
    next(): void {
      const index = next;
      if (index >= limit) return this.stop();
      if (interval > 0) {
        const due = started + index * interval;
        if (due >= end) return this.stop();
        next++;
        const wait = due - performance.now();
        if (wait >= 1) {
          setTimeout(() => this.send(index, due), wait);
          return;
        }
        // Late (the schedule is behind): measure from the due time, so the wait counts.
        // Less than a timer tick early: send now and measure from now.
        this.send(index, Math.min(due, performance.now()));
      } else {
        const now = performance.now();
        if (now >= end) return this.stop();
        next++;
        this.send(index, now);
      }
    }
    private send(index: number, start: number): void {
      const { target, dispatch } = prepared[index % prepared.length] as (typeof prepared)[number];
      this.client.dispatch(dispatch, new RequestHandler(this, target, start));
    }
    private stop(): void {
      if (--active === 0) finish();
    }
  }

  try {
    for (const client of clients) new Worker(client).next();
    await done;
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
  const durationMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
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
    testerCpuPercent: durationMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / durationMs) * 1000) / 10 : 0,
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
