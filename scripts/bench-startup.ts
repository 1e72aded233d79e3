/**
 * Cold start of every action bundle, to its first early exit, as a ratio to
 * an empty `node -e ''` measured in the same run; plus bundle sizes.
 *
 *   npm run bench:startup [-- --runs 7]
 *
 * Each action runs as the runner runs it (`node dist/index.js`) with no
 * inputs, so it loads its bundle, reads its inputs and exits on the first
 * validation error: import and start-up cost, not the work itself.
 * Heavy clients loaded on demand (chunk files) are reported separately.
 * A bundle of `@actions/core` alone, built with the same ncc command in this
 * run, shows the floor every action shares.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle, listActions } from './build-actions.ts';

const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex > 0 ? Number(process.argv[runsIndex + 1]) : 7;
const scratch = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));

function once(args: string[]): number {
  const output = path.join(scratch, 'output');
  writeFileSync(output, '');
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: scratch,
    RUNNER_TEMP: scratch,
    GITHUB_OUTPUT: output,
    GITHUB_WORKSPACE: scratch,
  };
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { cwd: scratch, env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} kB`;

/** Bundles `import '@actions/core'` alone, as the floor: every action needs it at start. */
function buildCoreOnly(): string {
  const dir = path.join(path.dirname(scratch), `${path.basename(scratch)}-core-only`);
  const probe = path.join(process.cwd(), '.tmp', 'bench-core-only');
  mkdirSync(path.join(probe, 'src'), { recursive: true });
  writeFileSync(path.join(probe, 'package.json'), '{"type":"module","private":true}\n');
  writeFileSync(
    path.join(probe, 'src', 'index.ts'),
    "import * as core from '@actions/core';\ncore.getInput('x');\nprocess.exitCode = 1;\n",
  );
  bundle(probe, dir);
  return path.join(dir, 'index.js');
}

const actions = listActions().filter((dir) => existsSync(path.join(dir, 'dist', 'index.js')));
const subjects: { name: string; args: string[] }[] = [
  { name: "node -e ''", args: ['-e', ''] },
  { name: '@actions/core alone (floor)', args: [buildCoreOnly()] },
  ...actions.map((dir) => ({ name: path.basename(dir), args: [path.join(dir, 'dist', 'index.js')] })),
];
const best = new Map<string, number>(subjects.map((s) => [s.name, Infinity]));
for (const subject of subjects) once(subject.args); // warm the file system cache
for (let i = 0; i < runs; i++) {
  for (const subject of subjects)
    best.set(subject.name, Math.min(best.get(subject.name) as number, once(subject.args)));
}

const baseline = best.get("node -e ''") as number;
console.log(`Node ${process.version}, best of ${runs} runs, to the first early exit`);
console.log('');
console.log('| subject | start (ms) | ratio to empty node | index.js | lazy chunks |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const subject of subjects) {
  const ms = best.get(subject.name) as number;
  let sizes = ['', ''];
  if (subject.name !== "node -e ''") {
    const dist = path.dirname(subject.args[0] as string);
    const chunks = readdirSync(dist).filter((f) => f.endsWith('.js') && f !== 'index.js');
    sizes = [
      kb(statSync(subject.args[0] as string).size),
      kb(chunks.reduce((sum, f) => sum + statSync(path.join(dist, f)).size, 0)),
    ];
  }
  console.log(`| ${subject.name} | ${ms.toFixed(0)} | ${(ms / baseline).toFixed(2)}x | ${sizes[0]} | ${sizes[1]} |`);
}
rmSync(scratch, { recursive: true, force: true });
rmSync(path.dirname(subjects[1]?.args[0] as string), { recursive: true, force: true });
