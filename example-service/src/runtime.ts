// Wiring shared by `npm start` and `npm run migrate`: database (given or embedded), cache, migrations.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { Db } from './db/pool.ts';
import { migrate } from './db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedPg } from './db/embedded.ts';
import { MemoryCache, RedisCache, type Cache } from './cache/cache.ts';

export interface Runtime {
  db: Db;
  cache: Cache;
  embedded: EmbeddedPg | undefined;
  close(): Promise<void>;
}

export async function openDatabase(
  config: Config,
  log: Logger,
): Promise<{ db: Db; embedded: EmbeddedPg | undefined }> {
  let url = config.databaseUrl;
  let embedded: EmbeddedPg | undefined;
  if (!url) {
    log.info('DATABASE_URL is not set: starting an embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(config.embeddedPgDir, config.embeddedPgPort, log);
    url = embedded.url;
  }
  const db = new Db(
    {
      connectionString: url,
      max: config.pgPoolMax,
      statementTimeoutMs: config.pgStatementTimeoutMs,
      connectTimeoutMs: config.pgConnectTimeoutMs,
    },
    log,
  );
  return { db, embedded };
}

export async function openRuntime(config: Config, log: Logger): Promise<Runtime> {
  const { db, embedded } = await openDatabase(config, log);
  if (config.migrateOnStart) {
    const r = await migrate(db);
    log.info({ applied: r.applied, version: r.current }, 'migrations done');
  }
  let cache: Cache;
  if (config.redisUrl) {
    const rc = new RedisCache(config.redisUrl, config.cacheTimeoutMs, log, config.cacheKeyPrefix);
    rc.setLocalTtl(config.cacheTtlSeconds);
    await rc.connect();
    cache = rc;
  } else {
    log.info('REDIS_URL is not set: using an in-process cache (single instance only)');
    cache = new MemoryCache();
  }
  return {
    db,
    cache,
    embedded,
    close: async () => {
      await Promise.allSettled([db.close(), cache.close()]);
      if (embedded) await embedded.stop();
    },
  };
}
