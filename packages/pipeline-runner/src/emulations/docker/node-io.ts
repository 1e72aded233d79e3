/**
 * The real EmulationIO: argument arrays through child_process.spawn (no
 * shell), stdin written then closed, files through node:fs. `env` is the
 * step's environment plus the container tooling's variables (DOCKER_HOST,
 * DOCKER_CONFIG, BUILDX_BUILDER); `onLine` receives output lines as they
 * come, for the runner's log (the runner masks them).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EmulationIO, ExecOptions, ExecResult } from './types.js';

export interface NodeIOOptions {
  env: Record<string, string>;
  cwd: string;
  /** Where makeTempDir creates directories (the step's RUNNER_TEMP). */
  tempRoot: string;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
}

function collect(
  stream: NodeJS.ReadableStream,
  name: 'stdout' | 'stderr',
  onLine: NodeIOOptions['onLine'],
): () => string {
  let text = '';
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    if (!onLine) return;
    pending += chunk;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line, name);
  });
  stream.on('end', () => {
    if (onLine && pending !== '') onLine(pending, name);
  });
  return () => text;
}

export function nodeIO(options: NodeIOOptions): EmulationIO {
  return {
    exec: (argv: readonly string[], exec: ExecOptions = {}): Promise<ExecResult> =>
      new Promise((resolve) => {
        const [command, ...args] = argv;
        if (command === undefined) {
          resolve({ exitCode: 127, stdout: '', stderr: 'empty argv' });
          return;
        }
        const child = spawn(command, args, {
          cwd: options.cwd,
          env: { ...options.env, ...exec.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const stdout = collect(child.stdout, 'stdout', options.onLine);
        const stderr = collect(child.stderr, 'stderr', options.onLine);
        const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 45 * 60_000);
        child.stdin.on('error', () => undefined);
        child.stdin.end(exec.stdin ?? '');
        child.on('error', (error) => {
          clearTimeout(timer);
          resolve({ exitCode: 127, stdout: stdout(), stderr: `${command}: ${error.message}` });
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: stdout(), stderr: stderr() });
        });
      }),
    readFile: async (file) => readFile(file, 'utf8').catch(() => undefined),
    exists: async (file) =>
      stat(file).then(
        () => true,
        () => false,
      ),
    writeFile: async (file, content, mode) => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, mode === undefined ? {} : { mode });
    },
    remove: async (file) => rm(file, { recursive: true, force: true }),
    rename: async (from, to) => rename(from, to),
    makeTempDir: async (prefix) => {
      await mkdir(options.tempRoot, { recursive: true });
      return mkdtemp(path.join(options.tempRoot, prefix));
    },
  };
}
