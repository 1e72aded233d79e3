import pino, { type Logger } from 'pino';
import { trace } from '@opentelemetry/api';

/** JSON logs with levels as names and the active trace/span ids on every line. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'example-service' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie'],
      remove: true,
    },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const c = span.spanContext();
      return {
        trace_id: c.traceId,
        span_id: c.spanId,
        trace_flags: `0${c.traceFlags.toString(16)}`,
      };
    },
  });
}
