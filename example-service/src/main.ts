// Entry point: `npm start`. Tracing starts before the instrumented modules are loaded.
import { startTelemetry } from './telemetry.ts';

const telemetry = await startTelemetry();
const { loadConfig } = await import('./config.ts');
const { createLogger } = await import('./logger.ts');
const { openRuntime } = await import('./runtime.ts');
const { buildApp } = await import('./app.ts');

const config = loadConfig();
const log = createLogger(config.logLevel);
log.info(
  { node: process.version, tracing: telemetry.enabled, env: config.nodeEnv },
  'starting example-service',
);

let runtime: Awaited<ReturnType<typeof openRuntime>>;
try {
  runtime = await openRuntime(config, log);
} catch (err) {
  log.fatal({ err }, 'start-up failed');
  await telemetry.shutdown();
  process.exit(1);
}

const handle = await buildApp({
  config,
  db: runtime.db,
  cache: runtime.cache,
  log,
  tracing: telemetry.enabled,
});
await handle.app.listen({ port: config.port, host: config.host });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal, graceMs: config.shutdownTimeoutMs }, 'shutting down');
  const force = setTimeout(() => {
    log.error('shutdown grace period exceeded, exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  force.unref();
  try {
    await handle.drain();
    await runtime.close();
    await telemetry.shutdown();
    log.info('shutdown complete');
    clearTimeout(force);
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
