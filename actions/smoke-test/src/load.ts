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
import type { Histogram } from 'hdr-histogram-js';
import type { Client, Dispatcher } from 'undici';
import { graphqlErrors, oneLine, statusMatches, type StatusMatcher } from '@pipeline/action-kit/checks';
import { round, type LatencySummary } from './stats.js';

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

interface Prepared {
  target: LoadTarget;
  dispatch: Dispatcher.DispatchOptions;
}

/** What the workers of one phase share: the request counter, the schedule, and the counts and latencies so far. */
class Phase {
  next = 0;
  errors = 0;
  responses = 0;
  readonly errorKinds: Record<string, number> = {};
  readonly errorSamples: Record<string, string> = {};
  readonly started = performance.now();
  readonly end: number;
  readonly limit: number;
  /** Milliseconds between request starts (fixed rate), 0 for closed loop. */
  readonly interval: number;
  readonly done: Promise<void>;
  private active: number;
  private finish: () => void = () => undefined;

  constructor(
    options: LoadOptions,
    readonly prepared: readonly Prepared[],
    private readonly histogram: Histogram,
  ) {
    this.end = options.durationMs === undefined ? Infinity : this.started + options.durationMs;
    this.limit = options.requests ?? Infinity;
    this.interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
    this.active = options.concurrency;
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
  }

  record(start: number): void {
    this.responses++;
    this.histogram.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
  }

  fail(kind: string, message?: string): void {
    this.errors++;
    this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
    if (message !== undefined && this.errorSamples[kind] === undefined) this.errorSamples[kind] = oneLine(message, 200);
  }

  /** A worker has nothing more to send; the phase is done when all have stopped. */
  stop(): void {
    if (--this.active === 0) this.finish();
  }
}

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
    const phase = this.worker.phase;
    phase.record(this.start);
    if (!statusMatches(this.target.status, this.status)) phase.fail(`status ${this.status}`);
    else if (this.chunks && hasGraphqlErrors(Buffer.concat(this.chunks).toString('utf8'))) phase.fail('graphql errors');
    this.worker.next();
  }
  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.worker.phase.fail(errorKind(error), error.message);
    // Errors can be reported synchronously from dispatch: continue on the next turn, not recursively.
    setImmediate(() => this.worker.next());
  }
}

/** One connection's loop: send the next request when the previous one is done (closed loop) or when it is due (fixed rate). */
class Worker {
  constructor(
    private readonly client: Client,
    readonly phase: Phase,
  ) {}
  next(): void {
    const phase = this.phase;
    const index = phase.next;
    if (index >= phase.limit) return phase.stop();
    if (phase.interval > 0) {
      const due = phase.started + index * phase.interval;
      if (due >= phase.end) return phase.stop();
      phase.next++;
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
      if (now >= phase.end) return phase.stop();
      phase.next++;
      this.send(index, now);
    }
  }
  private send(index: number, start: number): void {
    const { target, dispatch } = this.phase.prepared[index % this.phase.prepared.length] as Prepared;
    this.client.dispatch(dispatch, new RequestHandler(this, target, start));
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.targets.length === 0) throw new Error('the load phase needs at least one request to replay');
  if (options.durationMs === undefined && options.requests === undefined)
    throw new Error('the load phase needs a duration or a number of requests');
  const [{ Client: UndiciClient }, hdr] = await Promise.all([import('undici'), import('hdr-histogram-js')]);
  const histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  // One undici Client (one keep-alive connection, one request at a time) per worker, like autocannon's connections.
  const clients = Array.from(
    { length: options.concurrency },
    () =>
      new UndiciClient(options.origin, {
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

  const cpuBefore = process.cpuUsage();
  const phase = new Phase(options, prepared, histogram);
  try {
    for (const client of clients) new Worker(client, phase).next();
    await phase.done;
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
  const durationMs = performance.now() - phase.started;
  const cpu = process.cpuUsage(cpuBefore);
  const latency = latencyOf(histogram);
  histogram.destroy();
  const result: LoadResult = {
    mode: phase.interval > 0 ? 'fixed-rate' : 'closed-loop',
    concurrency: options.concurrency,
    requests: phase.next,
    responses: phase.responses,
    errors: phase.errors,
    errorKinds: phase.errorKinds,
    errorSamples: phase.errorSamples,
    durationMs: round(durationMs),
    requestsPerSecond: durationMs > 0 ? Math.round((phase.next / durationMs) * 1000 * 10) / 10 : 0,
    latency,
    testerCpuPercent: durationMs > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / durationMs) * 1000) / 10 : 0,
  };
  if (options.ratePerSecond) result.targetRatePerSecond = options.ratePerSecond;
  return result;
}

/** The latency distribution in milliseconds (the histogram counts microseconds); undefined with no responses. */
function latencyOf(histogram: Histogram): LatencySummary | undefined {
  if (histogram.totalCount === 0) return undefined;
  const ms = (us: number): number => round(us / 1000);
  return {
    count: histogram.totalCount,
    minMs: ms(histogram.minNonZeroValue),
    meanMs: ms(histogram.mean),
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p75Ms: ms(histogram.getValueAtPercentile(75)),
    p90Ms: ms(histogram.getValueAtPercentile(90)),
    p95Ms: ms(histogram.getValueAtPercentile(95)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    p999Ms: ms(histogram.getValueAtPercentile(99.9)),
    maxMs: ms(histogram.maxValue),
  };
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
