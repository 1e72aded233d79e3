/**
 * Benchmark of the security action against `npm audit --json` alone.
 *
 * Both run in the same process, against the same local advisory server
 * (actions/security/__tests__/helpers/advisory-server.ts: the bulk advisory endpoint
 * with recorded lodash advisories, and the lodash packument), on the same
 * project, alternating, N times each after one warm-up:
 *   action: node actions/security/dist/index.js with INPUT_* variables and fresh
 *           GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files, as the runner starts it; scanners=npm-audit
 *   npm:    npm audit --json --registry <server> in the project directory
 * It prints medians of wall time and, when /usr/bin/time exists, of CPU time
 * (user+sys of the process and its children, which a busy shared machine
 * disturbs less than wall time), and three overheads over npm audit alone:
 *   total       action / npm - 1 (node start of the bundle + everything below)
 *   processing  the action's own normalise/de-duplicate/gate/SARIF/summary time
 *               (report.processingMs) / npm's median wall time: the issue's goal, under 10%
 *   startup     node starting the bundle and failing at once on a bad input, minus an empty node
 *
 *   npm run bench:security -- [--runs N] [--project DIR]... [--strict]
 *
 * Projects default to the example service (when it has a package-lock.json)
 * and the lodash fixture. --strict exits 1 when an overhead is over the goal.
 * Rebuild actions/security/dist first (npm run build).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputVariable, parseFileCommand, readActionManifest } from '@pipeline/action-kit/testing';
import { startAdvisoryServer } from '../actions/security/__tests__/helpers/advisory-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const actionDir = path.join(root, 'actions', 'security');
const GOAL = 0.1;
const manifest = await readActionManifest(actionDir);
const npmPath =
  (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, 'npm'))
    .find((candidate) => candidate !== 'npm' && existsSync(candidate)) ?? 'npm';

interface Options {
  runs: number;
  projects: string[];
  strict: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { runs: 7, projects: [], strict: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--project') options.projects.push(path.resolve(argv[++i] ?? ''));
    else if (arg === '--strict') options.strict = true;
    else
      throw new Error(
        `unknown argument ${arg ?? ''}; usage: node scripts/bench-security.ts [--runs N] [--project DIR]... [--strict]`,
      );
  }
  if (!Number.isInteger(options.runs) || options.runs < 1 || options.runs > 50)
    throw new Error('--runs takes a whole number from 1 to 50');
  if (options.projects.length === 0) {
    const exampleService = path.join(root, 'example-service');
    if (existsSync(path.join(exampleService, 'package-lock.json'))) options.projects.push(exampleService);
    options.projects.push(path.join(actionDir, '__tests__', 'fixtures', 'npm-project'));
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Sample {
  wallMs: number;
  cpuMs?: number;
  exitCode: number | null;
}

const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

/** Runs a program, timing wall clock here and CPU (user+sys, children included) with /usr/bin/time when it exists. */
async function timed(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Sample> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-time-'));
  const timeFile = path.join(scratch, 'time');
  const [program, argv] = haveTime ? [TIME, ['-f', '%U %S', '-o', timeFile, command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(program, argv, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 'ignore'] });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallMs = performance.now() - started;
  let cpuMs: number | undefined;
  if (haveTime) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = ((user as number) + (sys as number)) * 1000;
  }
  rmSync(scratch, { recursive: true, force: true });
  return { wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}), exitCode };
}

function npmAudit(project: string, registry: string): Promise<Sample> {
  // The same npm settings the action gives npm (scanners.ts), so that both sides do the same work.
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
  return timed(npmPath, ['audit', '--json', '--registry', registry], { cwd: project, env });
}

/** The action as the runner starts it: node dist/index.js, inputs in INPUT_* variables, fresh runner files. */
async function action(
  project: string,
  inputs: Record<string, string>,
): Promise<Sample & { outputs: Record<string, string> }> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-action-'));
  const files = { output: path.join(scratch, 'output'), summary: path.join(scratch, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: project,
    RUNNER_TEMP: scratch,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
  };
  for (const [name, spec] of Object.entries(manifest.inputs ?? {}))
    env[inputVariable(name)] = String(spec.default ?? '');
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  const sample = await timed(process.execPath, [path.join(actionDir, 'dist', 'index.js')], { cwd: project, env });
  const outputs = parseFileCommand(readFileSync(files.output, 'utf8'));
  rmSync(scratch, { recursive: true, force: true });
  return { ...sample, outputs };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(actionDir, 'dist', 'index.js')))
    throw new Error('actions/security/dist/index.js is missing: run npm run build');
  const server = await startAdvisoryServer();
  const inputs = { scanners: 'npm-audit', registry: server.url, 'severity-threshold': 'critical' };
  let over = 0;
  const ms = (values: number[]): string => `${median(values).toFixed(0)} ms`;
  try {
    console.log(
      `node ${process.version}; npm ${npmPath}; ${options.runs} runs each after one warm-up; CPU times ${haveTime ? 'from /usr/bin/time' : 'not measured (no /usr/bin/time)'}`,
    );
    console.log(
      `advisory server ${server.url}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${availableParallelism()} CPUs`,
    );

    // Node starting the bundle: the action fails at once on a bad input, compared with an empty node.
    const empty: Sample[] = [];
    const startup: Sample[] = [];
    for (let i = 0; i < options.runs; i++) {
      empty.push(await timed(process.execPath, ['-e', ''], { cwd: root, env: process.env }));
      startup.push(await action(root, { scanners: 'none' }));
    }
    const startupWall = median(startup.map((s) => s.wallMs)) - median(empty.map((s) => s.wallMs));
    const startupCpu = haveTime
      ? `; CPU ${ms(empty.map((s) => s.cpuMs ?? 0))} vs ${ms(startup.map((s) => s.cpuMs ?? 0))}`
      : '';
    console.log(
      `\nstartup: empty node ${ms(empty.map((s) => s.wallMs))}, action failing on its first input ${ms(startup.map((s) => s.wallMs))}${startupCpu}: the bundle costs ~${startupWall.toFixed(0)} ms`,
    );

    for (const project of options.projects) {
      await npmAudit(project, server.url);
      await action(project, inputs);
      const npm: Sample[] = [];
      const act: Sample[] = [];
      const processing: number[] = [];
      const inside: number[] = [];
      let findings = 0;
      for (let i = 0; i < options.runs; i++) {
        // Alternate the order so that drift on a shared machine hits both sides alike.
        for (const which of i % 2 === 0 ? ['npm', 'action'] : ['action', 'npm']) {
          if (which === 'npm') {
            npm.push(await npmAudit(project, server.url));
            continue;
          }
          const run = await action(project, inputs);
          const report = JSON.parse(run.outputs['report'] ?? '{}') as {
            scanners?: { durationMs?: number; error?: string }[];
            findings?: unknown[];
            processingMs?: number;
          };
          const scanner = report.scanners?.[0];
          if (!scanner || scanner.error !== undefined)
            throw new Error(`the action did not run npm audit cleanly: ${scanner?.error ?? `exit ${run.exitCode}`}`);
          act.push(run);
          inside.push(scanner.durationMs ?? 0);
          processing.push(report.processingMs ?? 0);
          findings = report.findings?.length ?? 0;
        }
      }
      const npmWall = median(npm.map((s) => s.wallMs));
      const actWall = median(act.map((s) => s.wallMs));
      const total = actWall / npmWall - 1;
      const processingShare = median(processing) / npmWall;
      if (processingShare > GOAL) over++;
      console.log(`\n${path.relative(root, project) || '.'} (${findings} findings)`);
      console.log(
        `  npm audit --json alone   wall ${ms(npm.map((s) => s.wallMs))}  [${npm.map((s) => s.wallMs.toFixed(0)).join(', ')}]`,
      );
      console.log(
        `  security action (dist)   wall ${ms(act.map((s) => s.wallMs))}  [${act.map((s) => s.wallMs.toFixed(0)).join(', ')}]`,
      );
      if (haveTime) {
        const npmCpu = median(npm.map((s) => s.cpuMs ?? 0));
        const actCpu = median(act.map((s) => s.cpuMs ?? 0));
        console.log(
          `  CPU (user+sys)           npm ${npmCpu.toFixed(0)} ms, action ${actCpu.toFixed(0)} ms: ratio ${(actCpu / npmCpu).toFixed(3)}`,
        );
      }
      console.log(
        `  inside the action        npm audit ${ms(inside)}, processing (normalise, dedupe, gate, SARIF, summary) ${median(processing).toFixed(1)} ms`,
      );
      console.log(
        `  overhead: total ${(total * 100).toFixed(1)}% (ratio ${(actWall / npmWall).toFixed(3)}); processing ${(processingShare * 100).toFixed(2)}% (goal < ${GOAL * 100}%: ${processingShare <= GOAL ? 'met' : 'NOT met'}); bundle startup ~${((startupWall / npmWall) * 100).toFixed(1)}%`,
      );
    }
  } finally {
    await server.close();
  }
  return options.strict && over > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
