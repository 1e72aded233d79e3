/**
 * Runs one step's process the way the runner does, on the kit's runner
 * protocol: fresh file-command files, the environment block built with them,
 * an argument array (never a shell string), every output line through the
 * runner's command handling and masking, then the file commands read back.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  LineSplitter,
  StepOutput,
  addToPath,
  createFileCommandFiles,
  readFileCommands,
} from '@pipeline/action-kit/protocol';
import type { Annotation, FileCommandPaths, SecretMasker, WorkflowCommand } from '@pipeline/action-kit/protocol';

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  /** The process environment, built with this step's file-command files. */
  env: (files: FileCommandPaths) => Record<string, string>;
  timeoutMs: number;
  /** Directory for the step's scratch files. */
  scratchRoot: string;
  /** The run's masker: secrets and ::add-mask:: values, hidden in every later line too. */
  masker: SecretMasker;
  /** GITHUB_WORKSPACE, for annotation paths. */
  workspace: string;
  /** Where the step's log goes (appended). */
  logFile: string;
  /** Called for each line the log shows (already masked). */
  onLine?: (line: string) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  /** GITHUB_PATH directories this step added, in the order added. */
  paths: string[];
  state: Record<string, string>;
  /** The job summary, masked line by line. */
  summary: string;
  commands: WorkflowCommand[];
  annotations: Annotation[];
  /** The last lines the log shows (masked), for failure reports. */
  tail: string[];
  /** What the runner itself reports on the step (a command or file command it could not process): the step fails. */
  runnerErrors: string[];
  /** The runner fails the step whatever the exit code (a command or file command it could not process). */
  runnerFailed: boolean;
  error?: string;
}

interface Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  error?: string;
}

/** Spawns the process (argument array, no shell), hands each line of stdout and stderr to onLine, stops it at the timeout. */
async function spawnStep(
  spec: ProcessSpec,
  env: Record<string, string>,
  onLine: (line: string) => void,
): Promise<Exit> {
  let timedOut = false;
  let error: string | undefined;
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const streams = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => streams.stdout.push(chunk).forEach(onLine));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => streams.stderr.push(chunk).forEach(onLine));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, spec.timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('error', (e) => {
      error = `${spec.command}: ${e.message}`;
      resolve([null, null]);
    });
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  [...streams.stdout.end(), ...streams.stderr.end()].forEach(onLine);
  return { exitCode, signal, timedOut, ...(error !== undefined ? { error } : {}) };
}

export async function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  const scratch = await mkdtemp(path.join(spec.scratchRoot, 'step-'));
  const files = await createFileCommandFiles(scratch);
  const env = spec.env(files);
  const output = new StepOutput({ masker: spec.masker, workspace: spec.workspace, env });
  const tail: string[] = [];
  const show = (raw: string): void => {
    for (const line of output.line(raw)) {
      tail.push(line);
      if (tail.length > 60) tail.shift();
      spec.onLine?.(line);
      void appendFile(spec.logFile, `${line}\n`).catch(() => undefined);
    }
  };
  const started = performance.now();
  const exit = await spawnStep(spec, env, show);
  const durationMs = performance.now() - started;
  const read = await readFileCommands(files);
  await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  const result: ProcessResult = {
    ...exit,
    durationMs,
    // The deprecated ::set-output:: / ::save-state:: / ::set-env:: / ::add-path:: first, the files after (as the runner applies them).
    outputs: { ...output.outputs, ...read.outputs },
    exportedEnv: { ...output.env, ...read.env },
    paths: addToPath(output.path, read.path),
    state: { ...output.state, ...read.state },
    summary: spec.masker.maskLines(read.summary),
    commands: output.commands,
    annotations: output.annotations,
    tail,
    runnerErrors: [...output.errors, ...read.errors].map((e) => spec.masker.mask(e)),
    runnerFailed: output.failed || read.failed,
  };
  return result;
}
