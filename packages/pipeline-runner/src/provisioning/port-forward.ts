/**
 * One `kubectl port-forward` to a Service, through the API server, on
 * 127.0.0.1: the way the runner reaches what runs on the real node (the
 * deployed service, the cluster's Prometheus). Its output is kept (bounded)
 * and written to a log file when it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export interface PortForwardRequest {
  kubectl: string;
  kubeconfig: string;
  namespace: string;
  service: string;
  port: number;
  localPort: number;
  logFile: string;
}

export interface PortForward {
  url: string;
  child: ChildProcess;
  /** kubectl's latest output lines, for error messages. */
  chunks: string[];
  stop: () => Promise<void>;
}

const KEPT_CHUNKS = 400;

export function startPortForward(req: PortForwardRequest): PortForward {
  const args = ['--kubeconfig', req.kubeconfig, 'port-forward', '--address', '127.0.0.1', '-n', req.namespace];
  const child = spawn(req.kubectl, [...args, `service/${req.service}`, `${req.localPort}:${req.port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  const keep = (d: Buffer): void => {
    chunks.push(d.toString());
    if (chunks.length > KEPT_CHUNKS) chunks.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async (): Promise<void> => {
    await writeFile(req.logFile, chunks.join('')).catch(() => undefined);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
  };
  return { url: `http://127.0.0.1:${req.localPort}`, child, chunks, stop };
}
