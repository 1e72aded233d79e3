/**
 * Runs a program with an argument array. There is deliberately no way to pass
 * a command line string: no input ever reaches a shell. A run can be bounded
 * (`timeoutMs`): a scanner that waits on a registry that never answers is
 * stopped (SIGTERM, then SIGKILL) and the call throws ExecTimeoutError.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ActionError } from './errors.js';
import { formatDuration } from './inputs.js';
import { printableLines } from './untrusted.js';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text written to the program's standard input. */
  input?: string;
  /** Echo the command line and output into the log (default false); the output is made inert (untrusted.ts). */
  echo?: boolean;
  /** Stop the program after this long and throw ExecTimeoutError (default: no limit). */
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** A program that did not finish within its time. */
export class ExecTimeoutError extends ActionError {
  override readonly name = 'ExecTimeoutError';
  readonly timeoutMs: number;
  constructor(command: string, timeoutMs: number) {
    super(`${command} did not finish within ${formatDuration(timeoutMs)} and was stopped`);
    this.timeoutMs = timeoutMs;
  }
}

/** How long a program gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;

export const execArgs: Exec = (command, args, options = {}) => {
  if (!Array.isArray(args)) throw new TypeError('execArgs takes its arguments as an array');
  if (command.trim() === '') throw new TypeError('execArgs needs a program to run');
  if (options.cwd !== undefined && !existsSync(options.cwd))
    return Promise.reject(
      new ActionError(`Cannot run ${command}: its working directory ${options.cwd} does not exist`),
    );
  if (options.echo)
    process.stdout.write(`${printableLines(['[command]', command, ...(args as readonly string[])].join(' '))}\n`);
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(command, args.slice(), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const echo = (chunk: string): void => {
      if (options.echo) process.stdout.write(`${printableLines(chunk.replace(/\r?\n$/, ''))}\n`);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      echo(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      echo(chunk);
    });
    child.stdin.on('error', () => undefined); // a program that exits without reading its input
    child.stdin.end(options.input ?? '');
    let killer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      clearTimeout(killer);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(
        error.code === 'ENOENT'
          ? new ActionError(`Unable to locate executable file: ${command} (not found on PATH or not executable)`)
          : error,
      );
    });
    child.on('close', (code, signal) => {
      done();
      if (timedOut) reject(new ExecTimeoutError(command, options.timeoutMs as number));
      else resolve({ exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1), stdout, stderr });
    });
  });
};

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };
const signalNumber = (signal: NodeJS.Signals): number => SIGNALS[signal] ?? 0;
