// Shared cache used by the data loaders and the rate limiter.
//
// Invalidation is by version: every key carries the catalogue version (`v<N>`), read once per
// request before any database read. A mutation commits, then increments the version, so every
// entry written under an older version becomes unreachable at once (and expires by TTL). A
// concurrent reader that filled the cache with pre-mutation rows wrote them under the old
// version, so they are never served after the bump.
//
// Redis down: every cache operation fails fast (offline queue disabled + short timeout), the
// caller reads PostgreSQL instead, and the service reports `degraded`. A mutation that could not
// bump the version leaves this pod with the cache switched off until a bump succeeds, and every
// (re)connection bumps the version before the cache is used again, so entries written before an
// outage are never served after it.
import { createClient } from 'redis';
import type { Logger } from 'pino';
import { withTimeout } from '../db/pool.ts';

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

export interface Cache {
  readonly kind: 'redis' | 'memory';
  /** Current catalogue version, or undefined when the cache must not be used now. */
  version(): Promise<string | undefined>;
  mget(keys: string[]): Promise<(string | null)[] | undefined>;
  mset(entries: Array<[string, string]>, ttlSeconds: number): Promise<void>;
  /** Make every cached catalogue entry unreachable (after a committed mutation). */
  invalidate(): Promise<void>;
  /** Fixed-window counter for rate limiting; undefined when the store is unavailable. */
  incrWindow(key: string, windowMs: number): Promise<number | undefined>;
  /** Throws when the backing store does not answer within timeoutMs. */
  ping(timeoutMs: number): Promise<void>;
  connected(): boolean;
  readonly stats: CacheStats;
  /**
   * In-process copy of entries of one catalogue version. Versioned entries never change, so a
   * local copy is coherent by construction: a new version (any pod's mutation) starts empty.
   */
  local(version: string): Map<string, unknown>;
  close(): Promise<void>;
}

/** Bounded per-version in-process map (shared by both cache kinds). */
export class LocalTier {
  private version = '';
  private map = new Map<string, unknown>();
  private bornAt = 0;
  private readonly max: number;
  private readonly maxAgeMs: number;

  /** maxAgeMs bounds staleness like the shared entries' TTL (a write that could not bump the version). */
  constructor(max = 20_000, maxAgeMs = 60_000) {
    this.max = max;
    this.maxAgeMs = maxAgeMs;
  }

  get(version: string): Map<string, unknown> {
    const now = Date.now();
    if (version !== this.version || this.map.size > this.max || now - this.bornAt > this.maxAgeMs) {
      this.version = version;
      this.map = new Map();
      this.bornAt = now;
    }
    return this.map;
  }

  clear(): void {
    this.version = '';
    this.map = new Map();
  }
}

export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly client: ReturnType<typeof createClient>;
  /** True once the version has been bumped on the current connection and no bump is owed. */
  private usable = false;
  private bumping: Promise<void> | undefined;
  private lastWarn = 0;
  private tier = new LocalTier();

  local(version: string): Map<string, unknown> {
    return this.tier.get(version);
  }

  /** Entries live at most ttlSeconds in the in-process tier too. */
  setLocalTtl(ttlSeconds: number): void {
    this.tier = new LocalTier(20_000, ttlSeconds * 1000);
  }

  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly versionKey: string;

  /** prefix namespaces every key (several services or test runs can share one Redis). */
  constructor(url: string, timeoutMs: number, log: Logger, prefix = 'es:') {
    this.timeoutMs = timeoutMs;
    this.log = log;
    this.prefix = prefix;
    this.versionKey = `${prefix}catalog:version`;
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
      },
    });
    this.client.on('error', (err: Error) => this.warn(err, 'redis client error'));
    this.client.on('ready', () => {
      this.log.info('redis connected');
      this.usable = false;
      this.tier.clear();
      void this.bump();
    });
    this.client.on('end', () => {
      this.usable = false;
      this.tier.clear();
    });
  }

  async connect(): Promise<void> {
    // Do not fail start-up when Redis is down: the client keeps reconnecting in the background.
    this.client.connect().catch((err: unknown) => this.warn(err, 'redis connect failed'));
  }

  private warn(err: unknown, msg: string): void {
    this.stats.errors++;
    const now = Date.now();
    if (now - this.lastWarn > 5000) {
      this.lastWarn = now;
      this.log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, msg);
    }
  }

  private bump(): Promise<void> {
    this.bumping ??= (async () => {
      try {
        // Start from a microsecond timestamp when the key is missing (new or wiped Redis), so a
        // version number is never reused: in-process tiers keyed by an old number stay unreachable.
        await withTimeout(
          this.client
            .multi()
            .set(this.versionKey, String(Date.now() * 1000), {
              condition: 'NX',
            })
            .incr(this.versionKey)
            .exec(),
          this.timeoutMs * 5,
          'redis INCR timed out',
        );
        this.usable = true;
      } catch (err) {
        this.usable = false;
        this.warn(err, 'cache invalidation failed; cache off until it succeeds');
      } finally {
        this.bumping = undefined;
      }
    })();
    return this.bumping;
  }

  connected(): boolean {
    return this.client.isReady;
  }

  async version(): Promise<string | undefined> {
    if (!this.client.isReady) return undefined;
    if (!this.usable) {
      await this.bump();
      if (!this.usable) return undefined;
    }
    try {
      const v = await withTimeout(
        this.client.get(this.versionKey),
        this.timeoutMs,
        'redis GET timed out',
      );
      if (v === null) {
        // wiped (FLUSHALL, failover to an empty replica): start a fresh, never-used version
        this.tier.clear();
        this.usable = false;
        void this.bump();
        return undefined;
      }
      return v;
    } catch (err) {
      this.warn(err, 'cache read failed');
      return undefined;
    }
  }

  async mget(keys: string[]): Promise<(string | null)[] | undefined> {
    if (!this.client.isReady || keys.length === 0) return undefined;
    try {
      const values = await withTimeout(
        this.client.mGet(keys.map((k) => this.prefix + k)),
        this.timeoutMs,
        'redis MGET timed out',
      );
      for (const v of values) {
        if (v === null) this.stats.misses++;
        else this.stats.hits++;
      }
      return values;
    } catch (err) {
      this.warn(err, 'cache read failed');
      return undefined;
    }
  }

  async mset(entries: Array<[string, string]>, ttlSeconds: number): Promise<void> {
    if (!this.client.isReady || entries.length === 0) return;
    try {
      const m = this.client.multi();
      for (const [k, v] of entries)
        m.set(this.prefix + k, v, {
          expiration: { type: 'EX', value: ttlSeconds },
        });
      await withTimeout(m.exec(), this.timeoutMs, 'redis SET timed out');
    } catch (err) {
      this.warn(err, 'cache write failed');
    }
  }

  async invalidate(): Promise<void> {
    this.usable = false;
    this.tier.clear();
    if (!this.client.isReady) return; // the 'ready' handler bumps on reconnection
    await this.bump();
  }

  async incrWindow(key: string, windowMs: number): Promise<number | undefined> {
    if (!this.client.isReady) return undefined;
    try {
      const [count] = await withTimeout(
        this.client
          .multi()
          .incr(this.prefix + key)
          .pExpire(this.prefix + key, windowMs, 'NX')
          .exec(),
        this.timeoutMs,
        'redis INCR timed out',
      );
      return Number(count);
    } catch (err) {
      this.warn(err, 'rate limit store failed');
      return undefined;
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    if (!this.client.isReady) throw new Error('not connected');
    await withTimeout(this.client.ping(), timeoutMs, 'PING timed out');
  }

  async close(): Promise<void> {
    try {
      if (this.client.isOpen) await this.client.close();
    } catch {
      this.client.destroy();
    }
  }
}

/** In-process cache for single-instance runs without REDIS_URL (LRU with TTL). */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly map = new Map<string, { v: string; exp: number }>();
  private ver = 1;
  private tier = new LocalTier();

  local(version: string): Map<string, unknown> {
    return this.tier.get(version);
  }

  /** Entries live at most ttlSeconds in the in-process tier too. */
  setLocalTtl(ttlSeconds: number): void {
    this.tier = new LocalTier(20_000, ttlSeconds * 1000);
  }

  private readonly maxEntries: number;

  constructor(maxEntries = 50_000) {
    this.maxEntries = maxEntries;
  }

  async version(): Promise<string> {
    return String(this.ver);
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    const now = Date.now();
    return keys.map((k) => {
      const e = this.map.get(k);
      if (e === undefined || e.exp <= now) {
        if (e) this.map.delete(k);
        this.stats.misses++;
        return null;
      }
      this.stats.hits++;
      return e.v;
    });
  }

  async mset(entries: Array<[string, string]>, ttlSeconds: number): Promise<void> {
    const exp = Date.now() + ttlSeconds * 1000;
    for (const [k, v] of entries) {
      this.map.delete(k);
      this.map.set(k, { v, exp });
    }
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  async invalidate(): Promise<void> {
    this.ver++;
    this.map.clear();
  }

  async incrWindow(key: string, windowMs: number): Promise<number> {
    const now = Date.now();
    const e = this.map.get(key);
    if (e === undefined || e.exp <= now) {
      this.map.delete(key);
      this.map.set(key, { v: '1', exp: now + windowMs });
      while (this.map.size > this.maxEntries) {
        const oldest = this.map.keys().next().value;
        if (oldest === undefined) break;
        this.map.delete(oldest);
      }
      return 1;
    }
    const n = Number(e.v) + 1;
    e.v = String(n);
    return n;
  }

  async ping(): Promise<void> {}
  connected(): boolean {
    return true;
  }
  async close(): Promise<void> {
    this.map.clear();
  }
}
