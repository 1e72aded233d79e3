// Configuration from environment variables, parsed and validated once at start-up.

export interface Config {
  port: number;
  host: string;
  nodeEnv: string;
  production: boolean;
  logLevel: string;
  databaseUrl: string | undefined;
  embeddedPgDir: string;
  embeddedPgPort: number;
  pgPoolMax: number;
  pgStatementTimeoutMs: number;
  pgConnectTimeoutMs: number;
  migrateOnStart: boolean;
  redisUrl: string | undefined;
  cacheEnabled: boolean;
  cacheTtlSeconds: number;
  cacheTimeoutMs: number;
  cacheKeyPrefix: string;
  rateLimitEnabled: boolean;
  rateLimitMax: number;
  rateLimitWindowMs: number;
  bodyLimitBytes: number;
  maxQueryDepth: number;
  maxQueryCost: number;
  maxPageSize: number;
  /** Selections once fragments are inlined, checked before any other validation. */
  maxQuerySelections: number;
  introspection: boolean;
  /** "Did you mean ...?" in error messages; they reveal the schema as introspection does. */
  suggestions: boolean;
  graphiql: boolean;
  readinessTimeoutMs: number;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  trustProxy: boolean;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(
      `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function str(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const introspection = bool(env, 'GRAPHQL_INTROSPECTION', !production);
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST ?? '0.0.0.0',
    nodeEnv,
    production,
    logLevel: env.LOG_LEVEL ?? 'info',
    databaseUrl: str(env, 'DATABASE_URL'),
    embeddedPgDir: env.EMBEDDED_PG_DIR ?? '.data/postgres',
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1, 65535),
    // 20 production replicas x 4 = 80 connections, under PostgreSQL's default
    // max_connections=100 with room for migrations, admins and superuser_reserved_connections.
    pgPoolMax: int(env, 'PG_POOL_MAX', 4, 1, 100),
    pgStatementTimeoutMs: int(env, 'PG_STATEMENT_TIMEOUT_MS', 5000, 1),
    pgConnectTimeoutMs: int(env, 'PG_CONNECT_TIMEOUT_MS', 2000, 1),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', str(env, 'DATABASE_URL') === undefined),
    redisUrl: str(env, 'REDIS_URL'),
    cacheEnabled: bool(env, 'CACHE_ENABLED', true),
    cacheTtlSeconds: int(env, 'CACHE_TTL_SECONDS', 60, 1),
    cacheTimeoutMs: int(env, 'CACHE_TIMEOUT_MS', 100, 1),
    cacheKeyPrefix: env.CACHE_KEY_PREFIX ?? 'es:',
    rateLimitEnabled: bool(env, 'RATE_LIMIT_ENABLED', true),
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 600, 1),
    rateLimitWindowMs: int(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 100),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 100 * 1024, 1024),
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 8, 1),
    maxQueryCost: int(env, 'MAX_QUERY_COST', 5000, 1),
    maxPageSize: int(env, 'MAX_PAGE_SIZE', 100, 1),
    maxQuerySelections: int(env, 'MAX_QUERY_SELECTIONS', 2000, 1),
    introspection,
    suggestions: bool(env, 'GRAPHQL_SUGGESTIONS', introspection),
    graphiql: bool(env, 'GRAPHIQL', !production),
    readinessTimeoutMs: int(env, 'READINESS_TIMEOUT_MS', 1000, 1),
    shutdownDelayMs: int(env, 'SHUTDOWN_DELAY_MS', production ? 5000 : 0, 0),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 1),
    trustProxy: bool(env, 'TRUST_PROXY', false),
  };
}
