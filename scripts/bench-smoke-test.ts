/**
 * Is the smoke-test load phase ever the bottleneck? Compares the request rate
 * the action's load phase (the built actions/smoke-test/dist/index.js, run as
 * the runner runs it) reaches against autocannon on the same endpoint, in the
 * same run: a small node:http server on 127.0.0.1 in its own process, rounds
 * alternating autocannon and the action, same connections and duration.
 *
 *   node scripts/bench-smoke-test.ts [--duration 5] [--connections 10] [--rounds 2]
 *
 * Prints each round's req/s and client CPU per request, the median rate ratio
 * (target: at least 0.80) and the median CPU-efficiency ratio (which is less
 * disturbed by other work on a shared machine).
 * Bounded: rounds x 2 x duration seconds of load, 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const action = path.join(root, 'actions', 'smoke-test', 'dist', 'index.js');

function option(name: string, fallback: number, max: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new Error(`--${name} must be a number from 1 to ${max}`);
  return value;
}

const durationS = option('duration', 5, 30);
const connections = option('connections', 10, 200);
const rounds = option('rounds', 2, 5);

const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ data: { books: [{ id: '1', title: 'Benchmark' }] } });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { port, stop: () => child.kill() };
}

interface Rate {
  requestsPerSecond: number;
  /** Client CPU time (user + system) per request, in microseconds. */
  cpuMicrosPerRequest: number;
}

async function runAutocannon(url: string): Promise<Rate> {
  const before = process.cpuUsage();
  const result = await autocannon({ url, connections, pipelining: 1, duration: durationS });
  const cpu = process.cpuUsage(before);
  if (result.errors > 0 || result.non2xx > 0)
    throw new Error(`autocannon saw ${result.errors} errors and ${result.non2xx} non-2xx responses`);
  return {
    requestsPerSecond: result.requests.total / durationS,
    cpuMicrosPerRequest: (cpu.user + cpu.system) / result.requests.total,
  };
}

interface ActionReport {
  passed: boolean;
  load: {
    requests: number;
    errors: number;
    durationMs: number;
    requestsPerSecond: number;
    testerCpuPercent: number;
    latency?: { p50Ms: number; p99Ms: number };
  };
}

async function runActionLoad(url: string): Promise<ActionReport['load']> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'));
  try {
    for (const file of ['output', 'summary']) writeFileSync(path.join(scratch, file), '');
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      RUNNER_TEMP: scratch,
      GITHUB_WORKSPACE: scratch,
      GITHUB_OUTPUT: path.join(scratch, 'output'),
      GITHUB_STEP_SUMMARY: path.join(scratch, 'summary'),
      INPUT_URL: url,
      INPUT_CHECKS: '',
      INPUT_RETRIES: '0',
      INPUT_TIMEOUT: '2m',
      'INPUT_REQUEST-TIMEOUT': '10s',
      'INPUT_LOAD-DURATION': `${durationS}s`,
      'INPUT_LOAD-CONCURRENCY': String(connections),
    };
    const child = spawn(process.execPath, [action], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`the action exited ${code}:\n${stdout}`);
    const report = JSON.parse(readFileSync(path.join(scratch, 'smoke-test', 'report.json'), 'utf8')) as ActionReport;
    if (report.load.errors > 0) throw new Error(`the load phase saw ${report.load.errors} errors`);
    return report.load;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const server = await startServer();
const url = `http://127.0.0.1:${server.port}/`;
console.log(
  `endpoint ${url}; ${connections} connections, ${durationS} s per run, ${rounds} round(s), Node ${process.version}`,
);
const ratios: number[] = [];
const cpuRatios: number[] = [];
try {
  await runAutocannon(url); // warm-up of the server's JIT, not counted
  for (let round = 1; round <= rounds; round++) {
    const baseline = await runAutocannon(url);
    const load = await runActionLoad(url);
    const ratio = load.requestsPerSecond / baseline.requestsPerSecond;
    ratios.push(ratio);
    const loadCpu = ((load.testerCpuPercent / 100) * load.durationMs * 1000) / load.requests;
    cpuRatios.push(baseline.cpuMicrosPerRequest / loadCpu);
    const latency = load.latency ? `; action p50 ${load.latency.p50Ms} ms, p99 ${load.latency.p99Ms} ms` : '';
    console.log(
      `round ${round}: autocannon ${Math.round(baseline.requestsPerSecond)} req/s (${baseline.cpuMicrosPerRequest.toFixed(1)} us CPU/request), ` +
        `smoke-test load phase ${Math.round(load.requestsPerSecond)} req/s (${loadCpu.toFixed(1)} us CPU/request), rate ratio ${ratio.toFixed(2)}${latency}`,
    );
  }
} finally {
  server.stop();
}
const result = median(ratios);
console.log(
  `median CPU efficiency smoke-test/autocannon (autocannon CPU per request / ours): ${median(cpuRatios).toFixed(2)}`,
);
console.log(
  `median rate ratio smoke-test/autocannon: ${result.toFixed(2)} (target >= 0.80): ${result >= 0.8 ? 'ok' : 'BELOW TARGET'}`,
);
process.exitCode = result >= 0.8 ? 0 : 1;
