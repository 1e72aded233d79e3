// OpenTelemetry on the real process: OTLP export configured only by OTEL_* variables, incoming
// W3C trace context continued, and the trace id written in the JSON log lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { freshDatabase } from './helpers.ts';
import { SERVICE_ROOT, servicesEnv } from './services.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test(
  'spans are exported over OTLP and trace ids appear in log lines',
  { timeout: 60_000 },
  async () => {
    const received: Array<{ url: string; body: Buffer }> = [];
    const sink = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkPort = (sink.address() as { port: number }).port;
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(SERVICE_ROOT, 'src/main.ts')], {
      cwd: SERVICE_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: await freshDatabase('tracing'),
        REDIS_URL: servicesEnv().REDIS_URL,
        CACHE_KEY_PREFIX: `tracing-${port}:`,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'debug',
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_SERVICE_NAME: 'example-service-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
    try {
      const end = Date.now() + 30_000;
      while (
        !(await fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        assert.ok(Date.now() < end, `not ready:\n${logs}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
          'x-request-id': 'trace-test-1',
        },
        body: JSON.stringify({
          query: 'query One { books(first: 1) { id author { name } } }',
          operationName: 'One',
        }),
      });
      assert.equal(res.status, 200);
      await res.text();
      // Child spans (parse, validate, pg) end before the request span, so they may
      // arrive in an earlier export batch: wait until the request span is there too.
      const exported = (): string =>
        Buffer.concat(received.filter((r) => r.url === '/v1/traces').map((r) => r.body)).toString(
          'latin1',
        );
      const deadline = Date.now() + 10_000;
      while (
        !exported().includes(Buffer.from(traceId, 'hex').toString('latin1')) ||
        !exported().includes('graphql.operation.name')
      ) {
        assert.ok(
          Date.now() < deadline,
          `the request span with the incoming trace id did not reach the OTLP sink (${received.length} exports)`,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      const spans = exported();
      assert.match(spans, /example-service-test/, 'service.name resource');
      assert.match(
        spans,
        /graphql\.operation\.name/,
        'GraphQL operation recorded on the request span',
      );
      assert.match(spans, /pg\.query|postgresql|SELECT/, 'PostgreSQL spans');
      const line = logs
        .split('\n')
        .find((l) => l.includes('"request_id":"trace-test-1"') && l.includes('"trace_id"'));
      assert.ok(line, `a log line with the request id and a trace id:\n${logs.slice(-2000)}`);
      const parsed = JSON.parse(line) as {
        trace_id: string;
        span_id: string;
        level: string;
      };
      assert.equal(parsed.trace_id, traceId);
      assert.match(parsed.span_id, /^[0-9a-f]{16}$/);
      assert.equal(typeof parsed.level, 'string');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      sink.close();
    }
  },
);
