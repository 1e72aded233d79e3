import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { buildOutputs, buildPushAction, buildxError } from '../../../src/emulations/docker/build-push.js';
import { parseBuildPushInputs } from '../../../src/emulations/docker/build-push-inputs.js';
import { planBuild } from '../../../src/emulations/docker/build-push-plan.js';
import type { PlanContext } from '../../../src/emulations/docker/build-push-plan.js';
import { baseImages } from '../../../src/emulations/docker/dockerfile.js';
import { parsePlatform } from '../../../src/emulations/docker/platforms.js';
import type { ExecResult } from '../../../src/emulations/docker/types.js';
import { FakeIO, REGISTRY, context, github } from '../../helpers/docker-fake-io.js';
import type { ExecScript } from '../../helpers/docker-fake-io.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLE_DOCKERFILE = readFileSync(path.resolve(here, '../../../../../example-service/Dockerfile'), 'utf8');

const WS = '/work/repo';
const CACHE = `${WS}/.tmp/buildx-cache/buildkit`;
const TMP = '/runner/temp/docker-actions-toolkit-1';
const RUN_URL = 'https://github.com/acme/widget/actions/runs/42/attempts/1';
const DIGEST = `sha256:${'d1'.repeat(32)}`;

// The build job's step (.github/workflows/pipeline.yml) after metadata-action, on a push to main.
const WORKFLOW_STEP = {
  context: 'example-service',
  file: 'example-service/Dockerfile',
  platforms: 'linux/amd64,linux/arm64',
  push: 'true',
  tags: 'ghcr.io/acme/widget:main\nghcr.io/acme/widget:sha-abc1234',
  labels: 'org.opencontainers.image.title=widget\norg.opencontainers.image.version=main',
  'cache-from': 'type=gha',
  'cache-to': 'type=gha,mode=max',
  provenance: 'mode=min',
};

function planCtx(
  existing: string[] = [`${WS}/example-service`, `${WS}/example-service/Dockerfile`],
  env: Record<string, string> = {},
): PlanContext {
  const ctx = context({ env });
  return { github: ctx.github, docker: ctx.docker!, env, workspace: WS, tmpDir: TMP, existing: new Set(existing) };
}

/** True when `run` appears in argv as consecutive elements. */
function containsRun(argv: string[], run: string[]): boolean {
  return argv.some((_a, i) => run.every((r, k) => argv[i + k] === r));
}

function argvFor(step: Record<string, string>, existing?: string[], env: Record<string, string> = {}): string[] {
  return planBuild(parseBuildPushInputs(step, github()), planCtx(existing, env)).argv;
}

describe('build-push: the buildx argument array', () => {
  it('the workflow step, first build (no local cache yet)', () => {
    expect(argvFor(WORKFLOW_STEP)).toEqual([
      'docker',
      'buildx',
      'build',
      '--cache-to',
      `type=local,dest=${CACHE}.new,mode=max`,
      '--file',
      'example-service/Dockerfile',
      '--iidfile',
      `${TMP}/build-iidfile.txt`,
      '--label',
      'org.opencontainers.image.title=widget',
      '--label',
      'org.opencontainers.image.version=main',
      '--platform',
      'linux/amd64,linux/arm64',
      '--attest',
      `type=provenance,mode=min,builder-id=${RUN_URL}`,
      '--tag',
      `${REGISTRY}/acme/widget:main`,
      '--tag',
      `${REGISTRY}/acme/widget:sha-abc1234`,
      '--metadata-file',
      `${TMP}/build-metadata.json`,
      '--push',
      'example-service',
    ]);
  });

  it('the workflow step with a local cache imports it', () => {
    const argv = argvFor(WORKFLOW_STEP, [
      `${WS}/example-service`,
      `${WS}/example-service/Dockerfile`,
      `${CACHE}/index.json`,
    ]);
    expect(argv.slice(3, 7)).toEqual([
      '--cache-from',
      `type=local,src=${CACHE}`,
      '--cache-to',
      `type=local,dest=${CACHE}.new,mode=max`,
    ]);
  });

  it.each<[string, Record<string, string>, string[], string[]?]>([
    [
      'pull request: no --push, default provenance (public repo: mode=max)',
      { context: '.', push: 'false' },
      ['--attest', `type=provenance,mode=max,builder-id=${RUN_URL}`],
    ],
    [
      'load: no default provenance, --load',
      { context: '.', load: 'true' },
      ['--load', '--metadata-file'],
      ['--attest'],
    ],
    ['provenance: false', { context: '.', provenance: 'false' }, ['--attest', 'type=provenance,disabled=true']],
    ['provenance: true', { context: '.', provenance: 'true' }, ['--attest', `type=provenance,builder-id=${RUN_URL}`]],
    [
      'provenance with its own builder-id',
      { context: '.', provenance: 'mode=max,builder-id=local' },
      ['--attest', 'type=provenance,mode=max,builder-id=local'],
    ],
    [
      'sbom: true',
      { context: '.', sbom: 'true', provenance: 'false' },
      ['--attest', 'type=provenance,disabled=true', '--attest', 'type=sbom,disabled=false'],
    ],
    [
      'attests (provenance input wins)',
      { context: '.', provenance: 'mode=min', attests: 'type=provenance,mode=max\ntype=sbom,generator=img' },
      ['--attest', `type=provenance,mode=min,builder-id=${RUN_URL}`, '--attest', 'type=sbom,generator=img'],
    ],
    [
      'build-args keep commas',
      { context: '.', 'build-args': 'A=1,2\nB=x' },
      ['--build-arg', 'A=1,2', '--build-arg', 'B=x'],
    ],
    [
      'target after the tags',
      { context: '.', target: 'runtime', tags: 'a/b:1' },
      ['--tag', `${REGISTRY}/a/b:1`, '--target', 'runtime'],
    ],
    [
      'tags split on commas too',
      { context: '.', tags: 'ghcr.io/a/b:1,ghcr.io/a/b:2' },
      ['--tag', `${REGISTRY}/a/b:1`, '--tag', `${REGISTRY}/a/b:2`],
    ],
    [
      'registry cache refs are mapped',
      { context: '.', 'cache-from': 'ghcr.io/a/b:cache', 'cache-to': 'type=registry,ref=ghcr.io/a/b:cache,mode=max' },
      [
        '--cache-from',
        `type=registry,ref=${REGISTRY}/a/b:cache`,
        '--cache-to',
        `type=registry,ref=${REGISTRY}/a/b:cache,mode=max`,
      ],
    ],
    [
      'image outputs are mapped',
      { context: '.', outputs: 'type=image,"name=ghcr.io/a/b:1,ghcr.io/a/b:2",push=true' },
      ['--output', `type=image,"name=${REGISTRY}/a/b:1,${REGISTRY}/a/b:2",push=true`],
    ],
    [
      'gha scope picks its directory',
      { context: '.', 'cache-to': 'type=gha,scope=arm64,mode=max,ignore-error=true' },
      ['--cache-to', `type=local,dest=${WS}/.tmp/buildx-cache/arm64.new,mode=max,ignore-error=true`],
    ],
    [
      'no-cache, pull, network, builder',
      { context: '.', 'no-cache': 'true', pull: 'true', network: 'host', builder: 'pipeline' },
      [
        '--builder',
        'pipeline',
        '--metadata-file',
        `${TMP}/build-metadata.json`,
        '--network',
        'host',
        '--no-cache',
        '--pull',
        '.',
      ],
    ],
  ])('%s', (_name, step, run, absent = []) => {
    const argv = argvFor(step, [WS, `${WS}/Dockerfile`]);
    expect(containsRun(argv, run)).toBe(true);
    for (const flag of absent) expect(argv).not.toContain(flag);
    expect(argv[argv.length - 1]).toBe('.');
  });

  it('pull request builds neither push nor load', () => {
    const argv = argvFor({ context: '.', push: 'false' }, [WS, `${WS}/Dockerfile`]);
    expect(argv).not.toContain('--push');
    expect(argv).not.toContain('--load');
  });

  it('BUILDX_NO_DEFAULT_ATTESTATIONS drops the default provenance; a private repository gets min,inline-only', () => {
    expect(argvFor({ context: '.' }, [WS, `${WS}/Dockerfile`], { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' })).not.toContain(
      '--attest',
    );
    const ctx = planCtx([WS, `${WS}/Dockerfile`]);
    ctx.github.payload = { repository: { private: true } };
    const argv = planBuild(parseBuildPushInputs({ context: '.' }, ctx.github), ctx).argv;
    expect(argv).toContain(`type=provenance,mode=min,inline-only=true,builder-id=${RUN_URL}`);
  });

  it('secrets go to 0600 files under the step temp dir; only the path reaches argv', () => {
    const plan = planBuild(
      parseBuildPushInputs(
        { context: '.', secrets: 'NPM_TOKEN=s3cr3t-value\nbad', 'secret-envs': 'GH=GITHUB_TOKEN' },
        github(),
      ),
      planCtx([WS, `${WS}/Dockerfile`]),
    );
    expect(plan.argv).toContain(`id=NPM_TOKEN,src=${TMP}/secret-1`);
    expect(plan.argv).toContain('id=GH,env=GITHUB_TOKEN');
    expect(plan.argv.join(' ')).not.toContain('s3cr3t-value');
    expect(plan.secretFiles).toEqual([{ path: `${TMP}/secret-1`, content: 's3cr3t-value' }]);
    expect(plan.masks).toEqual(['s3cr3t-value']);
    expect(plan.warnings).toEqual(['secrets entry 2 is not a valid secret (expected id=value)']);
  });

  it('a missing secret file is the action warning, not a flag', () => {
    const plan = planBuild(
      parseBuildPushInputs({ context: '.', 'secret-files': 'KEY=missing.txt' }, github()),
      planCtx([WS, `${WS}/Dockerfile`]),
    );
    expect(plan.warnings).toEqual(['secret file missing.txt not found']);
    expect(plan.argv).not.toContain('--secret');
  });
});

describe('build-push: input errors name the input, the value and what is accepted', () => {
  it.each<[string, Record<string, string>, string[], RegExp]>([
    [
      'a missing Dockerfile',
      { context: 'example-service', file: 'example-service/Dockerfile.prod' },
      [`${WS}/example-service`],
      /failed to read dockerfile: open Dockerfile.prod: no such file or directory \(input 'file' "example-service\/Dockerfile.prod", resolved to \/work\/repo\/example-service\/Dockerfile.prod\)/,
    ],
    [
      'no Dockerfile in the context',
      { context: 'svc' },
      [`${WS}/svc`],
      /open Dockerfile: no such file or directory \(input 'file' "\(default: <context>\/Dockerfile\)"/,
    ],
    ['a missing context', { context: 'nope' }, [], /unable to prepare context: path "nope" not found/],
    [
      'an unknown architecture',
      { context: '.', platforms: 'linux/amd64,linux/amd46' },
      [WS, `${WS}/Dockerfile`],
      /invalid platform "linux\/amd46": unknown architecture "amd46"; accepted form os\/arch\[\/variant\]/,
    ],
    [
      'an unknown OS',
      { context: '.', platforms: 'linus/amd64' },
      [WS, `${WS}/Dockerfile`],
      /invalid platform "linus\/amd64": unknown operating system "linus"/,
    ],
    [
      'an uppercase tag',
      { context: '.', tags: 'ghcr.io/Acme/widget:main' },
      [WS, `${WS}/Dockerfile`],
      /input 'tags': invalid reference format: repository name \(Acme\/widget\) must be lowercase/,
    ],
    [
      'push not a boolean',
      { context: '.', push: 'yes' },
      [WS, `${WS}/Dockerfile`],
      /specification: push \(got "yes"\)/,
    ],
  ])('%s', async (_name, step, existing, message) => {
    const io = new FakeIO();
    for (const p of existing) io.dirs.add(p);
    const outcome = await buildPushAction(step, context(), io);
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toMatch(message);
    expect(io.calls).toEqual([]);
  });

  it.each<[string, string]>([
    ['linux/arm/v7', 'linux/arm/v7'],
    ['linux/arm', 'linux/arm'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/x86_64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['linux', 'linux/amd64'],
  ])('platform %s is accepted (%s)', (given, normalised) => {
    const p = parsePlatform(given);
    expect(`${p.os}/${p.arch}${p.variant ? `/${p.variant}` : ''}`).toBe(normalised);
  });
});

function metadataWriter(exitCode = 0, stderr = ''): ExecScript {
  return async (argv, _options, io) => {
    const file = argv[argv.indexOf('--metadata-file') + 1] as string;
    const iid = argv[argv.indexOf('--iidfile') + 1] as string;
    if (exitCode === 0) {
      await io.writeFile(
        file,
        JSON.stringify({
          'buildx.build.ref': 'pipeline/pipeline0/r1',
          'containerimage.descriptor': {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            digest: DIGEST,
            size: 1609,
          },
          'containerimage.digest': DIGEST,
        }),
      );
      await io.writeFile(iid, `${DIGEST}\n`);
      const dest = /dest=([^,]+)/.exec(argv.find((a) => a.startsWith('type=local,dest=')) ?? '')?.[1];
      if (dest) await io.writeFile(`${dest}/index.json`, '{"new":true}');
    }
    return { exitCode, stdout: '', stderr } satisfies ExecResult;
  };
}

function workspaceIO(script: ExecScript): FakeIO {
  const io = new FakeIO(script);
  io.files.set(`${WS}/example-service/Dockerfile`, EXAMPLE_DOCKERFILE);
  return io;
}

describe('build-push: running the plan', () => {
  it('builds, reads digest/imageid/metadata as the action does, moves the cache, cleans secrets', async () => {
    const io = workspaceIO(metadataWriter());
    io.files.set(`${CACHE}/index.json`, '{"old":true}');
    const outcome = await buildPushAction({ ...WORKFLOW_STEP, secrets: 'TOKEN=hunter2-secret' }, context(), io);
    expect(outcome.status).toBe('success');
    expect(outcome.outputs['digest']).toBe(DIGEST);
    expect(outcome.outputs['imageid']).toBe(DIGEST);
    expect(JSON.parse(outcome.outputs['metadata'] ?? '')).toMatchObject({ 'containerimage.digest': DIGEST });
    expect(outcome.outputs['metadata']).toContain('\n  "buildx.build.ref"');
    expect(io.files.get(`${CACHE}/index.json`)).toBe('{"new":true}');
    expect([...io.files.keys()].some((p) => p.startsWith(`${CACHE}.new`))).toBe(false);
    expect(io.written.get(`${TMP}/secret-1`)).toBe('hunter2-secret');
    expect(io.modes.get(`${TMP}/secret-1`)).toBe(0o600);
    expect(io.files.has(`${TMP}/secret-1`)).toBe(false);
    expect(outcome.masks).toEqual(['hunter2-secret']);
    expect(io.calls[0]?.options.env).toEqual({ BUILDX_METADATA_WARNINGS: 'true', BUILDX_BUILDER: 'pipeline' });
    expect(outcome.mappings).toEqual([
      { from: 'ghcr.io/acme/widget:main', to: `${REGISTRY}/acme/widget:main` },
      { from: 'ghcr.io/acme/widget:sha-abc1234', to: `${REGISTRY}/acme/widget:sha-abc1234` },
    ]);
    expect(outcome.notes).toEqual(
      expect.arrayContaining([
        `emulated: pushed to the local registry ${REGISTRY}, not to the workflow's registry`,
        'used local stand-in base image node:24-bookworm-slim',
        'used local stand-in base image gcr.io/distroless/nodejs24-debian12:nonroot',
        `emulated: cache-from type=gha → type=local,src=${CACHE} (GitHub's cache service is not reachable locally)`,
      ]),
    );
  });

  it('a failing build fails with the action wording and keeps the old cache', async () => {
    const stderr =
      '#12 [check 5/5] RUN node tsc\n#12 ERROR: process "/bin/sh -c node tsc" did not complete successfully: exit code: 2\nERROR: failed to build: failed to solve: process "/bin/sh -c node tsc" did not complete successfully: exit code: 2\n';
    const io = workspaceIO(metadataWriter(1, stderr));
    io.files.set(`${CACHE}/index.json`, '{"old":true}');
    io.files.set(`${CACHE}.new/index.json`, '{"partial":true}');
    const outcome = await buildPushAction(WORKFLOW_STEP, context(), io);
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toBe(
      'buildx failed with: ERROR: failed to build: failed to solve: process "/bin/sh -c node tsc" did not complete successfully: exit code: 2',
    );
    expect(outcome.outputs['digest']).toBeUndefined();
    expect(io.files.get(`${CACHE}/index.json`)).toBe('{"old":true}');
    expect(io.files.has(`${CACHE}.new/index.json`)).toBe(false);
  });

  it('without the container engine: skipped, but a missing Dockerfile still fails', async () => {
    const io = workspaceIO(metadataWriter());
    io.dirs.add(`${WS}/example-service`);
    const noEngine = context({ docker: undefined });
    expect((await buildPushAction(WORKFLOW_STEP, noEngine, io)).status).toBe('skipped');
    const missing = await buildPushAction({ ...WORKFLOW_STEP, file: 'example-service/Nope' }, noEngine, io);
    expect(missing.status).toBe('failure');
    expect(io.calls).toEqual([]);
  });

  it('a Git (default) context is skipped with the reason', async () => {
    const outcome = await buildPushAction({ push: 'true' }, context(), new FakeIO());
    expect(outcome.status).toBe('skipped');
    expect(outcome.reason).toMatch(/default Git context/);
  });
});

describe('build-push: outputs and errors as the action reads them', () => {
  it.each<[string, string | undefined, string | undefined, Record<string, string>]>([
    [
      'single platform',
      'sha256:cfg\n',
      '{"containerimage.config.digest":"sha256:cfg","containerimage.digest":"sha256:img"}',
      { imageid: 'sha256:cfg', digest: 'sha256:img' },
    ],
    ['no files', undefined, undefined, {}],
    ['metadata null', undefined, 'null', {}],
    ['no digest (cache-only build)', undefined, '{"buildx.build.ref":"r"}', {}],
  ])('%s', (_name, iid, metadata, expected) => {
    const out = buildOutputs(iid, metadata);
    expect({ imageid: out.imageid, digest: out.digest }).toEqual({
      imageid: expected['imageid'],
      digest: expected['digest'],
    });
    expect(out.metadata === undefined).toBe(metadata === undefined || metadata === 'null');
  });

  it.each<[string, string]>([
    [
      'line one\nERROR: failed to push 127.0.0.1:5000/a/b:1: connection refused\n\n',
      'buildx failed with: ERROR: failed to push 127.0.0.1:5000/a/b:1: connection refused',
    ],
    ['', 'buildx failed with exit code 1 and no error output'],
  ])('stderr %j', (stderr, reason) => {
    expect(buildxError(stderr, 1)).toBe(reason);
  });

  it('base images of the example Dockerfile, with ARG defaults and build-args', () => {
    expect(baseImages(EXAMPLE_DOCKERFILE)).toEqual([
      'node:24-bookworm-slim',
      'gcr.io/distroless/nodejs24-debian12:nonroot',
    ]);
    expect(baseImages(EXAMPLE_DOCKERFILE, { NODE_VERSION: '22' })).toEqual([
      'node:22-bookworm-slim',
      'gcr.io/distroless/nodejs22-debian12:nonroot',
    ]);
    expect(
      baseImages('FROM alpine AS a\nFROM a\nFROM scratch\nFROM --platform=$BUILDPLATFORM \\\n  busybox:1\n'),
    ).toEqual(['alpine', 'busybox:1']);
  });
});
