// Benchmark baseline: Apollo Server on Express, serving the SAME schema, resolvers, loaders,
// database pool and cache as the service (only the HTTP/GraphQL layer differs).
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { Db } from '../src/db/pool.ts';
import { MemoryCache, RedisCache, type Cache } from '../src/cache/cache.ts';
import { typeDefs } from '../src/graphql/schema.ts';
import { resolvers, type GqlContext } from '../src/graphql/resolvers.ts';
import { createLoaders, type CacheCtx } from '../src/graphql/loaders.ts';

const config = loadConfig();
const log = pino({ level: 'warn' });
if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
const db = new Db(
  {
    connectionString: config.databaseUrl,
    max: config.pgPoolMax,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    connectTimeoutMs: config.pgConnectTimeoutMs,
  },
  log,
);
let cache: Cache;
if (config.redisUrl) {
  const rc = new RedisCache(config.redisUrl, config.cacheTimeoutMs, log, config.cacheKeyPrefix);
  await rc.connect();
  cache = rc;
} else {
  cache = new MemoryCache();
}

const server = new ApolloServer<GqlContext>({
  typeDefs,
  resolvers: resolvers as never,
});
await server.start();
const app = express();
app.get('/health/ready', (_req, res) => {
  res.json({ status: 'ok' });
});
app.use(
  '/graphql',
  express.json({ limit: config.bodyLimitBytes }),
  expressMiddleware(server, {
    context: async (): Promise<GqlContext> => {
      const cacheCtx: CacheCtx = {
        cache,
        enabled: config.cacheEnabled,
        ttlSeconds: config.cacheTtlSeconds,
      };
      return {
        db,
        cache,
        cacheCtx,
        loaders: createLoaders(db, cacheCtx),
        maxPageSize: config.maxPageSize,
      };
    },
  }),
);
const listener = app.listen(config.port, '127.0.0.1', () =>
  log.warn({ port: config.port }, 'apollo baseline listening'),
);
process.on('SIGTERM', () => {
  listener.close();
  void server
    .stop()
    .then(() => Promise.allSettled([db.close(), cache.close()]))
    .then(() => process.exit(0));
});
