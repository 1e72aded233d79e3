import { describe, expect, it } from '@jest/globals';
import { parseInspect, setupBuildxAction } from '../../../src/emulations/docker/buildx.js';
import { dockerEmulation, dockerEnvFromUp } from '../../../src/emulations/docker/index.js';
import {
  handlerState,
  requestedArchs,
  setupQemuAction,
  supportedPlatforms,
} from '../../../src/emulations/docker/qemu.js';
import { FakeIO, context } from '../../helpers/docker-fake-io.js';

const BINFMT = '/proc/sys/fs/binfmt_misc';
const entry = (flags: string, enabled = 'enabled'): string =>
  `${enabled}\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: ${flags}\noffset 0\nmagic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n`;

function binfmt(handlers: Record<string, string>, status = 'enabled'): FakeIO {
  const io = new FakeIO();
  io.files.set(`${BINFMT}/status`, `${status}\n`);
  for (const [name, text] of Object.entries(handlers)) io.files.set(`${BINFMT}/${name}`, text);
  return io;
}

describe('setup-qemu: the kernel handlers, checked (never installed)', () => {
  it.each<[string, string | undefined, boolean, RegExp | undefined]>([
    ['enabled with F', entry('POCF'), true, undefined],
    ['enabled without F', entry('OC'), false, /lacks the F \(fix-binary\) flag \(flags: OC\)/],
    ['disabled', entry('F', 'disabled'), false, /registered but disabled/],
    ['absent', undefined, false, /qemu-aarch64 is not registered/],
  ])('qemu-aarch64 %s', (_name, text, ok, why) => {
    const state = handlerState('arm64', text);
    expect(state.ok).toBe(ok);
    if (!state.ok) expect(state.why).toMatch(why!);
  });

  it.each<[string, string[]]>([
    ['arm64', ['arm64']],
    ['linux/arm64,linux/riscv64', ['arm64', 'riscv64']],
    ['all', ['arm64', 'riscv64', 'ppc64le', 's390x', '386', 'mips64le', 'mips64', 'loong64', 'arm']],
  ])('platforms %s → %j', (input, archs) => {
    expect(requestedArchs(input, 'amd64')).toEqual(archs);
  });

  it('the platforms output: host first, then BuildKit order, arm as v7 and v6', () => {
    expect(supportedPlatforms('amd64', ['arm', 'arm64'])).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7',
      'linux/arm/v6',
    ]);
  });

  it('default (all): success with what is there, naming the rest', async () => {
    const outcome = await setupQemuAction({}, context(), binfmt({ 'qemu-aarch64': entry('F') }));
    expect(outcome).toMatchObject({ status: 'success', outputs: { platforms: 'linux/amd64,linux/arm64' } });
    expect(outcome.notes?.join('\n')).toMatch(/not emulated here: riscv64, ppc64le/);
    expect(outcome.notes?.[0]).toMatch(/^emulated: checked the kernel's binfmt_misc handlers/);
  });

  it('an explicit platform without its handler fails, naming it', async () => {
    const outcome = await setupQemuAction(
      { platforms: 'arm64,riscv64' },
      context(),
      binfmt({ 'qemu-aarch64': entry('F') }),
    );
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toBe('qemu-riscv64 is not registered');
  });

  it.each<[string, FakeIO, RegExp]>([
    ['binfmt_misc not mounted', new FakeIO(), /binfmt_misc is not mounted at \/proc\/sys\/fs\/binfmt_misc/],
    ['binfmt_misc disabled', binfmt({}, 'disabled'), /is disabled/],
    ['no usable handler', binfmt({ 'qemu-aarch64': entry('OC') }), /no usable QEMU handler .*lacks the F/],
  ])('%s fails', async (_name, io, message) => {
    const outcome = await setupQemuAction({}, context(), io);
    expect(outcome.status).toBe('failure');
    expect(outcome.reason).toMatch(message);
  });
});

const INSPECT = `Name:          pipeline
Driver:        remote
Last Activity: 2026-12-01 20:00:00 +0000 UTC

Nodes:
Name:                  pipeline0
Endpoint:              unix:///work/repo/.tmp/containers/buildkitd.sock
Status:                running
BuildKit daemon flags: --allow-insecure-entitlement=network.host
BuildKit version:      v0.26.2
Platforms:             linux/amd64, linux/amd64/v2, linux/arm64, linux/386
Features:
 Cache export:         true
 Multi-platform build: true
Labels:
 org.mobyproject.buildkit.worker.executor:         oci
 org.mobyproject.buildkit.worker.snapshotter:      overlayfs
GC Policy rule#0:
 All:            false
 Filters:        type==source.local,type==exec.cachemount
 Keep Duration:  48h0m0s
 Max Used Space: 488.3MiB
GC Policy rule#1:
 All:            true
 Keep Duration:  1440h0m0s
`;

describe('setup-buildx: the project builder, parsed as the toolkit parses inspect', () => {
  it('reads name, driver, the node and its GC policy', () => {
    const info = parseInspect(INSPECT);
    expect(info.name).toBe('pipeline');
    expect(info.driver).toBe('remote');
    expect(info.nodes).toHaveLength(1);
    expect(info.nodes[0]).toMatchObject({
      name: 'pipeline0',
      endpoint: 'unix:///work/repo/.tmp/containers/buildkitd.sock',
      status: 'running',
      'buildkitd-flags': '--allow-insecure-entitlement=network.host',
      buildkit: 'v0.26.2',
      platforms: 'linux/amd64,linux/amd64/v2,linux/arm64,linux/386',
      features: { 'Cache export': true, 'Multi-platform build': true },
      labels: {
        'org.mobyproject.buildkit.worker.executor': 'oci',
        'org.mobyproject.buildkit.worker.snapshotter': 'overlayfs',
      },
      gcPolicy: [
        {
          all: false,
          filter: ['type==source.local', 'type==exec.cachemount'],
          keepDuration: '48h0m0s',
          maxUsedSpace: '488.3MiB',
        },
        { all: true, keepDuration: '1440h0m0s' },
      ],
    });
  });

  it('preferred (*) platforms win', () => {
    expect(
      parseInspect('Name: b\nDriver: docker-container\nName: b0\nPlatforms: linux/amd64*, linux/arm64*, linux/386\n')
        .nodes[0]?.platforms,
    ).toBe('linux/amd64,linux/arm64');
  });

  it('outputs name, driver, platforms, nodes; boots with inspect --bootstrap', async () => {
    const io = new FakeIO(() => ({ exitCode: 0, stdout: INSPECT, stderr: '' }));
    const outcome = await setupBuildxAction({ driver: 'docker-container', version: 'v0.20.0' }, context(), io);
    expect(outcome.status).toBe('success');
    expect(io.calls[0]).toEqual({
      argv: ['docker', 'buildx', 'inspect', '--bootstrap', 'pipeline'],
      options: { env: { DEBUG: '1' } },
    });
    expect(outcome.outputs).toMatchObject({
      name: 'pipeline',
      driver: 'remote',
      platforms: 'linux/amd64,linux/amd64/v2,linux/arm64,linux/386',
    });
    expect(Object.keys(outcome.outputs)).toEqual(['name', 'driver', 'platforms', 'nodes']);
    expect((JSON.parse(outcome.outputs['nodes'] ?? '') as { name: string }[])[0]?.name).toBe('pipeline0');
    expect(outcome.notes?.join('\n')).toMatch(
      /selected the project's builder pipeline \(driver remote\).*\n.*not applied to the project's builder: version/,
    );
  });

  it('a builder that will not boot fails with its error', async () => {
    const io = new FakeIO(() => ({ exitCode: 1, stdout: '', stderr: 'ERROR: no builder "pipeline" found\n' }));
    expect(await setupBuildxAction({}, context(), io)).toMatchObject({
      status: 'failure',
      reason: 'ERROR: no builder "pipeline" found',
    });
  });

  it('without the container engine: skipped', async () => {
    expect((await setupBuildxAction({}, context({ docker: undefined }), new FakeIO())).status).toBe('skipped');
  });
});

describe('dispatch and tooling description', () => {
  it.each<[string, boolean]>([
    ['docker/metadata-action@dc802804100637a589fabce1cb79ff13a1411302', true],
    ['Docker/Build-Push-Action@v7', true],
    ['docker/login-action@v4', true],
    ['docker/setup-qemu-action@v4', true],
    ['docker/setup-buildx-action@v4', true],
    ['docker/bake-action@v6', false],
    ['docker/metadata-action', false],
    ['actions/checkout@v5', false],
  ])('%s → %s', (uses, found) => {
    expect(dockerEmulation(uses) !== undefined).toBe(found);
  });

  it('warns about an input the action does not declare, in GitHub wording', async () => {
    const outcome = await dockerEmulation('docker/metadata-action@v6')!(
      { tags: 'type=raw,value=x', tag: 'oops' },
      context(),
      new FakeIO(),
    );
    expect(outcome.status).toBe('success');
    expect(outcome.warnings?.[0]).toMatch(
      /^Unexpected input\(s\) 'tag', valid inputs are \['context', 'images', 'tags'/,
    );
  });

  it('reads containers.sh up output: KEY=value lines, the registry last', () => {
    const { env, vars } = dockerEnvFromUp(
      'DOCKER_HOST=unix:///w/.tmp/containers/docker.sock\nBUILDX_BUILDER=pipeline\nSTAND_IN_IMAGES=docker.io/library/node:24-bookworm-slim\n127.0.0.1:5123\n',
      { cacheDir: '/c', hostArch: 'amd64' },
    );
    expect(vars['DOCKER_HOST']).toBe('unix:///w/.tmp/containers/docker.sock');
    expect(env).toMatchObject({
      registry: '127.0.0.1:5123',
      builder: 'pipeline',
      standInImages: ['docker.io/library/node:24-bookworm-slim'],
    });
    expect(
      dockerEnvFromUp('BUILDX_BUILDER=b\nCONTAINERS_REGISTRY=127.0.0.1:5001\nCONTAINERS_BIN=/x\n', {
        cacheDir: '/c',
        hostArch: 'amd64',
      }).env.registry,
    ).toBe('127.0.0.1:5001');
    expect(() => dockerEnvFromUp('DOCKER_HOST=x\n', { cacheDir: '/c', hostArch: 'amd64' })).toThrow(
      /must be a loopback host:port/,
    );
  });
});
