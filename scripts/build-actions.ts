/**
 * One build for every action: the same ncc command bundles each
 * actions/<name>/src/index.ts (with the shared action kit) into
 * actions/<name>/dist/, with a licenses file. ncc only transpiles: type checking
 * is `npm run typecheck`, once for the whole tree, so one action never breaks
 * another action's build.
 *
 *   node scripts/build-actions.ts                 build every action into its dist/
 *   node scripts/build-actions.ts --check         rebuild into a temp dir and fail if any committed dist/ differs
 *   node scripts/build-actions.ts --check DIR...  the same for the given action folders only
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

export function listActions(): string[] {
  const dir = path.join(root, 'actions');
  return readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter((action) => existsSync(path.join(action, 'src', 'index.ts')))
    .sort();
}

/** The single bundling command shared by every action. */
export function bundle(actionDir: string, outDir: string): void {
  const args = [
    ncc,
    'build',
    'src/index.ts',
    '--out',
    outDir,
    '--license',
    'licenses.txt',
    '--minify',
    '--target',
    'es2023',
    '--quiet',
    '--no-cache',
    '--transpile-only',
  ];
  const result = spawnSync(process.execPath, args, { cwd: actionDir, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`ncc failed for ${path.relative(root, actionDir)} (exit ${result.status})`);
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, path.join(prefix, name)) : [path.join(prefix, name)];
  });
}

/** Returns the differences between a committed dist/ and a fresh build, one line each. */
export function compareDist(committed: string, fresh: string): string[] {
  const problems: string[] = [];
  const a = new Set(listFiles(committed));
  const b = new Set(listFiles(fresh));
  for (const file of b) {
    if (!a.has(file)) problems.push(`missing from dist: ${file}`);
    else if (!readFileSync(path.join(committed, file)).equals(readFileSync(path.join(fresh, file))))
      problems.push(`out of date: ${file}`);
  }
  for (const file of a) if (!b.has(file)) problems.push(`stale file not produced by the build: ${file}`);
  return problems;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const named = argv.filter((arg) => !arg.startsWith('--')).map((dir) => path.resolve(dir));
  const actions = named.length > 0 ? named : listActions();
  let failed = 0;
  for (const action of actions) {
    const name = path.relative(root, action);
    const started = performance.now();
    if (!check) {
      rmSync(path.join(action, 'dist'), { recursive: true, force: true });
      bundle(action, 'dist');
      console.log(`built ${name}/dist in ${Math.round(performance.now() - started)} ms`);
      continue;
    }
    const scratch = mkdtempSync(path.join(tmpdir(), 'check-dist-'));
    try {
      bundle(action, scratch);
      const problems = compareDist(path.join(action, 'dist'), scratch);
      if (problems.length === 0) {
        console.log(`ok ${name}/dist matches its source`);
      } else {
        failed++;
        console.error(`FAIL ${name}/dist does not match its source; run \`npm run build\` and commit dist/:`);
        for (const problem of problems) console.error(`  ${problem}`);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
