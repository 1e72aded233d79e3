// `npm run bench:abuse`: what a fragment-spread bomb costs the service, against baselines measured
// in the same run.
//
// 1. In process: the memoised expansion count (what the service runs first) against the depth
//    rule's expanding walk (what used to run first) on the same bombs.
// 2. Over loopback HTTP, the service in its own process (production mode, in-process cache):
//    `/health/live` latency idle, then while ABUSE_ATTACKERS clients (default 4) send the 22-deep
//    bomb back to back for ABUSE_SECONDS (default 5); and the bombs' own answer times.
// Needs DATABASE_URL (readiness pings it; nothing here queries data): for example
// `set -a; . ../.tmp/services.env; set +a` from a checkout where tools/services/services.sh ran.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { buildSchema, parse, validate } from 'graphql';
import { typeDefs } from '../src/graphql/schema.ts';
import { depthLimitRule } from '../src/graphql/limits.ts';
import { expandedSelections } from '../src/graphql/expansion.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.ABUSE_SECONDS ?? 5);
const ATTACKERS = Number(process.env.ABUSE_ATTACKERS ?? 4);

function bomb(depth: number): string {
  let q = 'query Bomb{...F0}';
  for (let i = 0; i < depth; i++) q += `fragment F${i} on Query{...F${i + 1} ...F${i + 1}}`;
  return `${q}fragment F${depth} on Query{__typename}`;
}

function ms(fn: () => void, rounds: number): number {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return (performance.now() - t0) / rounds;
}

function stats(xs: number[]): { p50: number; p99: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1], n: s.length };
}

const fmt = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));

function inProcess(): void {
  const schema = buildSchema(typeDefs);
  console.log('1. cost of measuring a bomb, in process (ms per document)');
  for (const depth of [12, 14, 16]) {
    const doc = parse(bomb(depth));
    const walk = ms(() => validate(schema, doc, [depthLimitRule(8)]), 3);
    const count = ms(() => expandedSelections(doc), 200);
    console.log(
      `   depth ${depth}: expanding walk ${fmt(walk)}, memoised count ${fmt(count)}, ` +
        `ratio ${fmt(walk / count)}x`,
    );
  }
  const deep = parse(bomb(22));
  console.log(`   depth 22: memoised count ${fmt(ms(() => expandedSelections(deep), 200))}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startService(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: '',
      RATE_LIMIT_ENABLED: 'false',
      SHUTDOWN_DELAY_MS: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > end || child.exitCode !== null) throw new Error('service did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child };
}

async function probe(url: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${url}/health/live`);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`/health/live answered ${r.status}`);
  return performance.now() - t0;
}

interface Phase {
  live: number[];
  answers: number[];
  codes: Map<string, number>;
}

/** /health/live probed back to back for SECONDS while ATTACKERS clients send `body` (if any). */
async function phase(url: string, body: string | undefined): Promise<Phase> {
  const result: Phase = { live: [], answers: [], codes: new Map() };
  let stop = false;
  const attacker = async () => {
    while (!stop && body) {
      const t0 = performance.now();
      const r = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const json = (await r.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      const code = `${r.status} ${json.errors?.[0]?.extensions?.code}`;
      result.answers.push(performance.now() - t0);
      result.codes.set(code, (result.codes.get(code) ?? 0) + 1);
    }
  };
  const running = Array.from({ length: ATTACKERS }, attacker);
  for (let end = Date.now() + SECONDS * 1000; Date.now() < end;) result.live.push(await probe(url));
  stop = true;
  await Promise.all(running);
  return result;
}

function report(name: string, p: Phase, base: Phase): void {
  const l = stats(p.live);
  const b = stats(base.live);
  console.log(
    `   ${name}: /health/live p50 ${fmt(l.p50)} p99 ${fmt(l.p99)} max ${fmt(l.max)} ` +
      `(${l.n} probes; p50 ${fmt(l.p50 / b.p50)}x, p99 ${fmt(l.p99 / b.p99)}x the idle run)`,
  );
  if (p.answers.length === 0) return;
  const a = stats(p.answers);
  const codes = [...p.codes].map(([c, n]) => `${c} x${n}`).join(', ');
  console.log(
    `      its own answers p50 ${fmt(a.p50)} p99 ${fmt(a.p99)} max ${fmt(a.max)}, ` +
      `${fmt(a.n / SECONDS)}/s: ${codes}`,
  );
}

async function overHttp(url: string): Promise<void> {
  for (let i = 0; i < 50; i++) await probe(url); // warm-up
  console.log(`2. over HTTP, ${SECONDS} s per run, ${ATTACKERS} attackers (ms)`);
  const idle = await phase(url, undefined);
  report('idle                       ', idle, idle);
  // the baseline abuse: a small query that fails validation, as cheap as a bad request gets
  const typo = await phase(url, JSON.stringify({ query: '{ books(first: 1) { nope } }' }));
  report('under small invalid queries', typo, idle);
  const bombs = await phase(url, JSON.stringify({ query: bomb(22) }));
  report('under 22-deep bombs        ', bombs, idle);
  const ratio = stats(bombs.answers).p50 / stats(typo.answers).p50;
  console.log(`   bomb answer p50 / small invalid query answer p50: ${fmt(ratio)}x`);
}

if (!process.env.DATABASE_URL) {
  console.error('bench:abuse: set DATABASE_URL (see the header of bench/abuse.ts)');
  process.exit(2);
}
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}, node ${process.version}`,
);
inProcess();
const { url, child } = await startService();
try {
  await overHttp(url);
} finally {
  child.kill('SIGTERM');
}
