// HTTP application: Fastify + Mercurius (graphql-jit), health, metrics, rate limiting, safety limits.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type OperationDefinitionNode,
} from 'graphql';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  propagation,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './db/pool.ts';
import type { Cache } from './cache/cache.ts';
import { typeDefs } from './graphql/schema.ts';
import { resolvers, type GqlContext } from './graphql/resolvers.ts';
import { createLoaders, type CacheCtx } from './graphql/loaders.ts';
import { costLimitRule, depthLimitRule } from './graphql/limits.ts';
import { PUBLIC_CODES, isUnavailable } from './graphql/errors.ts';
import { isParsedDocument, selectionBudgetError } from './graphql/expansion.ts';
import { requestShapeProblem } from './graphql/request-shape.ts';
import { createMetrics } from './metrics.ts';
import { RateLimiter } from './ratelimit.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  cache: Cache;
  log: Logger;
  /** OpenTelemetry SDK started: make an HTTP server span per request (see traceRequests). */
  tracing?: boolean;
}

export interface AppHandle {
  app: FastifyInstance;
  /** Start draining: readiness 503, `Connection: close` on every response, then close the server. */
  drain(): Promise<void>;
  readonly state: { shuttingDown: boolean };
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

function operationOf(
  document: DocumentNode,
  name: string | undefined | null,
): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return name ? ops.find((o) => o.name?.value === name) : ops[0];
}

// graphql's "Did you mean ...?" sentence; validation omits it itself (hideSuggestions), but
// Mercurius coerces variables without that option.
const SUGGESTION = / Did you mean [^?]*\?/g;

/** Client-safe error: our own coded errors and spec validation errors pass; everything else is masked and logged. */
function sanitize(err: GraphQLError, log: Logger, suggestions: boolean): Record<string, unknown> {
  const original = err.originalError;
  const code = err.extensions?.code as string | undefined;
  const ours = original === undefined || original instanceof GraphQLError;
  if (ours && (code === undefined || PUBLIC_CODES.has(code))) {
    const json = err.toJSON() as unknown as Record<string, unknown>;
    const extensions = {
      ...(json.extensions as Record<string, unknown> | undefined),
      code: code ?? 'GRAPHQL_VALIDATION_FAILED',
    };
    const message = suggestions ? json.message : String(json.message).replace(SUGGESTION, '');
    return { ...json, message, extensions };
  }
  const cause = original ?? err;
  const status = (cause as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // HTTP-level client errors raised by Fastify on the GraphQL route (body too large, bad JSON, ...)
    const tooLarge = (cause as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    return {
      message: tooLarge ? 'Request body is too large' : cause.message,
      extensions: { code: tooLarge ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST' },
    };
  }
  if (isUnavailable(cause)) {
    log.warn(
      {
        err: {
          message: cause.message,
          code: (cause as { code?: string }).code,
        },
        path: err.path,
      },
      'dependency unavailable',
    );
    return {
      message: 'Service temporarily unavailable, please retry',
      path: err.path,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    };
  }
  log.error({ err: cause, path: err.path }, 'unexpected resolver error');
  return {
    message: 'Internal server error',
    path: err.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

const kSpan = Symbol('otel.span');
const UNTRACED = /^\/(health\/|metrics)/;

/**
 * HTTP server spans from Fastify hooks (HTTP semantic conventions, W3C trace context continued).
 * The span is made active for the rest of the request with context.with(..., done), so the pg
 * spans and the log lines of the request carry its trace id. Measured on the nested benchmark
 * query, @opentelemetry/instrumentation-http's incoming-request wrapping cost ~30% of the CPU per
 * request even with sampling off (it binds every request/response emitter); these hooks cost a
 * few percent. Outgoing HTTP stays with instrumentation-http.
 */
function traceRequests(app: FastifyInstance): void {
  const tracer = trace.getTracer('example-service');
  app.addHook('onRequest', (req, _reply, done) => {
    if (UNTRACED.test(req.url)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const route = req.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.url.split('?')[0],
          'url.scheme': req.protocol,
          ...(route ? { 'http.route': route } : {}),
          'client.address': req.ip,
          'network.protocol.version': req.raw.httpVersion,
          'user_agent.original': req.headers['user-agent'] ?? '',
          'http.request.id': req.id,
        },
      },
      parent,
    );
    (req as unknown as Record<symbol, Span>)[kSpan] = span;
    otelContext.with(trace.setSpan(parent, span), done);
  });
  const finish = (req: object, status: number | undefined, aborted: boolean) => {
    const span = (req as Record<symbol, Span | undefined>)[kSpan];
    if (!span) return;
    (req as Record<symbol, Span | undefined>)[kSpan] = undefined;
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (aborted)
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: 'request aborted',
      });
    else if (status !== undefined && status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  app.addHook('onResponse', (req, reply, done) => {
    finish(req, reply.statusCode, false);
    done();
  });
  app.addHook('onRequestAbort', (req, done) => {
    finish(req, undefined, true);
    done();
  });
}

export async function buildApp({
  config,
  db,
  cache,
  log,
  tracing = false,
}: AppDeps): Promise<AppHandle> {
  const state = { shuttingDown: false };
  const isDegraded = () => cache.kind === 'redis' && !cache.connected();
  const metrics = createMetrics(db, cache, isDegraded);
  const limiter = new RateLimiter(cache, config.rateLimitMax, config.rateLimitWindowMs);
  const knownCodes = new Set([...PUBLIC_CODES, 'INTERNAL_SERVER_ERROR']);

  const app = Fastify({
    loggerInstance: log,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID_RE.test(h) ? h : randomUUID();
    },
    // Requests that reach us while closing are still served; draining is done with Connection: close.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Fastify's own per-request lines are replaced by the onResponse hook below (warn on 5xx/slow, else debug).
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: true,
    }),
  });

  if (tracing) traceRequests(app as unknown as FastifyInstance);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // At send time, not at arrival: a request already in flight when the drain starts must close its
  // keep-alive socket too, or the server waits for the client (up to keepAliveTimeout) after closing.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (state.shuttingDown) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) metrics.httpErrors.inc(labels);
    // access log: 5xx and slow requests at warn, 4xx at info, the rest at debug
    const level =
      reply.statusCode >= 500 || reply.elapsedTime > 1000
        ? 'warn'
        : reply.statusCode >= 400
          ? 'info'
          : 'debug';
    if ((req.log as unknown as Logger).isLevelEnabled(level)) {
      req.log[level](
        {
          method: req.method,
          url: req.url.split('?')[0],
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({
        errors: [
          {
            message: 'Internal server error',
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      });
    }
    const code =
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : 'BAD_REQUEST';
    const message =
      code === 'PAYLOAD_TOO_LARGE'
        ? `Request body is larger than ${config.bodyLimitBytes} bytes`
        : err.message;
    return reply.status(status).send({ errors: [{ message, extensions: { code } }] });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({
      errors: [
        {
          message: `Route ${req.method} ${req.url.split('?')[0]} not found`,
          extensions: { code: 'NOT_FOUND' },
        },
      ],
    });
  });

  // ---- health
  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_req, reply) => {
    if (state.shuttingDown)
      return reply.status(503).send({ status: 'shutting_down', failed: ['shutdown'] });
    const timeout = config.readinessTimeoutMs;
    const check = async (fn: () => Promise<void>) => {
      const t0 = performance.now();
      try {
        await fn();
        return { status: 'ok', ms: Math.round(performance.now() - t0) };
      } catch (err) {
        return {
          status: 'down',
          error: err instanceof Error ? err.message : String(err),
        };
      }
    };
    const [postgres, cacheCheck] = await Promise.all([
      check(() => db.ping(timeout)),
      check(() => cache.ping(timeout)),
    ]);
    const checks = {
      postgres,
      [cache.kind === 'redis' ? 'redis' : 'cache']: {
        ...cacheCheck,
        kind: cache.kind,
      },
    };
    if (postgres.status !== 'ok') {
      const failed = ['postgres', ...(cacheCheck.status !== 'ok' ? ['redis'] : [])];
      return reply.status(503).send({ status: 'unavailable', failed, checks });
    }
    if (cacheCheck.status !== 'ok') {
      // Redis is a cache: without it answers come from PostgreSQL, so the pod stays in service.
      return reply.status(200).send({ status: 'degraded', degraded: ['redis'], checks });
    }
    return { status: 'ok', checks };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // ---- rate limiting (GraphQL endpoint only; probes and scrapes are never limited)
  if (config.rateLimitEnabled) {
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/graphql')) return;
      const r = await limiter.hit(req.ip);
      reply.header('ratelimit-limit', String(config.rateLimitMax));
      reply.header('ratelimit-remaining', String(Math.max(0, config.rateLimitMax - r.count)));
      reply.header('ratelimit-reset', String(Math.ceil(r.resetMs / 1000)));
      if (r.count > config.rateLimitMax) {
        metrics.rateLimited.inc();
        reply.header('retry-after', String(Math.ceil(r.resetMs / 1000)));
        return reply.status(429).send({
          errors: [
            {
              message: 'Too many requests, slow down',
              extensions: { code: 'RATE_LIMITED' },
            },
          ],
        });
      }
    });
  }

  // ---- GraphQL
  // Parameter types as the client sent them (before Fastify's schema coercion): 400, nothing run.
  app.addHook('preValidation', async (req, reply) => {
    if (req.routeOptions.url !== '/graphql') return;
    const problem = requestShapeProblem(req.method === 'GET' ? req.query : req.body);
    if (problem === undefined) return;
    return reply
      .status(400)
      .send({ errors: [{ message: problem, extensions: { code: 'BAD_REQUEST' } }] });
  });

  const validationRules = [
    depthLimitRule(config.maxQueryDepth),
    costLimitRule(config.maxQueryCost, config.maxPageSize),
    ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: resolvers as never,
    path: '/graphql',
    jit: 1,
    graphiql: config.graphiql,
    validationRules,
    graphql: { validateOptions: { hideSuggestions: !config.suggestions } as never },
    context: (): GqlContext => {
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
    errorFormatter: (execution, context) => {
      const reqLog = (context.reply?.log ?? log) as Logger;
      const flat: GraphQLError[] = execution.errors.flatMap((e) => {
        const inner = (e.originalError as { errors?: unknown } | undefined)?.errors;
        return Array.isArray(inner) ? (inner as GraphQLError[]) : [e];
      });
      const errors = flat.map((e) =>
        sanitize(
          e instanceof GraphQLError ? e : new GraphQLError(String((e as Error).message ?? e)),
          reqLog,
          config.suggestions,
        ),
      );
      for (const e of errors) {
        const code = (e.extensions as { code?: string }).code ?? 'OTHER';
        metrics.gqlErrors.inc({ code: knownCodes.has(code) ? code : 'OTHER' });
      }
      const ex = execution as typeof execution & { statusCode?: number };
      let statusCode = execution.data ? 200 : (ex.statusCode ?? 200);
      if (!execution.data && ex.statusCode === undefined && execution.errors.length === 1) {
        const sc = (execution.errors[0].originalError as { statusCode?: unknown } | undefined)
          ?.statusCode;
        if (typeof sc === 'number') statusCode = sc;
      }
      return {
        statusCode,
        response: { data: execution.data ?? null, errors } as never,
      };
    },
  });

  // Before any validation rule: only parsed documents, and within the expansion budget (a linear
  // count; the spec, depth and cost rules all walk expanded fragments).
  app.graphql.addHook('preValidation', async (_schema, document) => {
    const error = isParsedDocument(document)
      ? selectionBudgetError(document, config.maxQuerySelections)
      : new GraphQLError('The query must be GraphQL source text', {
          extensions: { code: 'BAD_REQUEST' },
        });
    if (error) throw Object.assign(new Error(error.message), { statusCode: 400, errors: [error] });
  });

  // GraphQL operation metrics; the operation is recorded on the active HTTP server span (one span
  // per request instead of two: graphql-jit bypasses graphql.execute, so the graphql
  // instrumentation alone would not see executions).
  const started = new WeakMap<object, { t0: number; type: string; span: Span | undefined }>();
  app.graphql.addHook('preExecution', async (_schema, document, context) => {
    const op = operationOf(
      document,
      (context.reply.request.body as { operationName?: string } | undefined)?.operationName,
    );
    const type = op?.operation ?? 'unknown';
    const span = trace.getActiveSpan();
    if (span?.isRecording()) {
      span.setAttributes({
        'graphql.operation.type': type,
        'graphql.operation.name': op?.name?.value ?? '',
      });
    }
    started.set(context, { t0: performance.now(), type, span });
  });
  app.graphql.addHook('onResolution', async (execution, context) => {
    const s = started.get(context);
    if (!s) return;
    const outcome = execution.errors?.length ? 'error' : 'success';
    metrics.gqlDuration.observe(
      { operation_type: s.type, outcome },
      (performance.now() - s.t0) / 1000,
    );
    if (outcome === 'error' && s.span?.isRecording())
      s.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: 'GraphQL errors',
      });
  });

  async function drain(): Promise<void> {
    state.shuttingDown = true;
    if (config.shutdownDelayMs > 0) {
      log.info(
        { ms: config.shutdownDelayMs },
        'readiness off, waiting for load balancers to notice',
      );
      await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
    }
    log.info('closing HTTP server: finishing in-flight requests');
    await app.close();
  }

  return { app: app as unknown as FastifyInstance, drain, state };
}
