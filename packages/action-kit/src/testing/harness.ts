/**
 * Runs an action's bundled dist/index.js the way the GitHub runner does, with
 * the kit's runner protocol (../protocol): a separate Node process, the
 * runner's environment block, INPUT_* variables with action.yml defaults
 * (`${{ }}` defaults evaluated), fresh file-command files, and each line of
 * stdout and stderr through the runner's command handling and masking. It
 * returns what the runner would see.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  LineSplitter,
  SecretMasker,
  StepOutput,
  addToPath,
  createFileCommandFiles,
  inputEnv,
  readActionManifest,
  readFileCommands,
  stepEnvironment,
  type Annotation,
  type DefaultEvaluator,
  type FileCommandPaths,
  type WorkflowCommand,
} from '../protocol/index.js';
import { simpleEvaluator } from './expressions.js';

export { inputVariable, parseFileCommand, parseWorkflowCommands, readActionManifest } from '../protocol/index.js';
export type { Annotation, WorkflowCommand } from '../protocol/index.js';

export interface RunActionOptions {
  /** Input values by their action.yml names. Unset inputs get action.yml defaults. */
  inputs?: Record<string, string>;
  /** Extra environment, applied last: it can stand in for any github or runner context value (GITHUB_RUN_ID...). */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE and the working directory of the process (default: a new temp dir). */
  workspace?: string;
  timeoutMs?: number;
  /** Node binary (default: the one running the tests). */
  node?: string;
  /** RUNNER_TEMP to use; kept after the run so its files (reports, backups) can be read. Default: a temp dir removed afterwards. */
  runnerTemp?: string;
  /** Write to the process's standard input (the runner gives none). */
  stdin?: string;
  /** Evaluates `${{ }}` defaults (default: github/runner/env paths, literals, || and &&). */
  evaluate?: DefaultEvaluator;
  /** Values the workflow's secrets context would hold: masked from the start, as the runner masks secrets. */
  secrets?: string[];
  /** Step debug logging: `::debug::` lines appear in `log`. */
  debug?: boolean;
  /** Called with each step log line as it appears, so a test can act while the action runs. */
  onLine?: (line: string) => void;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** GITHUB_OUTPUT (and the deprecated `::set-output::`). */
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  /** GITHUB_PATH directories, latest last. */
  paths: string[];
  /** The job summary as the action wrote it (unmasked, so tests can check what the action itself redacts). */
  summary: string;
  /** The raw streams. */
  stdout: string;
  stderr: string;
  /** The step log as the runner shows it: masked, commands acted on rather than printed. */
  log: string[];
  commands: WorkflowCommand[];
  /** error/warning/notice commands, messages as the action wrote them (`log` shows them masked, as the runner does). */
  annotations: Annotation[];
  /** Values registered with ::add-mask:: */
  masks: string[];
  /** The `::error::` message given to setFailed, if any (the last error without file), unmasked. */
  failure?: string;
  /** Errors and warnings the runner itself would report (bad commands, unreadable file commands). */
  runnerErrors: string[];
  runnerWarnings: string[];
  /** The step's result as the runner decides it: failure on a non-zero exit or a command the runner could not process. */
  conclusion: 'success' | 'failure';
}

// The github context of a push to main of example-org/example-repo.
function githubContext(workspace: string, actionDir: string): Record<string, string> {
  return {
    repository: 'example-org/example-repo',
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/heads/main',
    ref_name: 'main',
    run_id: '1',
    run_attempt: '1',
    actor: 'octocat',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    workflow: 'test',
    event_name: 'push',
    workspace,
    action_path: actionDir,
  };
}

interface Prepared {
  main: string;
  scratch: string;
  files: FileCommandPaths;
  workspace: string;
  env: Record<string, string>;
  masker: SecretMasker;
  warnings: string[];
}

async function prepare(actionDir: string, options: RunActionOptions): Promise<Prepared> {
  const manifest = await readActionManifest(actionDir);
  if (manifest.runs?.using !== 'node24') throw new Error(`${actionDir}/action.yml must declare runs.using: node24`);
  const main = path.resolve(actionDir, manifest.runs.main ?? 'dist/index.js');
  const scratch = await mkdtemp(path.join(tmpdir(), 'action-run-'));
  const files = await createFileCommandFiles(scratch);
  const runnerTemp = options.runnerTemp ?? path.join(scratch, 'runner-temp');
  await mkdir(runnerTemp, { recursive: true });
  const workspace = options.workspace ?? (await mkdtemp(path.join(scratch, 'workspace-')));
  const github = githubContext(workspace, path.resolve(actionDir));
  const runner = { os: 'Linux', arch: 'X64', temp: runnerTemp, tool_cache: path.join(scratch, 'tool-cache') };
  const evaluate = options.evaluate ?? simpleEvaluator({ github, runner, env: options.env ?? {} });
  const inputs = inputEnv(manifest, options.inputs ?? {}, evaluate);
  // Stricter than the runner, which only warns: a test with a misspelt input is a broken test.
  const [unexpected] = inputs.unexpected;
  if (unexpected !== undefined) throw new Error(`Input '${unexpected}' is not declared in ${actionDir}/action.yml`);
  const base = stepEnvironment({
    inherited: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? scratch },
    inputs: inputs.env,
    github,
    runner,
    files,
  });
  const masker = new SecretMasker();
  for (const secret of options.secrets ?? []) masker.addSecret(secret);
  return { main, scratch, files, workspace, env: { ...base, ...options.env }, masker, warnings: inputs.deprecated };
}

export async function runAction(actionDir: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const { main, scratch, files, workspace, env, masker, warnings } = await prepare(actionDir, options);
  const step = new StepOutput({
    masker,
    workspace,
    env,
    maskAnnotations: false,
    ...(options.debug ? { debug: true } : {}),
  });
  const log: string[] = [];
  const started = performance.now();
  const child = spawn(options.node ?? process.execPath, [main], {
    cwd: workspace,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const streams = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  const take = (lines: string[]): void =>
    lines.forEach((line) => {
      const shown = step.line(line);
      log.push(...shown);
      if (options.onLine) shown.forEach(options.onLine);
    });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => ((stdout += chunk), take(streams.stdout.push(chunk))));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => ((stderr += chunk), take(streams.stderr.push(chunk))));
  child.stdin.end(options.stdin ?? '');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  take([...streams.stdout.end(), ...streams.stderr.end()]);
  const durationMs = performance.now() - started;

  const fileResults = await readFileCommands(files);
  await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  if (signal === 'SIGKILL') stderr += `\n[harness] killed after ${timeoutMs} ms`;

  const failure = [...step.annotations].reverse().find((a) => a.level === 'error' && !a.file)?.message;
  return {
    exitCode,
    signal,
    durationMs,
    outputs: { ...step.outputs, ...fileResults.outputs },
    state: { ...step.state, ...fileResults.state },
    exportedEnv: { ...step.env, ...fileResults.env },
    paths: addToPath(step.path, fileResults.path),
    summary: fileResults.summary,
    stdout,
    stderr,
    log,
    commands: step.commands,
    annotations: step.annotations,
    masks: step.masks,
    ...(failure === undefined ? {} : { failure }),
    runnerErrors: [...step.errors, ...fileResults.errors],
    runnerWarnings: [...warnings, ...step.warnings],
    conclusion: exitCode === 0 && !step.failed && !fileResults.failed ? 'success' : 'failure',
  };
}
