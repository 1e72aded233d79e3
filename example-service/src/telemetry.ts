// OpenTelemetry tracing. Started before the modules it instruments are loaded (see main.ts).
// Configured only by the standard OTEL_* variables: tracing is on when an OTLP endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER
// (otlp or console) is set, and OTEL_SDK_DISABLED is not "true". The exporter speaks
// OTLP/HTTP protobuf; OTEL_EXPORTER_OTLP_HEADERS/TIMEOUT, OTEL_TRACES_SAMPLER(_ARG),
// OTEL_BSP_*, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are honoured by the SDK.
// The trace SDK alone (not @opentelemetry/sdk-node) keeps metrics/logs SDKs and gRPC out of
// the image: metrics are Prometheus, logs are stdout.
export interface Telemetry {
  enabled: boolean;
  shutdown(): Promise<void>;
}

export async function startTelemetry(env: NodeJS.ProcessEnv = process.env): Promise<Telemetry> {
  const off: Telemetry = { enabled: false, shutdown: async () => {} };
  if (env.OTEL_SDK_DISABLED === 'true') return off;
  const exporterName = (env.OTEL_TRACES_EXPORTER ?? '').split(',')[0].trim();
  if (exporterName === 'none') return off;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !exporterName)
    return off;
  env.OTEL_SERVICE_NAME ??= 'example-service';

  const [
    trace,
    { OTLPTraceExporter },
    { registerInstrumentations },
    resources,
    { HttpInstrumentation },
    { PgInstrumentation },
    { GraphQLInstrumentation },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-graphql'),
  ]);

  const exporter =
    exporterName === 'console' ? new trace.ConsoleSpanExporter() : new OTLPTraceExporter();
  const provider = new trace.NodeTracerProvider({
    resource: resources.detectResources({
      detectors: [resources.envDetector, resources.hostDetector, resources.processDetector],
    }),
    spanProcessors: [new trace.BatchSpanProcessor(exporter)],
  });
  provider.register(); // global tracer provider, AsyncLocalStorage context, W3C trace context propagator

  // Same convention as @opentelemetry/auto-instrumentations-node: a comma list of names to skip.
  const disabled = new Set(
    (env.OTEL_NODE_DISABLED_INSTRUMENTATIONS ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
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
      : new GraphQLInstrumentation({
          ignoreResolveSpans: env.OTEL_GRAPHQL_IGNORE_RESOLVE_SPANS !== 'false',
          mergeItems: true,
        }),
  ].filter((i) => i !== undefined);
  registerInstrumentations({ instrumentations, tracerProvider: provider });

  return {
    enabled: true,
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch {
        // exporter unreachable at shutdown: nothing more to do
      }
    },
  };
}
