/**
 * example-service's image: the project's builder (docker buildx on the local
 * BuildKit, pushing to the local registry) against a plain `docker build` of
 * the same Dockerfile by the engine, measured in the same run.
 *
 *   npm run bench:build [-- --skip-baseline]
 *
 * Rounds, in this order, each on a copy of example-service's build inputs:
 *   baseline cold / warm   `docker build --network host` (the engine's own
 *                          builder; its bridge has no route out for npm ci), amd64,
 *                          after `docker builder prune -af` / after a source change
 *   amd64 cold / warm      `docker buildx build --platform linux/amd64 --push`
 *   multi cold / warm      the same for linux/amd64,linux/arm64
 * "cold" = the builder's cache pruned (base images still in the local
 * registry, as after `base-images.sh`); "warm" = the previous round's cache
 * and one changed line in src/main.ts. Goals (issue 11): a warm multi-arch
 * rebuild within 60 s, a cold one within 5 min.
 *
 * Uses tools/containers/containers.sh up and base-images.sh (both cached);
 * only the loopback registry and local sockets are contacted.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const service = path.join(root, 'example-service');
const skipBaseline = process.argv.includes('--skip-baseline');
const GOAL_WARM_MULTI_S = 60;
const GOAL_COLD_MULTI_S = 300;

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

function sh(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20 * 60_000): Ran {
  const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(command: string, args: string[], env: NodeJS.ProcessEnv): Ran {
  const r = sh(command, args, env);
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status}):\n${r.stderr.split('\n').slice(-15).join('\n')}`,
    );
  return r;
}

/** KEY=value lines from `containers.sh up`, the registry on the last line. */
function bringUp(): Record<string, string> {
  const up = must('bash', [path.join(root, 'tools/containers/containers.sh'), 'up'], process.env);
  const vars: Record<string, string> = {};
  for (const line of up.stdout.trim().split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) vars[line.slice(0, at)] = line.slice(at + 1);
  }
  if (!vars['CONTAINERS_REGISTRY']) throw new Error(`containers.sh up printed no CONTAINERS_REGISTRY:\n${up.stdout}`);
  return vars;
}

const vars = bringUp();
const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
const registry = vars['CONTAINERS_REGISTRY'] as string;
const bases = must('bash', [path.join(root, 'tools/containers/base-images.sh')], env)
  .stdout.trim()
  .split('\n');

// The build inputs only (what the Dockerfile copies), so both builders get
// the same context whatever is in the working tree (node_modules, reports).
const scratch = mkdtempSync(path.join(tmpdir(), 'bench-build-'));
const context = path.join(scratch, 'example-service');
for (const entry of [
  'Dockerfile',
  'package.json',
  'package-lock.json',
  '.npmrc',
  'tsconfig.json',
  'src',
  'migrations',
]) {
  cpSync(path.join(service, entry), path.join(context, entry), { recursive: true });
}
let edits = 0;
function changeSource(): void {
  edits += 1;
  appendFileSync(path.join(context, 'src', 'main.ts'), `// bench-build edit ${edits} ${Date.now()}\n`);
}

function timed(label: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): number {
  const started = process.hrtime.bigint();
  const r = sh(command, args, { ...env, ...extraEnv });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0)
    throw new Error(`${label}: ${command} ${args.join(' ')} failed:\n${r.stderr.split('\n').slice(-20).join('\n')}`);
  process.stderr.write(`bench-build: ${label}: ${seconds.toFixed(1)} s\n`);
  return seconds;
}

const image = `${registry}/pipeline-actions-bench/example-service`;
function buildx(platforms: string, tag: string): string[] {
  return ['buildx', 'build', '--platform', platforms, '--provenance=false', '--push', '-t', `${image}:${tag}`, context];
}
const pruneBuilder = (): Ran => must('docker', ['buildx', 'prune', '--all', '--force'], env);

const results: Record<string, number> = {};
if (!skipBaseline) {
  must('docker', ['builder', 'prune', '--all', '--force'], env);
  sh('docker', ['rmi', '-f', 'bench-build-baseline:latest'], env);
  // `docker build` on the engine's own builder: buildx's `default` (docker driver) instead of ours;
  // --network host as buildkitd's RUN steps have (the engine's bridge has no route out: npm ci needs one).
  const engine = { BUILDX_BUILDER: 'default' };
  results['baseline cold'] = timed(
    'docker build, cold',
    'docker',
    ['build', '--network', 'host', '-t', 'bench-build-baseline', context],
    engine,
  );
  changeSource();
  results['baseline warm'] = timed(
    'docker build, warm',
    'docker',
    ['build', '--network', 'host', '-t', 'bench-build-baseline', context],
    engine,
  );
}
pruneBuilder();
results['amd64 cold'] = timed('buildx amd64, cold', 'docker', buildx('linux/amd64', 'amd64'));
changeSource();
results['amd64 warm'] = timed('buildx amd64, warm', 'docker', buildx('linux/amd64', 'amd64'));
pruneBuilder();
results['multi cold'] = timed('buildx amd64+arm64, cold', 'docker', buildx('linux/amd64,linux/arm64', 'multi'));
changeSource();
results['multi warm'] = timed('buildx amd64+arm64, warm', 'docker', buildx('linux/amd64,linux/arm64', 'multi'));

/** Compressed size (layers as pushed) of ref's image for one architecture; ref names an index. */
function pushedMb(ref: string, arch: string): number {
  const inspect = (r: string): string =>
    must('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${r}`], env).stdout;
  const index = JSON.parse(inspect(ref)) as {
    manifests?: { digest: string; platform?: { os: string; architecture: string } }[];
  };
  const entry = (index.manifests ?? []).find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
  if (!entry) throw new Error(`${ref} has no linux/${arch} image`);
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  const manifest = JSON.parse(inspect(`${repo}@${entry.digest}`)) as { layers: { size: number }[] };
  return manifest.layers.reduce((sum, l) => sum + l.size, 0) / 1e6;
}
const pulled = must('docker', ['pull', '-q', `${image}:multi`], env);
const unpacked =
  Number(must('docker', ['image', 'inspect', '--format', '{{.Size}}', pulled.stdout.trim()], env).stdout.trim()) / 1e6;
rmSync(scratch, { recursive: true, force: true });

const s = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(1)} s`);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`;
const lines = [
  '',
  'example-service image build (this machine, this run)',
  `  docker build (engine builder, amd64)  cold ${s(results['baseline cold'])}   warm ${s(results['baseline warm'])}`,
  `  buildx amd64 + push                   cold ${s(results['amd64 cold'])}   warm ${s(results['amd64 warm'])}`,
  `  buildx amd64+arm64 + push             cold ${s(results['multi cold'])}   warm ${s(results['multi warm'])}`,
  `  ratios: buildx amd64 / docker build   cold ${ratio(results['amd64 cold'], results['baseline cold'])}   warm ${ratio(results['amd64 warm'], results['baseline warm'])}`,
  `          multi / amd64 (buildx)        cold ${ratio(results['multi cold'], results['amd64 cold'])}   warm ${ratio(results['multi warm'], results['amd64 warm'])}`,
  `          warm / cold (multi)           ${ratio(results['multi warm'], results['multi cold'])}`,
  `  goal warm multi-arch <= ${GOAL_WARM_MULTI_S} s: ${(results['multi warm'] ?? Infinity) <= GOAL_WARM_MULTI_S ? 'met' : 'MISSED'}` +
    `   goal cold multi-arch <= ${GOAL_COLD_MULTI_S} s: ${(results['multi cold'] ?? Infinity) <= GOAL_COLD_MULTI_S ? 'met' : 'MISSED'}`,
  `  image ${image}:multi  pushed amd64 ${pushedMb(`${image}:multi`, 'amd64').toFixed(1)} MB, arm64 ${pushedMb(`${image}:multi`, 'arm64').toFixed(1)} MB; unpacked amd64 ${unpacked.toFixed(1)} MB`,
  '  base images (local stand-ins, compressed as pushed):',
  ...bases.map((b) => `    ${b}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
