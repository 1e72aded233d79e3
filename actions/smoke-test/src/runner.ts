/**
 * Readiness polling and the checks phase, over an injected `Send`.
 */
import { ActionError, backoffDelay, formatDuration, plural, retry, sleep as realSleep } from '@pipeline/action-kit';

/** The shortest time a readiness poll is given to answer. */
const MIN_POLL_MS = 100;
import { checkUrl, evaluateResponse, oneLine, type Check, type HttpResponse } from '@pipeline/action-kit/checks';
import { transportFailure } from './evaluate.js';
import { evaluatePromql, promqlUrl } from './promql.js';
import type { Send } from './http.js';
import { round } from './stats.js';

export interface CheckResult {
  name: string;
  method: string;
  url: string;
  passed: boolean;
  attempts: number;
  /** Status of the last attempt (absent when no response came back). */
  status?: number;
  /** Wall-clock duration of the last attempt, in ms (absent when it got no response). */
  durationMs?: number;
  /** Durations of every attempt that got a response, in ms. */
  durations: number[];
  /** Failures of the last attempt (empty when passed). */
  failures: string[];
  /** Set for a promql check: its requests go to Prometheus and are not the service's latency or errors. */
  kind?: 'promql';
}

export interface CheckRunOptions {
  baseUrl: URL;
  /** The Prometheus HTTP API that promql checks query. */
  prometheusUrl?: URL;
  headers: Readonly<Record<string, string>>;
  retries: number;
  requestTimeoutMs: number;
  send: Send;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /** Backoff between attempts (the kit's retry: exponential with jitter). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

class AttemptFailed extends Error {
  constructor(readonly failures: string[]) {
    super(failures.join('; '));
  }
}

/** Headers for a request: the `headers` input first, a check's own headers override by name (case-insensitive). */
export function mergeHeaders(
  global: Readonly<Record<string, string>>,
  own: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged = new Map<string, [string, string]>();
  for (const source of [global, own])
    for (const [name, value] of Object.entries(source)) merged.set(name.toLowerCase(), [name, value]);
  return Object.fromEntries([...merged.values()]);
}

export async function runCheck(check: Check, options: CheckRunOptions): Promise<CheckResult> {
  const { url, headers } = requestOf(check, options);
  const result: CheckResult = {
    name: check.name,
    method: check.method,
    url,
    passed: false,
    attempts: 0,
    durations: [],
    failures: [],
    ...(check.promql ? { kind: 'promql' as const } : {}),
  };
  const log = options.log ?? (() => undefined);
  try {
    await retry(
      async (attempt) => {
        result.attempts = attempt;
        let response: HttpResponse;
        try {
          response = await options.send({
            url,
            method: check.method,
            headers,
            ...(check.body === undefined ? {} : { body: check.body }),
            timeoutMs: options.requestTimeoutMs,
          });
        } catch (error: unknown) {
          delete result.status;
          delete result.durationMs;
          throw new AttemptFailed([transportFailure(error, options.requestTimeoutMs)]);
        }
        result.status = response.status;
        result.durationMs = round(response.durationMs);
        result.durations.push(result.durationMs);
        const failures = check.promql ? evaluatePromql(check.promql, response) : evaluateResponse(check, response);
        if (failures.length > 0) throw new AttemptFailed(failures);
      },
      {
        attempts: options.retries + 1,
        initialDelayMs: options.initialDelayMs ?? 500,
        maxDelayMs: options.maxDelayMs ?? 5000,
        shouldRetry: (error) => error instanceof AttemptFailed,
        onRetry: (error, attempt, delay) =>
          log(
            `  attempt ${attempt} of "${check.name}" failed (${oneLine(describe(error), 300)}); retrying in ${delay} ms`,
          ),
        ...(options.sleep ? { sleep: options.sleep } : {}),
      },
    );
    result.passed = true;
    result.failures = [];
  } catch (error: unknown) {
    if (!(error instanceof AttemptFailed)) throw error;
    result.failures = error.failures;
  }
  return result;
}

/** Where a check's request goes: the service (with the `headers` input), or Prometheus for a promql check (its own headers only). */
function requestOf(check: Check, options: CheckRunOptions): { url: string; headers: Record<string, string> } {
  if (!check.promql)
    return { url: checkUrl(options.baseUrl, check).href, headers: mergeHeaders(options.headers, check.headers) };
  if (!options.prometheusUrl)
    throw new ActionError(`Check "${check.name}" is a promql check but no prometheus-url is set`);
  return {
    url: promqlUrl(options.prometheusUrl, check.promql.query).href,
    headers: mergeHeaders({ accept: 'application/json' }, check.headers),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface ReadyOptions {
  url: string;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  requestTimeoutMs: number;
  send: Send;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  log?: (line: string) => void;
}

export interface ReadyResult {
  polls: number;
  elapsedMs: number;
  status: number;
}

/** Polls `url` with GET until it answers 2xx, for at most `timeoutMs`; throws an ActionError with the last answer otherwise. */
export async function waitForReady(options: ReadyOptions): Promise<ReadyResult> {
  const now = options.now ?? (() => performance.now());
  const wait = options.sleep ?? realSleep;
  const log = options.log ?? (() => undefined);
  const started = now();
  const deadline = started + options.timeoutMs;
  let last: string;
  for (let poll = 1; ; poll++) {
    const remaining = Math.max(MIN_POLL_MS, deadline - now());
    try {
      const response = await options.send({
        url: options.url,
        method: 'GET',
        headers: options.headers,
        timeoutMs: Math.max(1, Math.min(options.requestTimeoutMs, remaining)),
      });
      if (response.status >= 200 && response.status < 300)
        return { polls: poll, elapsedMs: now() - started, status: response.status };
      last = `status ${response.status}${response.body ? `: ${oneLine(response.body, 200)}` : ''}`;
    } catch (error: unknown) {
      last = transportFailure(error, Math.round(Math.min(options.requestTimeoutMs, remaining)));
    }
    // Stop when no useful poll fits before the deadline (a poll with a few ms to answer says nothing).
    const left = deadline - now();
    const delay = Math.max(
      0,
      Math.min(backoffDelay(poll, { initialDelayMs: 250, maxDelayMs: 2000 }), left - MIN_POLL_MS),
    );
    if (left <= MIN_POLL_MS) {
      throw new ActionError(
        `${options.url} was not ready within ${formatDuration(options.timeoutMs)} (wait-for-ready, timeout): ${plural(poll, 'poll')}, last answer: ${last}`,
      );
    }
    log(`  poll ${poll}: ${last}; next in ${delay} ms`);
    await wait(delay);
  }
}
