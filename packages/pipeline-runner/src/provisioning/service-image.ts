/**
 * The service for smoke tests when the cluster runs no containers (kwok
 * nodes): the image the pipeline built and deployed, pulled from the local
 * registry and started with `docker run` on the host network, with the
 * deployed configuration and the local PostgreSQL and Redis. Never the
 * sources on the host: the smoke tests test the artifact.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { waitUntilReady } from '../local.js';
import type { AppProcess, LocalServices } from '../local.js';
import { deployedEnvironment } from './deployed-env.js';
import { portIsFree, startPortProxy, type PortProxy } from './port-proxy.js';

export interface ServiceImageRequest {
  /** The pullable local reference (registry/name@digest). */
  image: string;
  /** What the workflow deployed (ghcr.io/owner/repo@digest), for the report. */
  deployedAs: string;
  port: number;
  /** The port the deploy gave the container; a service that ignores $PORT listens there. */
  containerPort?: number;
  /** GET path answering 2xx when ready; empty: a TCP connection. */
  readinessPath: string;
  services: LocalServices;
  deployedManifests: string[];
  /** DOCKER_HOST and DOCKER_CONFIG of the project's engine. */
  dockerEnv: Record<string, string>;
  logFile: string;
  notes: string[];
  timeoutMs?: number;
}

/** The `name=ref` pairs of deploy-k8s's `images` input (one per line or comma-separated). */
export function parseImagesInput(value: string): { name: string; ref: string }[] {
  return value
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.includes('='))
    .map((entry) => {
      const at = entry.indexOf('=');
      return { name: entry.slice(0, at).trim(), ref: entry.slice(at + 1).trim() };
    })
    .filter((pair) => pair.name !== '' && pair.ref !== '');
}

/** `docker run` arguments: host network, the environment by name only (values go through the child's env, never argv). */
export function dockerRunArgs(container: string, image: string, env: Record<string, string>): string[] {
  const names = Object.keys(env).sort();
  return [
    'run',
    '--rm',
    '--name',
    container,
    '--network',
    'host',
    '--pull',
    'always',
    ...names.flatMap((n) => ['-e', n]),
    image,
  ];
}

/** The port the service listens on: the container's when it differs from the URL's and is free here, else the URL's. */
async function listenPort(req: ServiceImageRequest): Promise<number> {
  const wanted = req.containerPort;
  if (wanted === undefined || wanted === req.port) return req.port;
  if (await portIsFree(wanted)) return wanted;
  req.notes.push(
    `Port ${wanted} (the container port) is in use on this machine, so the service gets PORT=${req.port}; a service that does not read $PORT cannot be reached.`,
  );
  return req.port;
}

export async function startServiceImage(req: ServiceImageRequest): Promise<AppProcess> {
  const started = performance.now();
  const deployed = await deployedEnvironment(req.deployedManifests);
  const listen = await listenPort(req);
  const env: Record<string, string> = {
    ...deployed,
    ...req.services.env,
    PORT: String(listen),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
  };
  const container = `pipeline-smoke-${randomBytes(4).toString('hex')}`;
  const child = spawn('docker', dockerRunArgs(container, req.image, env), {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/root',
      ...req.dockerEnv,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  const onData = (d: Buffer): void => {
    chunks.push(d.toString());
    if (chunks.length > 400) chunks.shift();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let proxy: PortProxy | undefined;
  const stop = async (): Promise<void> => {
    await proxy?.stop();
    await writeFile(req.logFile, chunks.join('')).catch(() => undefined);
    if (child.exitCode !== null) return;
    // Only the container this run started, by its unique name.
    await new Promise<void>((resolve) => {
      const rm = spawn('docker', ['rm', '--force', container], {
        env: { ...process.env, ...req.dockerEnv },
        stdio: 'ignore',
      });
      rm.on('close', () => resolve());
      rm.on('error', () => resolve());
    });
    await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
  };
  const url = `http://127.0.0.1:${req.port}`;
  // Readiness is polled on the service's own port: the forwarder would accept connections before it does.
  await waitUntilReady(`http://127.0.0.1:${listen}`, child, chunks, stop, req.timeoutMs ?? 180_000, req.readinessPath);
  if (listen !== req.port) {
    proxy = await startPortProxy(req.port, listen);
    req.notes.push(`The service listens on its container port ${listen} (PORT=${listen}); ${url} forwards to it.`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  req.notes.push(
    `The service for smoke tests is the built image ${req.deployedAs}, run from the local registry as ${req.image} (docker run, host network, ready at ${url} in ${seconds}s) with the deployed configuration${Object.keys(deployed).length > 0 ? ` (${Object.keys(deployed).sort().join(', ')})` : ''} and the local PostgreSQL and Redis: the cluster's kwok nodes run no containers.`,
  );
  return { url, child, stop };
}
