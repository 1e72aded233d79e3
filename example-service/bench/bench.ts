// `npm run bench`: the service (Fastify + Mercurius + graphql-jit) against a baseline Apollo
// Server on Express serving the same schema, resolvers and database, in the same run.
//
// Cases (BENCH_ROUNDS interleaved rounds, default 3, of BENCH_DURATION seconds each, default 10,
// after a 2 s warm-up; loopback only; medians reported):
//   nested list query, cache off:  Apollo vs service
//   nested list query, cache on (Redis): Apollo vs service
//   service, cache on, tracing on (OTLP/HTTP to a local sink; 100% and 10% sampled) vs off
// PostgreSQL and Redis: DATABASE_URL/REDIS_URL when set, else tools/services/services.sh starts a
// private pair for the run and stops it afterwards.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import pino from 'pino';
import { Db } from '../src/db/pool.ts';
import { migrate } from '../src/db/migrate.ts';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = path.resolve(ROOT, '../tools/services/services.sh');
const STATE_DIR = path.join(ROOT, '.tmp/bench-services');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const POOL = process.env.BENCH_PG_POOL_MAX ?? '10';

export const NESTED_QUERY = `query AuthorsWithBooks {
  authors(first: 10) { id name bookCount
    books(first: 5) { id title averageRating
      reviews(first: 3) { id rating reviewer } } } }`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function services(): Promise<{
  databaseUrl: string;
  redisUrl: string;
  stop: () => Promise<void>;
}> {
  if (process.env.DATABASE_URL && process.env.REDIS_URL) {
    return {
      databaseUrl: process.env.DATABASE_URL,
      redisUrl: process.env.REDIS_URL,
      stop: async () => {},
    };
  }
  const env = { ...process.env, SERVICES_STATE_DIR: STATE_DIR };
  await exec('bash', [SCRIPT, 'start'], { env, timeout: 300_000 });
  const vars = Object.fromEntries(
    readFileSync(path.join(STATE_DIR, 'services.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    stop: async () => void (await exec('bash', [SCRIPT, 'stop'], { env })),
  };
}

async function freshDatabase(adminUrl: string): Promise<string> {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const db = new Db(
    {
      connectionString: u.toString(),
      max: 1,
      statementTimeoutMs: 60_000,
      connectTimeoutMs: 5000,
    },
    pino({ level: 'silent' }),
  );
  await migrate(db);
  await db.close();
  return u.toString();
}

/** Minimal OTLP/HTTP receiver: accepts and drops spans, counting bytes (so export is real work). */
function otlpSink(): Promise<{
  port: number;
  bytes: () => number;
  close: () => void;
}> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        bytes: () => bytes,
        close: () => server.close(),
      }),
    ),
  );
}

async function startServer(
  kind: 'service' | 'apollo',
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const entry = kind === 'service' ? 'src/main.ts' : 'bench/apollo.ts';
  const child = spawn(process.execPath, [path.join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_MAX: '100000000',
      SHUTDOWN_DELAY_MS: '0',
      PG_POOL_MAX: POOL,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (
      await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > end || child.exitCode !== null) throw new Error(`${kind} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  cpuUsPerReq: number;
}
interface CaseResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  cpuUsPerReq: number;
  rounds: Round[];
}

/** CPU time (user+system) the server process has used, in microseconds (Linux /proc). */
function cpuUs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // clock ticks at USER_HZ=100
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function load(url: string, seconds: number, pid?: number): Promise<Round> {
  const cpu0 = cpuUs(pid);
  const r = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: NESTED_QUERY,
      operationName: 'AuthorsWithBooks',
    }),
    connections: CONNECTIONS,
    duration: seconds,
  });
  const cpuUsPerReq = Math.round((cpuUs(pid) - cpu0) / Math.max(1, r.requests.total));
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    requests: r.requests.total,
    cpuUsPerReq,
  };
}

interface Case {
  name: string;
  kind: 'service' | 'apollo';
  env: Record<string, string>;
  url?: string;
  child?: ChildProcess;
  rounds: Round[];
}

async function prepare(c: Case): Promise<void> {
  const { url, child } = await startServer(c.kind, c.env);
  c.url = url;
  c.child = child;
  // correctness first: every server must return the same data
  const check = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: NESTED_QUERY }),
  });
  const text = await check.text();
  if (!text.includes('"authors"') || text.includes('"errors"'))
    throw new Error(`${c.name}: bad response ${text.slice(0, 300)}`);
  await load(url, 2); // warm-up: JIT, pools, caches
}

function summarise(c: Case): CaseResult {
  const sum = (k: 'errors' | 'non2xx' | 'requests') => c.rounds.reduce((a, r) => a + r[k], 0);
  return {
    name: c.name,
    rps: Math.round(median(c.rounds.map((r) => r.rps))),
    p50: median(c.rounds.map((r) => r.p50)),
    p99: median(c.rounds.map((r) => r.p99)),
    cpuUsPerReq: median(c.rounds.map((r) => r.cpuUsPerReq)),
    errors: sum('errors'),
    non2xx: sum('non2xx'),
    requests: sum('requests'),
    rounds: c.rounds,
  };
}

const svc = await services();
const sink = await otlpSink();
try {
  const databaseUrl = await freshDatabase(svc.databaseUrl);
  const base = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: svc.redisUrl,
    OTEL_SDK_DISABLED: 'true',
  };
  const prefix = () => `bench-${randomBytes(3).toString('hex')}:`;
  const load1 = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `nested list query (10 authors x 5 books x 3 reviews), ${CONNECTIONS} connections, ` +
      `${ROUNDS} interleaved rounds x ${DURATION} s per case, Node ${process.version}, ` +
      `pool ${POOL}, load average ${load1}`,
  );
  const otel = {
    OTEL_SDK_DISABLED: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  };
  const cases: Case[] = [
    {
      name: 'Apollo Server 5 + Express 5, cache off',
      kind: 'apollo',
      env: { ...base, CACHE_ENABLED: 'false' },
      rounds: [],
    },
    {
      name: 'service (Fastify+Mercurius+JIT), cache off',
      kind: 'service',
      env: { ...base, CACHE_ENABLED: 'false' },
      rounds: [],
    },
    {
      name: 'Apollo Server 5 + Express 5, cache on (Redis)',
      kind: 'apollo',
      env: { ...base, CACHE_KEY_PREFIX: prefix() },
      rounds: [],
    },
    {
      name: 'service, cache on (Redis)',
      kind: 'service',
      env: { ...base, CACHE_KEY_PREFIX: prefix() },
      rounds: [],
    },
    {
      name: 'service, cache on, tracing 100% sampled',
      kind: 'service',
      env: {
        ...base,
        CACHE_KEY_PREFIX: prefix(),
        ...otel,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      },
      rounds: [],
    },
    {
      name: 'service, cache on, tracing 10% (as deployed)',
      kind: 'service',
      env: {
        ...base,
        CACHE_KEY_PREFIX: prefix(),
        ...otel,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
      rounds: [],
    },
  ];
  try {
    for (const c of cases) await prepare(c);
    // Interleaved rounds: a noisy neighbour on the shared cores hits every case alike.
    // The order rotates every round and each case starts after a pause, so no case always
    // follows the same neighbour (a slow server may still be finishing its backlog).
    for (let r = 0; r < ROUNDS; r++) {
      const order = cases.map((_, i) => cases[(i + r * 2) % cases.length]);
      for (const c of order) {
        await new Promise((res) => setTimeout(res, 2000));
        const res = await load(c.url!, DURATION, c.child?.pid);
        c.rounds.push(res);
        console.log(
          `  round ${r + 1}  ${c.name.padEnd(46)} ` +
            `${String(Math.round(res.rps)).padStart(7)} req/s   ` +
            `p99 ${String(res.p99).padStart(4)} ms   server CPU ${res.cpuUsPerReq} us/req`,
        );
      }
    }
  } finally {
    await Promise.all(cases.map((c) => (c.child ? stopServer(c.child) : Promise.resolve())));
  }
  const all = cases.map(summarise);
  const ratio = (a: Case, b: Case) =>
    +median(a.rounds.map((r, i) => r.rps / b.rounds[i].rps)).toFixed(2);
  // CPU per request is far less sensitive than req/s to other work on shared cores
  const cpuRatio = (a: Case, b: Case) =>
    +median(a.rounds.map((r, i) => b.rounds[i].cpuUsPerReq / r.cpuUsPerReq)).toFixed(2);
  console.log('');
  console.log(`median of ${ROUNDS} rounds:`);
  for (const c of all) {
    console.log(
      `  ${c.name.padEnd(46)} ${String(c.rps).padStart(7)} req/s   ` +
        `p50 ${String(c.p50).padStart(4)} ms   p99 ${String(c.p99).padStart(4)} ms   ` +
        `CPU ${c.cpuUsPerReq} us/req   errors ${c.errors} non-2xx ${c.non2xx}`,
    );
  }
  const failed = all.filter((r) => r.errors > 0 || r.non2xx > 0);
  const summary = {
    speedupCacheOff: ratio(cases[1], cases[0]),
    speedupCacheOn: ratio(cases[3], cases[2]),
    cacheGain: ratio(cases[3], cases[1]),
    tracingOverheadPct: +((1 - ratio(cases[4], cases[3])) * 100).toFixed(1),
    tracingSampledOverheadPct: +((1 - ratio(cases[5], cases[3])) * 100).toFixed(1),
    cpuEfficiencyCacheOff: cpuRatio(cases[1], cases[0]),
    cpuEfficiencyCacheOn: cpuRatio(cases[3], cases[2]),
    tracingCpuOverheadPct: +((1 / cpuRatio(cases[4], cases[3]) - 1) * 100).toFixed(1),
    tracingSampledCpuOverheadPct: +((1 / cpuRatio(cases[5], cases[3]) - 1) * 100).toFixed(1),
    otlpBytesReceived: sink.bytes(),
  };
  console.log('');
  console.log(`(ratios are medians of per-round ratios)`);
  console.log(
    `service / Apollo, cache off: ${summary.speedupCacheOff}x req/s, ` +
      `${summary.cpuEfficiencyCacheOff}x less server CPU per request`,
  );
  console.log(
    `service / Apollo, cache on:  ${summary.speedupCacheOn}x req/s, ` +
      `${summary.cpuEfficiencyCacheOn}x less server CPU per request   (goal >= 4x)`,
  );
  console.log(`cache on / cache off (service): ${summary.cacheGain}x`);
  console.log(
    `tracing overhead, 100% sampled: ${summary.tracingOverheadPct}% req/s, ` +
      `${summary.tracingCpuOverheadPct}% server CPU per request   (goal <= 15%)`,
  );
  console.log(
    `tracing overhead, 10% sampled (as deployed): ${summary.tracingSampledOverheadPct}% req/s, ` +
      `${summary.tracingSampledCpuOverheadPct}% server CPU per request; ` +
      `${summary.otlpBytesReceived} bytes of spans exported`,
  );
  if (process.env.BENCH_OUT)
    writeFileSync(
      process.env.BENCH_OUT,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          duration: DURATION,
          rounds: ROUNDS,
          loadavg: loadavg(),
          connections: CONNECTIONS,
          cases: all,
          summary,
        },
        null,
        2,
      ),
    );
  if (failed.length) {
    console.error(`errors in: ${failed.map((f) => f.name).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  sink.close();
  await svc.stop();
}
