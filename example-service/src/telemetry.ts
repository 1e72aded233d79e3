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
  // Same convention as @opentelemetry/auto-instrumentations-node: a comma list of names to skip.
  const disabled = new Set((env.OTEL_NODE_DISABLED_INSTRUMENTATIONS ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  const instrumentations = [
    disabled.has('http')
      ? undefined
      : new HttpInstrumentation({
          // Incoming requests get their server span from Fastify hooks (src/app.ts, far cheaper);
          // this instruments outgoing HTTP calls only.
          disableIncomingRequestInstrumentation: true,
        }),
    disabled.has('pg') ? undefined : new PgInstrumentation({ enhancedDatabaseReporting: false }),
    // Resolver spans cost most of the throughput (anchors: 75-87% with them, ~14% without).
    disabled.has('graphql')
      ? undefined
      : new GraphQLInstrumentation({ ignoreResolveSpans: env.OTEL_GRAPHQL_IGNORE_RESOLVE_SPANS !== 'false', mergeItems: true }),
  ].filter((i) => i !== undefined);
  const sdk = new NodeSDK({ instrumentations });
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
