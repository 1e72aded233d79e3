// Fixed-window rate limit per client IP, counted in Redis so that every pod shares the budget.
// When Redis is unavailable the window is counted in process (per pod) instead: the service
// keeps protecting itself without failing requests because its cache is down.
import { MemoryCache, type Cache } from './cache/cache.ts';

export class RateLimiter {
  private readonly local = new MemoryCache(100_000);

  private readonly store: Cache;
  readonly max: number;
  readonly windowMs: number;

  constructor(store: Cache, max: number, windowMs: number) {
    this.store = store;
    this.max = max;
    this.windowMs = windowMs;
  }

  async hit(client: string): Promise<{ count: number; resetMs: number }> {
    const now = Date.now();
    const window = Math.floor(now / this.windowMs);
    const key = `rl:${client}:${window}`;
    const resetMs = (window + 1) * this.windowMs - now;
    const shared =
      this.store.kind === 'redis' ? await this.store.incrWindow(key, this.windowMs) : undefined;
    const count = shared ?? (await this.local.incrWindow(key, this.windowMs));
    return { count, resetMs };
  }
}
