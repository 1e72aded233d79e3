/**
 * The port probe end to end: the built dist/index.js, run as the runner runs
 * it (node, INPUT_* variables), starts tiny images on the project's real
 * container engine and reads what they listen on.
 *
 * Needs the container engine (tools/containers/containers.sh up; DOCKER_HOST,
 * else `containers.sh env`) with the node:24-bookworm-slim stand-in
 * (tools/containers/base-images.sh), which the images are built FROM through
 * the engine's registry mirror. Skipped with a
 * note when it is not up; with REQUIRE_CONTAINERS=1 (.ci/run) that fails.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { isInert } from '@pipeline/action-kit';
import { requireOrSkip, runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { PROBE_LABEL } from '../src/probe.js';

const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONTAINERS_SH = process.env['CONTAINERS_SH'] ?? path.resolve(actionDir, '../../tools/containers/containers.sh');

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The engine's DOCKER_HOST and DOCKER_CONFIG: the environment's, else `containers.sh env`'s. */
async function engineVars(): Promise<Record<string, string>> {
  const { DOCKER_HOST, DOCKER_CONFIG } = process.env;
  if (DOCKER_HOST) return { DOCKER_HOST, ...(DOCKER_CONFIG ? { DOCKER_CONFIG } : {}) };
  const up = await run('bash', [CONTAINERS_SH, 'env'], process.env, 30_000);
  return Object.fromEntries(
    up.stdout
      .split('\n')
      .filter((line) => /^(DOCKER_HOST|DOCKER_CONFIG)=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The engine's variables, when it answers and has the node base image (only the engine is needed, not BuildKit). */
async function engineEnv(): Promise<Record<string, string> | undefined> {
  const vars = await engineVars();
  if (!vars['DOCKER_HOST']) return undefined;
  const pulled = await run(
    'docker',
    ['pull', '--quiet', 'node:24-bookworm-slim'],
    { ...process.env, ...vars },
    120_000,
  );
  return pulled.code === 0 ? vars : undefined;
}

const engine = await engineEnv();
const describeIt = requireOrSkip({
  what: 'the container engine with the node:24-bookworm-slim stand-in',
  available: engine !== undefined,
  howToGet: 'run `npm run containers:up && tools/containers/base-images.sh`',
  requiredBy: 'REQUIRE_CONTAINERS',
})
  ? describe
  : describe.skip;

const SERVER = (port: string): string =>
  `require('http').createServer((q, s) => s.end('ok')).listen(${port}, () => console.log('listening'))`;

/** Each image: its Dockerfile (also the workspace's, so the static detection reads its EXPOSE). */
const IMAGES: Record<string, string> = {
  fixed: `FROM node:24-bookworm-slim\nEXPOSE 3000\nCMD ["node", "-e", ${JSON.stringify(SERVER('8081'))}]\n`,
  'reads-port': `FROM node:24-bookworm-slim\nEXPOSE 4000\nCMD ["node", "-e", ${JSON.stringify(SERVER('Number(process.env.PORT)'))}]\n`,
  exits: `FROM node:24-bookworm-slim\nEXPOSE 3000\nCMD ["node", "-e", "console.error('Error: DATABASE_URL is not set\\\\n::error::injected'); process.exit(3)"]\n`,
  silent: `FROM node:24-bookworm-slim\nEXPOSE 3000\nCMD ["node", "-e", "setInterval(() => {}, 1000)"]\n`,
};

describeIt('the port probe on the real engine (the bundle, as the runner runs it)', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...engine };
  const tag = randomBytes(4).toString('hex');
  const image = (name: string): string => `pipeline-actions-e2e/port-probe-${name}:${tag}`;
  const workspaces: Record<string, string> = {};
  const timings: string[] = [];

  beforeAll(async () => {
    for (const [name, dockerfile] of Object.entries(IMAGES)) {
      const dir = await mkdtemp(path.join(tmpdir(), `port-probe-${name}-`));
      await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
      workspaces[name] = dir;
      // --load: the toolchain's default builder is BuildKit's (BUILDX_BUILDER), which keeps images to itself otherwise.
      const built = await run('docker', ['buildx', 'build', '--load', '--quiet', '--tag', image(name), dir], env);
      if (built.code !== 0) throw new Error(`docker build ${name}: ${built.stderr}`);
    }
  }, 300_000);

  afterEach(async () => {
    // No container of the probe is left behind, whatever the case did.
    const left = await run('docker', ['ps', '--all', '--quiet', '--filter', `label=${PROBE_LABEL}`], env);
    expect(left.stdout.trim()).toBe('');
  });

  afterAll(async () => {
    process.stderr.write(`\nport probe timings:\n${timings.join('\n')}\n`);
    await run('docker', ['image', 'rm', ...Object.keys(IMAGES).map(image)], env);
    for (const dir of Object.values(workspaces)) await rm(dir, { recursive: true, force: true });
  });

  const probe = async (name: string, inputs: Record<string, string> = {}): Promise<ActionRun> => {
    const result = await runAction(actionDir, {
      workspace: workspaces[name] as string,
      inputs: { 'probe-image': image(name), ...inputs },
      env: { DOCKER_HOST: engine?.['DOCKER_HOST'] ?? '', DOCKER_CONFIG: engine?.['DOCKER_CONFIG'] ?? '' },
      timeoutMs: 120_000,
    });
    const facts = JSON.parse(result.outputs['facts'] ?? '[]') as { what: string; value: string; how: string }[];
    const row = facts.find((f) => f.what === 'probe');
    timings.push(`  ${name}: step ${(result.durationMs / 1000).toFixed(1)} s; probe: ${row?.value} (${row?.how})`);
    return result;
  };

  it('observes the port a service listens on when it is not the EXPOSEd one', async () => {
    const result = await probe('fixed');
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ port: '8081', 'port-source': 'observed', listening: '8081' });
    expect(result.annotations).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('listens on 8081, not on 3000') }),
    );
    expect(result.summary).toContain('| port | 8081 | observed |');
  }, 120_000);

  it('sets PORT to the static port: a service that reads it listens there', async () => {
    const result = await probe('reads-port');
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ port: '4000', 'port-source': 'observed', listening: '4000' });
    expect(result.annotations.filter((a) => a.level === 'warning')).toEqual([]);
  }, 120_000);

  it('keeps the static port and says why when the container exits, its logs inert', async () => {
    const result = await probe('exits');
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ port: '3000', 'port-source': 'exposed' });
    expect(result.outputs['listening']).toBeUndefined();
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/not observed \(the container exited with code 3 after/),
      }),
    );
    expect(result.stdout).toContain('DATABASE_URL is not set');
    // The container's own "::error::" line is printed, not obeyed.
    expect(result.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(isInert(result.stdout.slice(result.stdout.indexOf("The container's last log lines")))).toBe(true);
    expect(result.summary).toMatch(/\| port \| 3000 \| detected \| EXPOSE in Dockerfile; not observed/);
  }, 120_000);

  it('keeps the static port when nothing listens within probe-timeout', async () => {
    const result = await probe('silent', { 'probe-timeout': '3s' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ port: '3000', 'port-source': 'exposed' });
    expect(result.annotations).toContainEqual(
      // The time it watched: probe-timeout, plus at most one poll.
      expect.objectContaining({ message: expect.stringMatching(/nothing listened on TCP within 3\.[0-4] s/) }),
    );
  }, 120_000);

  it('does not start the image when the port input is given', async () => {
    const result = await probe('fixed', { port: '5000' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ port: '5000', 'port-source': 'input' });
    expect(result.stdout).toContain('the image is not started');
  }, 120_000);
});
