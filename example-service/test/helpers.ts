// Test helpers: a fresh database per test file on the real PostgreSQL, the real Redis, and the
// real application listening on a loopback port.
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.ts';
import { Db } from '../src/db/pool.ts';
import { migrate } from '../src/db/migrate.ts';
import { MemoryCache, RedisCache, type Cache } from '../src/cache/cache.ts';
import { buildApp, type AppHandle } from '../src/app.ts';
import { servicesEnv } from './services.ts';

export const quietLog = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A logger that keeps every line (debug and up) for assertions on what the service logs. */
export function capturedLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }), lines };
}

/**
 * Under 1 KB: each fragment spreads the next one twice, `depth` levels, so the operation
 * expands to about 3 * 2^depth selections.
 */
export function fragmentBomb(depth: number): string {
  let q = 'query Bomb{...F0}';
  for (let i = 0; i < depth; i++) q += `fragment F${i} on Query{...F${i + 1} ...F${i + 1}}`;
  return `${q}fragment F${depth} on Query{__typename}`;
}

/** Creates an empty database on the test PostgreSQL and returns its URL. */
export async function freshDatabase(label: string): Promise<string> {
  const { DATABASE_URL } = servicesEnv();
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`); // name is generated above, never user input
  } finally {
    await admin.end();
  }
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestApp {
  url: string;
  handle: AppHandle;
  db: Db;
  cache: Cache;
  config: Config;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function startApp(
  opts: {
    env?: Record<string, string>;
    databaseUrl?: string;
    redis?: boolean;
    label?: string;
    log?: Logger;
  } = {},
): Promise<TestApp> {
  const databaseUrl = opts.databaseUrl ?? (await freshDatabase(opts.label ?? 'app'));
  const { REDIS_URL } = servicesEnv();
  const config = loadConfig({
    NODE_ENV: 'test',
    RATE_LIMIT_MAX: '100000',
    ...opts.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
  });
  const log = opts.log ?? quietLog();
  const db = new Db(
    {
      connectionString: databaseUrl,
      max: config.pgPoolMax,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      connectTimeoutMs: config.pgConnectTimeoutMs,
    },
    log,
  );
  await migrate(db);
  let cache: Cache;
  if (opts.redis === false) {
    cache = new MemoryCache();
  } else {
    const rc = new RedisCache(
      REDIS_URL,
      config.cacheTimeoutMs,
      log,
      opts.env?.CACHE_KEY_PREFIX ?? `test:${randomBytes(4).toString('hex')}:`,
    );
    await rc.connect();
    for (let i = 0; i < 100 && !rc.connected(); i++) await new Promise((r) => setTimeout(r, 20));
    cache = rc;
  }
  const handle = await buildApp({ config, db, cache, log });
  await handle.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = handle.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    handle,
    db,
    cache,
    config,
    databaseUrl,
    close: async () => {
      await handle.app.close();
      await db.close();
      await cache.close();
    },
  };
}

export interface GqlResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{
      message: string;
      extensions?: Record<string, any>;
      path?: unknown[];
    }>;
  };
  text: string;
}

export async function gql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GqlResponse> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse(text),
    text,
  };
}

/** Queries sent to PostgreSQL while fn runs. */
export async function countQueries(db: Db, fn: () => Promise<unknown>): Promise<number> {
  const before = db.queryCount;
  await fn();
  return db.queryCount - before;
}

export const NESTED = /* GraphQL */ `
  query Nested {
    authors(first: 10) {
      id
      name
      bookCount
      books(first: 5) {
        id
        title
        averageRating
        reviews(first: 3) {
          id
          rating
          reviewer
        }
      }
    }
  }
`;
