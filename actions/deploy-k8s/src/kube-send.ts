/**
 * Sending one request to the API server: a time limit, every failure as a
 * KubeError, and (when asked) the same request again while the server is
 * away or shedding load, with backoff and within a budget, saying so once in
 * the log and again when it answers.
 */
import { retry, RetryBudgetError } from '@pipeline/action-kit';
import { isTransient, KubeError } from './kube.js';
import { toKubeError } from './kube-errors.js';

export interface Sending {
  server: string;
  timeoutMs: number;
  /** How long a transient failure is retried (0: not at all). */
  retryMs: number;
  log: (message: string) => void;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KubeError(
            `${what}: the Kubernetes API server ${server} did not answer within ${Math.round(ms / 1000)} s`,
          ),
        ),
      ms,
    );
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function once<T>(sending: Sending, doing: string, body: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(body(), sending.timeoutMs, doing, sending.server);
  } catch (error: unknown) {
    throw toKubeError(error, doing, sending.server);
  }
}

/** One request; with `failFast` (or no retry budget) a transient failure is thrown at once. */
export async function send<T>(sending: Sending, doing: string, body: () => Promise<T>, failFast = false): Promise<T> {
  const { retryMs, log } = sending;
  if (failFast || retryMs <= 0) return once(sending, doing, body);
  let firstFailure: number | undefined;
  try {
    const result = await retry(() => once(sending, doing, body), {
      attempts: Number.POSITIVE_INFINITY,
      initialDelayMs: 250,
      factor: 2,
      maxDelayMs: 2000,
      budgetMs: retryMs,
      shouldRetry: isTransient,
      onRetry: (error) => {
        if (firstFailure !== undefined) return;
        firstFailure = performance.now();
        log(`${(error as Error).message}; sending it again for up to ${Math.round(retryMs / 1000)} s`);
      },
    });
    if (firstFailure !== undefined)
      log(`${doing}: the API server answered again after ${((performance.now() - firstFailure) / 1000).toFixed(1)} s`);
    return result;
  } catch (error: unknown) {
    // Out of time: the last failure is the one to report.
    throw error instanceof RetryBudgetError ? error.cause : error;
  }
}
