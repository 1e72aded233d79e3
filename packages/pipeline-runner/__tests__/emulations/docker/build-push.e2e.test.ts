import { requireOrSkip } from '@pipeline/action-kit/testing';
/**
 * End to end against the project's real builder and local registry
 * (tools/containers/containers.sh up): setup-buildx selects the builder,
 * metadata-action computes the workflow's tags, build-push builds for
 * linux/amd64 and linux/arm64 and pushes to the local registry under the
 * ghcr.io path; the registry's index lists both platforms, the sha tag
 * resolves to the reported digest, and a second build imports the local
 * cache the first exported. Skipped when the tooling is not up; with
 * REQUIRE_CONTAINERS=1 (.ci/run) that is a failure.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { buildPushAction } from '../../../src/emulations/docker/build-push.js';
import { setupBuildxAction } from '../../../src/emulations/docker/buildx.js';
import { dockerEnvFromUp } from '../../../src/emulations/docker/index.js';
import { metadataAction } from '../../../src/emulations/docker/metadata.js';
import { nodeIO } from '../../../src/emulations/docker/node-io.js';
import type { DockerEnv, EmulationContext, ExecOptions } from '../../../src/emulations/docker/types.js';
import { github } from '../../helpers/docker-fake-io.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const SCRIPT = process.env['CONTAINERS_SH'] ?? path.join(ROOT, 'tools/containers/containers.sh');

async function tooling(): Promise<{ env: DockerEnv; vars: Record<string, string> } | string> {
  if (!existsSync(SCRIPT)) return `${path.relative(ROOT, SCRIPT)} does not exist`;
  try {
    const { stdout } = await promisify(execFile)('bash', [SCRIPT, 'env'], { timeout: 60_000 });
    const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;
    return dockerEnvFromUp(stdout, { cacheDir: '', hostArch });
  } catch (error) {
    return `containers.sh env failed (not up?): ${(error as Error).message.split('\n')[0] ?? ''}`;
  }
}

const found = await tooling();
const withTooling = requireOrSkip({
  what: 'the container tooling (buildx, registry)',
  available: typeof found !== 'string',
  howToGet: `${typeof found === 'string' ? found : ''}; run npm run containers:up first`,
  requiredBy: 'REQUIRE_CONTAINERS',
});

const WORKFLOW_TAGS =
  'type=ref,event=branch\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=semver,pattern={{major}}\ntype=sha,format=short,prefix=sha-';
const INDEX_TYPES =
  'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

(withTooling && typeof found !== 'string' ? describe : describe.skip)(
  'docker emulations against the real builder and registry',
  () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    it('builds both platforms, pushes to the local registry under the ghcr.io path, reuses the cache', async () => {
      const tools = found as Exclude<typeof found, string>;
      const ws = await mkdtemp(path.join(tmpdir(), 'docker-emulation-e2e-'));
      dirs.push(ws);
      await mkdir(path.join(ws, 'svc'));
      await writeFile(
        path.join(ws, 'svc/Dockerfile'),
        'FROM scratch\nARG TARGETARCH\nCOPY hello.txt /hello.txt\nLABEL e2e=docker-emulations\n',
      );
      await writeFile(path.join(ws, 'svc/hello.txt'), `hello ${Date.now()}\n`);
      const docker: DockerEnv = { ...tools.env, cacheDir: path.join(ws, 'cache') };
      const binPath = tools.vars['CONTAINERS_BIN'] ? `${tools.vars['CONTAINERS_BIN']}:` : '';
      const env = {
        ...(process.env as Record<string, string>),
        ...tools.vars,
        PATH: `${binPath}${process.env['PATH'] ?? ''}`,
      };
      const real = nodeIO({ env, cwd: ws, tempRoot: path.join(ws, 'runner-temp'), timeoutMs: 280_000 });
      const argvs: string[][] = [];
      const io = {
        ...real,
        exec: (argv: readonly string[], o?: ExecOptions) => {
          argvs.push([...argv]);
          return real.exec(argv, o);
        },
      };
      const sha = `${Date.now().toString(16).padStart(12, '0')}${'0'.repeat(28)}`;
      const ctx: EmulationContext = {
        github: github({ ref: 'refs/heads/e2e/emulation', sha, repository: 'pipeline-actions/emulation-e2e' }),
        env: {},
        workspace: ws,
        docker,
      };

      const buildx = await setupBuildxAction({}, ctx, io);
      expect([buildx.status, buildx.reason]).toEqual(['success', undefined]);
      expect(buildx.outputs['name']).toBe(docker.builder);

      const meta = await metadataAction(
        { images: 'ghcr.io/pipeline-actions/emulation-e2e', tags: WORKFLOW_TAGS },
        ctx,
        io,
      );
      expect(meta.outputs['tags']?.split('\n')).toEqual([
        `ghcr.io/pipeline-actions/emulation-e2e:e2e-emulation`,
        `ghcr.io/pipeline-actions/emulation-e2e:sha-${sha.slice(0, 7)}`,
      ]);

      const step = {
        context: 'svc',
        file: 'svc/Dockerfile',
        platforms: 'linux/amd64,linux/arm64',
        push: 'true',
        tags: meta.outputs['tags'] ?? '',
        labels: meta.outputs['labels'] ?? '',
        'cache-from': 'type=gha',
        'cache-to': 'type=gha,mode=max',
        provenance: 'mode=min',
      };
      const first = await buildPushAction(step, ctx, io);
      expect([first.status, first.reason]).toEqual(['success', undefined]);
      const digest = first.outputs['digest'] ?? '';
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(first.mappings?.[0]?.to).toBe(`${docker.registry}/pipeline-actions/emulation-e2e:e2e-emulation`);

      const index = (await (
        await fetch(`http://${docker.registry}/v2/pipeline-actions/emulation-e2e/manifests/${digest}`, {
          headers: { Accept: INDEX_TYPES },
        })
      ).json()) as { manifests: { platform?: { os: string; architecture: string } }[] };
      const platforms = index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`);
      expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
      const head = await fetch(
        `http://${docker.registry}/v2/pipeline-actions/emulation-e2e/manifests/sha-${sha.slice(0, 7)}`,
        { method: 'HEAD', headers: { Accept: INDEX_TYPES } },
      );
      expect(head.headers.get('docker-content-digest')).toBe(digest);

      expect(existsSync(path.join(docker.cacheDir, 'buildkit/index.json'))).toBe(true);
      const second = await buildPushAction(step, ctx, io);
      expect(second.status).toBe('success');
      expect(argvs[argvs.length - 1]).toContain(`type=local,src=${path.join(docker.cacheDir, 'buildkit')}`);
    }, 300_000);
  },
);
