import { requireOrSkip } from '@pipeline/action-kit/testing';
/**
 * End to end against the project's own container toolchain
 * (tools/containers/containers.sh up): the real dockerd, the local registry,
 * buildkitd through the docker buildx plugin, and arm64 under QEMU.
 *
 * Prerequisites (what .ci/run does): `tools/containers/containers.sh up` and
 * `tools/containers/base-images.sh` (the node:24-bookworm-slim stand-in the
 * test builds FROM, through the registry mirror). Skipped with a loud message
 * when the toolchain is not up; with REQUIRE_CONTAINERS=1 (.ci/run) that is an error.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONTAINERS_SH = path.join(ROOT, 'tools/containers/containers.sh');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The KEY=value lines of `containers.sh env`, or undefined when it is not up. */
async function toolchainEnv(): Promise<Record<string, string> | undefined> {
  const result = await run('bash', [CONTAINERS_SH, 'env'], process.env, 30_000);
  if (result.code !== 0) return undefined;
  const vars: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) vars[line.slice(0, at)] = line.slice(at + 1);
  }
  return vars['DOCKER_HOST'] && vars['CONTAINERS_REGISTRY'] ? vars : undefined;
}

const vars = await toolchainEnv();
const withToolchain = requireOrSkip({
  what: 'the container toolchain (buildx, registry, QEMU)',
  available: vars !== undefined,
  howToGet: 'run `npm run containers:up && tools/containers/base-images.sh`',
  requiredBy: 'REQUIRE_CONTAINERS',
});

interface IndexEntry {
  mediaType: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}

(withToolchain ? describe : describe.skip)(
  'container toolchain: buildx on the local BuildKit, registry, arm64 emulation',
  () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...vars };
    const registry = vars?.['CONTAINERS_REGISTRY'] ?? '';
    const ref = `${registry}/pipeline-actions-e2e/arch:${randomBytes(4).toString('hex')}`;
    let dir = '';

    const buildx = (args: string[]): Promise<Result> =>
      run('docker', ['buildx', 'build', '--progress', 'plain', ...args], env);

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'containers-e2e-'));
      // FROM the docker.io name: it resolves through the builder's mirror.
      await writeFile(
        path.join(dir, 'Dockerfile'),
        'FROM node:24-bookworm-slim\nRUN node -p process.arch > /built-on-arch\nCMD ["node", "-p", "process.arch"]\n',
      );
      await writeFile(
        path.join(dir, 'Failing.Dockerfile'),
        'FROM node:24-bookworm-slim\nRUN echo about to fail && exit 3\n',
      );
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('pushes a two-platform image whose index lists linux/amd64 and linux/arm64', async () => {
      const built = await buildx([
        '--platform',
        'linux/amd64,linux/arm64',
        '--provenance=false',
        '--push',
        '-t',
        ref,
        dir,
      ]);
      expect(built.stderr).not.toMatch(/ERROR/);
      expect(built.code).toBe(0);
      const raw = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`], env, 60_000);
      expect(raw.code).toBe(0);
      const index = JSON.parse(raw.stdout) as { manifests?: IndexEntry[] };
      const platforms = (index.manifests ?? []).map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort();
      expect(platforms).toEqual(['linux/amd64', 'linux/arm64']);
    }, 600_000);

    it('runs the arm64 image under emulation: node reports arm64, at build and at run time', async () => {
      const ran = await run(
        'docker',
        ['run', '--rm', '--quiet', '--pull', 'always', '--platform', 'linux/arm64', ref],
        env,
        120_000,
      );
      expect(ran.code).toBe(0);
      expect(ran.stdout.trim()).toBe('arm64');
      const builtOn = await run(
        'docker',
        ['run', '--rm', '--platform', 'linux/arm64', ref, 'cat', '/built-on-arch'],
        env,
        120_000,
      );
      expect(builtOn.stdout.trim()).toBe('arm64');
    }, 300_000);

    it('fails on a missing Dockerfile with the builder message naming the file', async () => {
      // A file missing from an existing directory, and a directory that does not exist.
      const inContext = await buildx(['-f', path.join(dir, 'Missing.Dockerfile'), dir]);
      expect(inContext.code).not.toBe(0);
      expect(inContext.stderr).toMatch(
        /ERROR: .*failed to read dockerfile: open Missing\.Dockerfile: no such file or directory/,
      );
      const noDir = await buildx(['-f', path.join(dir, 'no-such-dir', 'Dockerfile'), dir]);
      expect(noDir.code).not.toBe(0);
      expect(noDir.stderr).toMatch(/ERROR: .*no-such-dir: no such file or directory/);
    }, 120_000);

    it('fails on a failing RUN with the exit code and the Dockerfile line', async () => {
      const built = await buildx(['-f', path.join(dir, 'Failing.Dockerfile'), dir]);
      expect(built.code).not.toBe(0);
      expect(built.stderr).toMatch(/did not complete successfully: exit code: 3/);
      expect(built.stderr).toContain('Failing.Dockerfile:2');
    }, 300_000);
  },
);
