/** Retry with exponential backoff and full jitter, for calls that fail transiently. */
export interface RetryOptions {
  /** Total attempts including the first (default 3). */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** Return false to stop retrying and rethrow at once (default: retry everything). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * The most all attempts and waits together may take. A wait that would end
   * past it is not started: the last error is rethrown as RetryBudgetError.
   */
  budgetMs?: number;
  /** A wait the other side asked for (HTTP Retry-After), used instead of the backoff. */
  delayFor?: (error: unknown, attempt: number) => number | undefined;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Retrying would take longer than the budget allows: `cause` is the last failure. */
export class RetryBudgetError extends Error {
  override readonly name = 'RetryBudgetError';
  override readonly cause: unknown;
  readonly delayMs: number;
  readonly remainingMs: number;
  constructor(cause: unknown, delayMs: number, remainingMs: number) {
    super(
      `a retry would wait ${Math.ceil(delayMs / 1000)} s but only ${Math.max(0, Math.floor(remainingMs / 1000))} s of the time limit are left`,
    );
    this.cause = cause;
    this.delayMs = delayMs;
    this.remainingMs = remainingMs;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor'> = {},
  random: () => number = Math.random,
): number {
  const { initialDelayMs = 500, maxDelayMs = 10_000, factor = 2 } = options;
  const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `operation` gets its attempt number and the time left of the budget (Infinity without one). */
export async function retry<T>(
  operation: (attempt: number, remainingMs: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const wait = options.sleep ?? sleep;
  const now = options.now ?? (() => performance.now());
  const deadline = options.budgetMs === undefined ? Infinity : now() + options.budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt, deadline - now());
    } catch (error: unknown) {
      if (attempt >= attempts || (options.shouldRetry && !options.shouldRetry(error, attempt))) throw error;
      const delay = options.delayFor?.(error, attempt) ?? backoffDelay(attempt, options, options.random);
      const remaining = deadline - now();
      if (delay >= remaining) throw new RetryBudgetError(error, delay, remaining);
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
