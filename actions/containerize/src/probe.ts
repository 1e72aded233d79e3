/**
 * Starts the built image and watches which TCP ports it listens on: `docker
 * run -d --network none` (nothing published, nothing reachable), PORT set to
 * the static port, then the listening sockets of the container's network
 * namespace, read from the host in /proc/<pid>/net/tcp{,6} of its init
 * process, until one shows, the container stops, or the time is up. The
 * container carries a name and a label this action owns and is removed at
 * the end, whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { execArgs, tail, type Exec } from '@pipeline/action-kit';
import type { ProbeOutcome } from './port-decision.js';
import { isLoopback, parseListeners, uniqueListeners, type Listener } from './sockets.js';

export const PROBE_LABEL = 'pipeline-actions.containerize.probe';

export interface ContainerState {
  running: boolean;
  pid: number;
  exitCode: number;
}

/** The container engine, as the probe uses it (docker by default, a fake in unit tests). */
export interface ContainerEngine {
  /** Starts the image detached; the container's full id, or why it could not. */
  start(image: string, name: string, env: Record<string, string>): Promise<{ id: string } | { error: string }>;
  state(name: string): Promise<ContainerState | undefined>;
  logs(name: string): Promise<string>;
  /** Removes the container (stopping it first); false when it is still there afterwards. */
  remove(name: string): Promise<boolean>;
}

/** /proc of this machine (a fake in unit tests). */
export interface ProcFiles {
  /** The file's text, or undefined with the error's code. */
  read(file: string): Promise<{ text: string } | { error: string }>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface ProbeOptions {
  image: string;
  /** The statically detected port: PORT is set to it, and seeing it listen ends the probe at once. */
  port: number;
  timeoutMs: number;
  pollMs?: number;
  /** After the first listening socket, how long more sockets may still appear (a second server starting). */
  settleMs?: number;
  name?: string;
}

export interface ProbeDependencies {
  engine: ContainerEngine;
  proc: ProcFiles;
  clock: Clock;
}

export interface ProbeResult {
  outcome: ProbeOutcome;
  name: string;
  /** The container was removed at the end. */
  removed: boolean;
}

const LOG_LINES = 20;

const DOCKER_TIMEOUT_MS = 30_000;
/** `docker run` pulls the image first; a pull is not part of probe-timeout. */
const DOCKER_RUN_TIMEOUT_MS = 10 * 60_000;

export function dockerEngine(exec: Exec = execArgs, docker = 'docker'): ContainerEngine {
  const call = (args: string[], timeoutMs = DOCKER_TIMEOUT_MS) =>
    exec(docker, args, { timeoutMs }).catch((error: unknown) => ({
      exitCode: -1,
      stdout: '',
      stderr: error instanceof Error ? error.message : String(error),
    }));
  return {
    start: async (image, name, env) => {
      const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
      const args = ['run', '--detach', '--name', name, '--label', `${PROBE_LABEL}=${name}`, '--network', 'none'];
      const result = await call([...args, ...envArgs, image], DOCKER_RUN_TIMEOUT_MS);
      const id = result.stdout.trim().split('\n').pop() ?? '';
      if (result.exitCode === 0 && /^[0-9a-f]{64}$/.test(id)) return { id };
      return {
        error: `docker run failed (exit ${result.exitCode}): ${tail(result.stderr || result.stdout, { lines: 5 })}`,
      };
    },
    state: async (name) => {
      const result = await call([
        'inspect',
        '--type',
        'container',
        '--format',
        '{{.State.Running}} {{.State.Pid}} {{.State.ExitCode}}',
        name,
      ]);
      const match = /^(true|false) (\d+) (-?\d+)$/.exec(result.stdout.trim());
      if (result.exitCode !== 0 || !match) return undefined;
      return { running: match[1] === 'true', pid: Number(match[2]), exitCode: Number(match[3]) };
    },
    logs: async (name) => {
      const result = await call(['logs', '--tail', String(LOG_LINES), name]);
      return `${result.stdout}${result.stderr}`;
    },
    remove: async (name) => {
      await call(['rm', '--force', '--volumes', name]);
      const left = await call(['ps', '--all', '--quiet', '--filter', `name=^${name}$`]);
      return left.exitCode === 0 && left.stdout.trim() === '';
    },
  };
}

export const realProcFiles: ProcFiles = {
  read: (file) =>
    readFile(file, 'utf8').then(
      (text) => ({ text }),
      (error: unknown) => ({ error: (error as NodeJS.ErrnoException).code ?? String(error) }),
    ),
};

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const probeName = (): string => `pipeline-port-probe-${randomBytes(6).toString('hex')}`;

/** The sockets the process listens on, or why they cannot be read (the pid is checked to be the container's). */
async function listenersOf(pid: number, id: string, proc: ProcFiles): Promise<Listener[] | { error: string }> {
  const cgroup = await proc.read(`/proc/${pid}/cgroup`);
  if ('error' in cgroup) return { error: `cannot read /proc/${pid}/cgroup (${cgroup.error})` };
  // A remote engine's pid means nothing here: the process must be in the container's cgroup.
  if (!cgroup.text.includes(id))
    return {
      error: `process ${pid} of this machine is not the container's (its cgroup does not name it): the engine runs elsewhere (DOCKER_HOST) or in another PID namespace`,
    };
  const found: Listener[] = [];
  for (const family of ['tcp', 'tcp6'] as const) {
    const file = await proc.read(`/proc/${pid}/net/${family}`);
    // No tcp6 file: the kernel has no IPv6.
    if ('error' in file) {
      if (family === 'tcp6' && file.error === 'ENOENT') continue;
      return { error: `cannot read /proc/${pid}/net/${family} (${file.error})` };
    }
    found.push(...parseListeners(file.text, family));
  }
  return found;
}

async function watch(options: Required<ProbeOptions>, id: string, deps: ProbeDependencies): Promise<ProbeOutcome> {
  const { engine, proc, clock } = deps;
  const started = clock.now();
  const elapsed = (): number => clock.now() - started;
  let seen: Listener[] = [];
  let firstSeen: number | undefined;
  for (;;) {
    const state = await engine.state(options.name);
    if (!state) return { kind: 'failed', reason: 'the container disappeared (docker inspect found none)', logs: '' };
    if (state.running && state.pid > 0) {
      const listeners = await listenersOf(state.pid, id, proc);
      if ('error' in listeners) {
        // The process may have exited between inspect and read: ask again before calling it a failure.
        const again = await engine.state(options.name);
        if (again?.running) return { kind: 'failed', reason: listeners.error, logs: await engine.logs(options.name) };
      } else if (listeners.length > 0) {
        seen = uniqueListeners([...seen, ...listeners]);
        firstSeen ??= clock.now();
        const staticSeen = listeners.some((l) => l.port === options.port && !isLoopback(l.address));
        if (staticSeen || clock.now() - firstSeen >= options.settleMs)
          return { kind: 'listening', listeners: seen, afterMs: elapsed() };
      }
    }
    if (seen.length > 0 && (!state.running || elapsed() >= options.timeoutMs))
      return { kind: 'listening', listeners: seen, afterMs: elapsed() };
    if (!state.running) {
      const final = await engine.state(options.name);
      return {
        kind: 'exited',
        exitCode: final?.exitCode ?? state.exitCode,
        afterMs: elapsed(),
        logs: await engine.logs(options.name),
      };
    }
    if (elapsed() >= options.timeoutMs)
      return { kind: 'timeout', afterMs: elapsed(), logs: await engine.logs(options.name) };
    await clock.sleep(options.pollMs);
  }
}

/** Runs the image, watches it, and removes it (also when starting or watching failed). */
export async function probeImage(options: ProbeOptions, deps: ProbeDependencies): Promise<ProbeResult> {
  const full: Required<ProbeOptions> = { pollMs: 200, settleMs: 1000, name: probeName(), ...options };
  try {
    const started = await deps.engine.start(full.image, full.name, { PORT: String(full.port) });
    const outcome: ProbeOutcome =
      'error' in started ? { kind: 'failed', reason: started.error, logs: '' } : await watch(full, started.id, deps);
    return { outcome, name: full.name, removed: await deps.engine.remove(full.name) };
  } catch (error: unknown) {
    await deps.engine.remove(full.name);
    throw error;
  }
}
