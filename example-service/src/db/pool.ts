// PostgreSQL access: one pg.Pool per process, sized per pod, with statement timeouts.
// pg is loaded with require() so that OpenTelemetry's pg instrumentation (which hooks
// require) sees it when tracing is on.
import { createRequire } from 'node:module';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Logger } from 'pino';

const require = createRequire(import.meta.url);
const pg = require('pg') as typeof import('pg');

// bigint (int8) ids come back as strings, which is what GraphQL's ID wants; counts we cast in SQL.

export interface DbOptions {
  connectionString: string;
  max: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  applicationName?: string;
}

export type QueryListener = (text: string) => void;

export class Db {
  readonly pool: Pool;
  /** Total queries sent (tests use it to prove batching). */
  queryCount = 0;
  private listeners = new Set<QueryListener>();

  private readonly log: Logger | undefined;

  constructor(opts: DbOptions, log?: Logger) {
    this.log = log;
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: opts.statementTimeoutMs,
      query_timeout: opts.statementTimeoutMs + 1000,
      idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
      application_name: opts.applicationName ?? 'example-service',
    });
    // An idle client losing its connection (PostgreSQL restarted) emits here; the pool drops
    // the client and opens a new one on the next query. Without a listener the process would crash.
    this.pool.on('error', (err: Error) => {
      this.log?.warn(
        {
          err: { message: err.message, code: (err as { code?: string }).code },
        },
        'idle PostgreSQL client error',
      );
    });
  }

  onQuery(listener: QueryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private count(text: string): void {
    this.queryCount++;
    for (const l of this.listeners) l(text);
  }

  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    this.count(text);
    const res = await this.pool.query<R>(text, params);
    return res.rows;
  }

  async tx<T>(
    fn: (
      q: <R extends QueryResultRow = QueryResultRow>(
        text: string,
        params?: unknown[],
      ) => Promise<R[]>,
    ) => Promise<T>,
  ): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    const q = async <R extends QueryResultRow = QueryResultRow>(
      text: string,
      params: unknown[] = [],
    ): Promise<R[]> => {
      this.count(text);
      return (await client.query<R>(text, params)).rows;
    };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async ping(timeoutMs: number): Promise<void> {
    await withTimeout(this.pool.query('SELECT 1'), timeoutMs, 'PostgreSQL ping timed out');
  }

  stats(): { total: number; idle: number; waiting: number; max: number } {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.pool.options.max ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
