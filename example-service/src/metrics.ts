import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './db/pool.ts';
import type { Cache } from './cache/cache.ts';

export type Metrics = ReturnType<typeof createMetrics>;

/** All label values are bounded: route templates, methods, status codes, operation types, error codes. */
export function createMetrics(db: Db, cache: Cache, isDegraded: () => boolean) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const buckets = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const httpErrors = new Counter({
    name: 'http_request_errors_total',
    help: 'HTTP responses with status >= 500 by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets,
    registers: [registry],
  });
  const gqlDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL execution duration by operation type and outcome',
    labelNames: ['operation_type', 'outcome'] as const,
    buckets,
    registers: [registry],
  });
  const gqlErrors = new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL errors by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'rate_limited_requests_total',
    help: 'Requests refused with 429',
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = db.stats();
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
      this.set({ state: 'max' }, s.max);
    },
  });
  new Counter({
    name: 'db_queries_total',
    help: 'SQL statements sent to PostgreSQL',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(db.queryCount);
    },
  });
  new Counter({
    name: 'cache_operations_total',
    help: 'Cache lookups and errors by result (hit, miss, error)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, cache.stats.hits);
      this.inc({ result: 'miss' }, cache.stats.misses);
      this.inc({ result: 'error' }, cache.stats.errors);
    },
  });
  new Gauge({
    name: 'cache_up',
    help: '1 when the cache backend is connected',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ kind: cache.kind }, cache.connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'service_degraded',
    help: '1 while the service answers without its cache (Redis unavailable)',
    registers: [registry],
    collect() {
      this.set(isDegraded() ? 1 : 0);
    },
  });
  return {
    registry,
    httpRequests,
    httpErrors,
    httpDuration,
    gqlDuration,
    gqlErrors,
    rateLimited,
  };
}
