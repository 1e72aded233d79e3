/**
 * Runs one step's process the way the runner does: fresh GITHUB_OUTPUT,
 * GITHUB_ENV, GITHUB_PATH, GITHUB_STATE and GITHUB_STEP_SUMMARY files, an
 * argument array (never a shell string), the step's environment, and the
 * kit's parsers for the file commands and `::workflow commands::`.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseFileCommand, parseWorkflowCommands } from './protocol.js';
import type { Annotation, WorkflowCommand } from './protocol.js';

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Extra environment the runner adds on top (GITHUB_* files are added here). */
  timeoutMs: number;
  /** Directory for the step's scratch files. */
  scratchRoot: string;
  /** Values to hide in logs (secrets, ::add-mask::); grows while the step runs. */
  masks: Set<string>;
  /** Where the step's log goes (appended). */
  logFile: string;
  /** Called for each output line (already masked). */
  onLine?: (line: string) => void;
  /** Initial GITHUB_STATE content for post steps. */
  state?: Record<string, string>;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  paths: string[];
  state: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  annotations: Annotation[];
  /** The last lines of output (masked), for failure reports. */
  tail: string[];
  error?: string;
}

export function mask(text: string, masks: Set<string>): string {
  let result = text;
  for (const secret of [...masks].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 3) result = result.split(secret).join('***');
    for (const line of secret.split('\n')) if (line.trim().length >= 6 && line !== secret) result = result.split(line).join('***');
  }
  return result;
}

const FILE_COMMANDS = ['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'] as const;
type RunnerFiles = Record<(typeof FILE_COMMANDS)[number], string>;

async function createRunnerFiles(scratch: string): Promise<RunnerFiles> {
  const names: Record<(typeof FILE_COMMANDS)[number], string> = { GITHUB_OUTPUT: 'output', GITHUB_ENV: 'env', GITHUB_PATH: 'path', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary' };
  const files = Object.fromEntries(FILE_COMMANDS.map((name) => [name, path.join(scratch, names[name])])) as RunnerFiles;
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  return files;
}

interface Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  error?: string;
}

/** Spawns the process (argument array, no shell), hands each output line to onLine, and stops it at the timeout. */
async function spawnStep(spec: ProcessSpec, env: Record<string, string>, onLine: (line: string) => void): Promise<Exit> {
  let stdout = '';
  let pending = '';
  let timedOut = false;
  let error: string | undefined;
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const onChunk = (isStdout: boolean) => (chunk: string) => {
    if (isStdout) stdout += chunk;
    pending += chunk;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  };
  child.stdout.setEncoding('utf8').on('data', onChunk(true));
  child.stderr.setEncoding('utf8').on('data', onChunk(false));
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
  if (pending !== '') onLine(pending);
  return { exitCode, signal, timedOut, stdout, ...(error !== undefined ? { error } : {}) };
}

function annotationsOf(commands: WorkflowCommand[], masks: Set<string>): Annotation[] {
  return commands
    .filter((c) => c.command === 'error' || c.command === 'warning' || c.command === 'notice')
    .map((c): Annotation => {
      const a: Annotation = { level: c.command as Annotation['level'], message: mask(c.message, masks) };
      if (c.properties['file'] !== undefined) a.file = c.properties['file'];
      if (c.properties['line'] !== undefined) a.line = Number(c.properties['line']);
      if (c.properties['title'] !== undefined) a.title = c.properties['title'];
      return a;
    });
}

export async function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  const scratch = await mkdtemp(path.join(spec.scratchRoot, 'step-'));
  const files = await createRunnerFiles(scratch);
  // The runner hands saved state to post steps as STATE_<name> variables.
  for (const [name, value] of Object.entries(spec.state ?? {})) spec.env[`STATE_${name}`] = value;
  const tail: string[] = [];
  const emit = (raw: string): void => {
    for (const command of parseWorkflowCommands(raw)) {
      if (command.command === 'add-mask' && command.message !== '') spec.masks.add(command.message);
    }
    const line = mask(raw, spec.masks);
    // The runner hides ::debug:: lines unless step debugging is on; keep them in the log only.
    if (!line.startsWith('::debug::') && !line.startsWith('::add-mask::')) tail.push(line);
    if (tail.length > 60) tail.shift();
    spec.onLine?.(line);
    void appendFile(spec.logFile, `${line}\n`).catch(() => undefined);
  };
  const started = performance.now();
  const exit = await spawnStep(spec, { ...spec.env, ...files }, emit);
  const durationMs = performance.now() - started;
  const read = (file: string): Promise<string> => readFile(file, 'utf8').catch(() => '');
  const [outputText, envText, pathText, stateText, summary] = await Promise.all(FILE_COMMANDS.map((name) => read(files[name])));
  await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  const commands = parseWorkflowCommands(exit.stdout);
  const result: ProcessResult = {
    exitCode: exit.exitCode,
    signal: exit.signal,
    timedOut: exit.timedOut,
    durationMs,
    outputs: parseFileCommand(outputText ?? ''),
    exportedEnv: parseFileCommand(envText ?? ''),
    paths: (pathText ?? '').split(/\r?\n/).filter((p) => p !== ''),
    state: parseFileCommand(stateText ?? ''),
    summary: mask(summary ?? '', spec.masks),
    commands,
    annotations: annotationsOf(commands, spec.masks),
    tail,
  };
  if (exit.error !== undefined) result.error = exit.error;
  return result;
}
