// OpenTelemetry tracing. Started before the modules it instruments are loaded (see main.ts).
// Configured only by the standard OTEL_* variables: tracing is on when an OTLP endpoint (or
// OTEL_TRACES_EXPORTER) is set and OTEL_SDK_DISABLED is not "true". Metrics stay on Prometheus.
export interface Telemetry {
  enabled: boolean;
  shutdown(): Promise<void>;
}

export async function startTelemetry(env: NodeJS.ProcessEnv = process.env): Promise<Telemetry> {
  const off: Telemetry = { enabled: false, shutdown: async () => {} };
  if (env.OTEL_SDK_DISABLED === 'true') return off;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_TRACES_EXPORTER) return off;
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  env.OTEL_SERVICE_NAME ??= 'example-service';

  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { GraphQLInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-graphql'),
  ]);
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({
        // probes and scrapes are not traced
        ignoreIncomingRequestHook: (req) => /^\/(health\/|metrics)/.test(req.url ?? ''),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      // Resolver spans cost most of the throughput (anchors: 75-87% with them, ~14% without).
      new GraphQLInstrumentation({ ignoreResolveSpans: env.OTEL_GRAPHQL_IGNORE_RESOLVE_SPANS !== 'false', mergeItems: true }),
    ],
  });
  sdk.start();
  return {
    enabled: true,
    shutdown: async () => {
      try {
        await sdk.shutdown();
      } catch {
        // exporter unreachable at shutdown: nothing more to do
      }
    },
  };
}
