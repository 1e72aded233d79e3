/**
 * What the runner brings up on this machine in place of GitHub's: the
 * workspace copy of the repository, this library's actions at a commit,
 * PostgreSQL and Redis (tools/services/services.sh), a Kubernetes API server
 * (tools/kube/cluster.sh), and a readiness wait for the service under smoke test.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { cp, mkdir, stat } from 'node:fs/promises';
import { parseEnvFile } from '@pipeline/action-kit';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-C', cwd, ...args], {
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  return stdout;
}

export async function tryGit(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return (await git(cwd, args)).trim();
  } catch {
    return undefined;
  }
}

/** owner/name from the origin remote, else local/<folder>. */
export async function repositoryName(dir: string): Promise<string> {
  const url = await tryGit(dir, ['remote', 'get-url', 'origin']);
  const match = url ? /[:/]([^/:]+\/[^/]+?)(?:\.git)?$/.exec(url) : null;
  return match?.[1] ?? `local/${path.basename(path.resolve(dir))}`;
}

/** Copies the files git would check out (tracked and untracked-but-not-ignored, as in the working tree). */
export async function copyWorkingTree(repo: string, destination: string): Promise<number> {
  const list = await git(repo, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const files = [...new Set(list.split('\0').filter((f) => f !== ''))];
  let copied = 0;
  for (const file of files) {
    const from = path.join(repo, file);
    const info = await stat(from).catch(() => undefined);
    if (!info?.isFile()) continue; // deleted in the working tree, or a submodule
    await mkdir(path.dirname(path.join(destination, file)), { recursive: true });
    await cp(from, path.join(destination, file), { preserveTimestamps: true });
    copied++;
  }
  return copied;
}

/**
 * Materialises the library's files matching sparse patterns at a commit
 * (`git archive`), or from the working tree when commit is undefined.
 */
export async function materializeLibrary(
  library: string,
  commit: string | undefined,
  patterns: string[],
  destination: string,
): Promise<void> {
  await mkdir(destination, { recursive: true });
  const pathspecs = patterns.map(
    (p) => `:(glob)${p.replace(/\/$/, '')}${p.includes('*') && !p.endsWith('.yml') ? '/**' : ''}`,
  );
  if (commit === undefined) {
    const list = await git(library, [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      ...pathspecs,
    ]);
    for (const file of list.split('\0').filter((f) => f !== '')) {
      const info = await stat(path.join(library, file)).catch(() => undefined);
      if (!info?.isFile()) continue;
      await mkdir(path.dirname(path.join(destination, file)), { recursive: true });
      await cp(path.join(library, file), path.join(destination, file));
    }
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['-C', library, 'archive', '--format=tar', commit, '--', ...pathspecs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', destination], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    archive.stdout.pipe(tar.stdin);
    tar.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git archive ${commit} | tar failed: ${errors.trim()}`)),
    );
  });
}

export async function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      for (const line of d.split('\n')) if (line.trim() !== '') log(line);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${path.basename(script)} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
    });
  });
}

export interface LocalServices {
  env: Record<string, string>;
  postgresPort?: number;
  redisPort?: number;
}

/** PostgreSQL and Redis on loopback from Debian's packages, via the repository's script. */
export async function startServices(
  library: string,
  stateDir: string,
  log: (line: string) => void,
): Promise<LocalServices> {
  const script = path.join(library, 'tools/services/services.sh');
  const env = { ...process.env, SERVICES_STATE_DIR: stateDir };
  await runScript(script, ['start'], env, 300_000, log);
  const text = await runScript(script, ['env'], env, 60_000, log);
  const parsed = parseEnvFile(text);
  const services: LocalServices = { env: parsed };
  const pg = /:(\d+)\//.exec(parsed['DATABASE_URL'] ?? '');
  const redis = /:(\d+)/.exec((parsed['REDIS_URL'] ?? '').replace(/^redis:\/\//, ''));
  if (pg?.[1]) services.postgresPort = Number(pg[1]);
  if (redis?.[1]) services.redisPort = Number(redis[1]);
  return services;
}

export async function stopServices(library: string, stateDir: string, log: (line: string) => void): Promise<void> {
  await runScript(
    path.join(library, 'tools/services/services.sh'),
    ['stop'],
    { ...process.env, SERVICES_STATE_DIR: stateDir },
    120_000,
    log,
  ).catch((e: unknown) => log(`services stop: ${String(e)}`));
}

/** A local Kubernetes API server; returns the kubeconfig path (the script's last stdout line). */
export async function startCluster(
  library: string,
  log: (line: string) => void,
  realNode = false,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const args = realNode ? ['up', '--real-node'] : ['up'];
  const out = await runScript(path.join(library, 'tools/kube/cluster.sh'), args, env, 45 * 60_000, log);
  const last = out.trim().split('\n').pop()?.trim() ?? '';
  if (last === '') throw new Error('tools/kube/cluster.sh up printed no kubeconfig path');
  return last;
}

export interface AppProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function tcpAnswers(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** One readiness poll: `${url}${path}` answers 2xx, or, with no path, the port accepts a connection. */
async function readyOnce(url: string, readinessPath: string): Promise<boolean> {
  if (readinessPath === '') return tcpAnswers(Number(new URL(url).port));
  try {
    const response = await fetch(`${url}${readinessPath}`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Polls the readiness path (GET answering 2xx; empty: a TCP connection) until
 * it is ready; a child that exits first, or the deadline, stops it and throws.
 */
export async function waitUntilReady(
  url: string,
  child: ChildProcess,
  output: string[],
  stop: () => Promise<void>,
  timeoutMs: number,
  readinessPath = '/health/ready',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const what = readinessPath === '' ? `a TCP connection to ${url}` : `${url}${readinessPath}`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(
        `the service exited with code ${child.exitCode} before it was ready: ${output.join('').trim().split('\n').slice(-5).join(' | ')}`,
      );
    }
    if (await readyOnce(url, readinessPath)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`the service did not accept ${what} within ${timeoutMs / 1000}s`);
}
