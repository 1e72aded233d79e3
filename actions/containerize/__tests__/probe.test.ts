import { describe, expect, it } from '@jest/globals';
import type { ExecResult } from '@pipeline/action-kit';
import {
  dockerEngine,
  probeImage,
  type Clock,
  type ContainerEngine,
  type ContainerState,
  type ProcFiles,
} from '../src/probe.js';

const ID = 'c'.repeat(64);
const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const listen = (hexPort: string): string =>
  `${HEADER}   0: 00000000:${hexPort} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n`;

/** A container whose state and sockets follow a script: one entry per poll (the last one repeats). */
function fakes(
  script: { state: ContainerState; tcp?: string }[],
  options: { start?: { id: string } | { error: string }; cgroup?: string } = {},
) {
  let poll = 0;
  let time = 0;
  const calls: string[] = [];
  const current = () => script[Math.min(poll, script.length - 1)] as { state: ContainerState; tcp?: string };
  const engine: ContainerEngine = {
    start: async (image, name, env) => {
      calls.push(`start ${image} ${name} PORT=${env['PORT']}`);
      return options.start ?? { id: ID };
    },
    state: async () => current().state,
    logs: async () => 'last line\n',
    remove: async (name) => {
      calls.push(`remove ${name}`);
      return true;
    },
  };
  const proc: ProcFiles = {
    read: async (file) => {
      if (file.endsWith('/cgroup')) return { text: options.cgroup ?? `0::/docker/${ID}\n` };
      if (file.endsWith('/tcp6')) return { error: 'ENOENT' };
      return { text: current().tcp ?? HEADER };
    },
  };
  const clock: Clock = {
    now: () => time,
    sleep: async (ms) => {
      time += ms;
      poll++;
    },
  };
  return { deps: { engine, proc, clock }, calls, elapsed: () => time };
}

const running: ContainerState = { running: true, pid: 42, exitCode: 0 };
const options = {
  image: 'registry/app@sha256:abc',
  port: 3000,
  timeoutMs: 2000,
  pollMs: 100,
  settleMs: 300,
  name: 'probe-1',
};

describe('probing a started image (fake engine and /proc)', () => {
  it('stops as soon as the static port listens, and removes the container', async () => {
    const f = fakes([{ state: running }, { state: running, tcp: listen('0BB8') }]);
    const result = await probeImage(options, f.deps);
    expect(result.outcome).toMatchObject({ kind: 'listening', listeners: [{ port: 3000 }], afterMs: 100 });
    expect(f.calls).toEqual(['start registry/app@sha256:abc probe-1 PORT=3000', 'remove probe-1']);
    expect(result.removed).toBe(true);
  });

  it('waits settleMs after another port shows, for more to appear', async () => {
    const f = fakes([{ state: running, tcp: listen('1F91') }]);
    const result = await probeImage(options, f.deps);
    expect(result.outcome).toMatchObject({ kind: 'listening', listeners: [{ port: 8081 }] });
    expect(f.elapsed()).toBe(300);
  });

  it('times out when nothing listens, with the logs', async () => {
    const f = fakes([{ state: running }]);
    const result = await probeImage(options, f.deps);
    expect(result.outcome).toEqual({ kind: 'timeout', afterMs: 2000, logs: 'last line\n' });
    expect(f.calls.at(-1)).toBe('remove probe-1');
  });

  it('reports an exit before listening, with the exit code and logs', async () => {
    const f = fakes([{ state: running }, { state: { running: false, pid: 0, exitCode: 3 } }]);
    const result = await probeImage(options, f.deps);
    expect(result.outcome).toEqual({ kind: 'exited', exitCode: 3, afterMs: 100, logs: 'last line\n' });
  });

  it('refuses a pid that is not the container (a remote engine)', async () => {
    const f = fakes([{ state: running, tcp: listen('1F91') }], { cgroup: '0::/init.scope\n' });
    const result = await probeImage(options, f.deps);
    expect(result.outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('not the container') });
  });

  it('removes the container also when docker run failed', async () => {
    const f = fakes([{ state: running }], { start: { error: 'docker run failed (exit 125): pull access denied' } });
    const result = await probeImage(options, f.deps);
    expect(result.outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('pull access denied') });
    expect(f.calls.at(-1)).toBe('remove probe-1');
  });
});

describe('the docker engine', () => {
  it('runs docker with an argument array: no network, nothing published, labelled, PORT set', async () => {
    const seen: string[][] = [];
    const exec = async (command: string, args: readonly string[]): Promise<ExecResult> => {
      seen.push([command, ...args]);
      return { exitCode: 0, stdout: `${ID}\n`, stderr: '' };
    };
    expect(await dockerEngine(exec).start('ghcr.io/o/r@sha256:1', 'probe-1', { PORT: '3000' })).toEqual({ id: ID });
    expect(seen[0]).toEqual([
      'docker',
      'run',
      '--detach',
      '--name',
      'probe-1',
      '--label',
      'pipeline-actions.containerize.probe=probe-1',
      '--network',
      'none',
      '--env',
      'PORT=3000',
      'ghcr.io/o/r@sha256:1',
    ]);
  });

  it.each([
    ['true 1234 0', { running: true, pid: 1234, exitCode: 0 }],
    ['false 0 137', { running: false, pid: 0, exitCode: 137 }],
    ['', undefined],
  ])('reads the state %j', async (stdout, state) => {
    const exec = async (): Promise<ExecResult> => ({ exitCode: stdout ? 0 : 1, stdout, stderr: '' });
    expect(await dockerEngine(exec).state('probe-1')).toEqual(state);
  });
});
