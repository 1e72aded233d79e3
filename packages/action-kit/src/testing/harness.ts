/**
 * Runs an action's bundled dist/index.js the way the GitHub runner does:
 * a separate Node process, inputs as INPUT_* variables (defaults from
 * action.yml filled in), and fresh GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * GITHUB_STATE, GITHUB_ENV and GITHUB_PATH files. It returns what the runner
 * would see: the exit code, parsed outputs, workflow commands (annotations
 * with file and line), the summary and the raw streams.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface RunActionOptions {
  /** Input values by their action.yml names. Unset inputs get action.yml defaults. */
  inputs?: Record<string, string>;
  /** Extra environment (merged over a minimal runner-like environment). */
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
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
  title?: string;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  summary: string;
  stdout: string;
  stderr: string;
  commands: WorkflowCommand[];
  annotations: Annotation[];
  /** Values registered with ::add-mask:: */
  masks: string[];
  /** The `::error::` message given to setFailed, if any (the last error without file). */
  failure?: string;
}

interface ActionManifest {
  runs?: { using?: string; main?: string };
  inputs?: Record<string, { default?: string | number | boolean; required?: boolean; description?: string }>;
  outputs?: Record<string, { description?: string }>;
}

export async function readActionManifest(actionDir: string): Promise<ActionManifest> {
  const file = path.join(actionDir, 'action.yml');
  return parseYaml(await readFile(file, 'utf8')) as ActionManifest;
}

/** The runner's name mangling: spaces become underscores, the rest is upper-cased; hyphens stay. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export async function runAction(actionDir: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const manifest = await readActionManifest(actionDir);
  if (manifest.runs?.using !== 'node24') throw new Error(`${actionDir}/action.yml must declare runs.using: node24`);
  const main = path.resolve(actionDir, manifest.runs.main ?? 'dist/index.js');

  const scratch = await mkdtemp(path.join(tmpdir(), 'action-run-'));
  const files = {
    output: path.join(scratch, 'output'),
    summary: path.join(scratch, 'summary'),
    state: path.join(scratch, 'state'),
    env: path.join(scratch, 'env'),
    path: path.join(scratch, 'path'),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  const runnerTemp = options.runnerTemp ?? path.join(scratch, 'runner-temp');
  await mkdir(runnerTemp, { recursive: true });
  const workspace = options.workspace ?? (await mkdtemp(path.join(scratch, 'workspace-')));

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? scratch,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: path.join(scratch, 'tool-cache'),
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_REPOSITORY: 'example-org/example-repo',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW: 'test',
    GITHUB_EVENT_NAME: 'push',
  };
  for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
    if (spec.default !== undefined && !String(spec.default).includes('${{')) env[inputVariable(name)] = String(spec.default);
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (manifest.inputs && !(name in manifest.inputs)) throw new Error(`Input '${name}' is not declared in ${actionDir}/action.yml`);
    env[inputVariable(name)] = value;
  }
  Object.assign(env, options.env);

  const started = performance.now();
  const child = spawn(options.node ?? process.execPath, [main], { cwd: workspace, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  const durationMs = performance.now() - started;

  const [outputText, summary, stateText, envText] = await Promise.all(
    [files.output, files.summary, files.state, files.env].map((file) => readFile(file, 'utf8')),
  );
  await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  if (signal === 'SIGKILL') stderr += `\n[harness] killed after ${timeoutMs} ms`;

  const commands = parseWorkflowCommands(stdout);
  const annotations = commands.filter(isAnnotation).map(toAnnotation);
  const failure = [...annotations].reverse().find((a) => a.level === 'error' && !a.file)?.message;
  return {
    exitCode,
    signal,
    durationMs,
    outputs: parseFileCommand(outputText as string),
    state: parseFileCommand(stateText as string),
    exportedEnv: parseFileCommand(envText as string),
    summary: summary as string,
    stdout,
    stderr,
    commands,
    annotations,
    masks: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
    ...(failure === undefined ? {} : { failure }),
  };
}

/** Parses the GITHUB_OUTPUT/GITHUB_STATE/GITHUB_ENV format: `name=value` or `name<<DELIM` ... `DELIM`. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      if (i >= lines.length) throw new Error(`Unterminated value for '${name}' (delimiter ${delimiter})`);
      result[name] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`Malformed file command line: ${JSON.stringify(line)}`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string): string =>
  unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** Parses `::command key=value,key=value::message` lines the runner acts on. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-zA-Z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: match[1] as string, properties, message: unescapeData(match[3] as string) });
  }
  return commands;
}

function isAnnotation(command: WorkflowCommand): boolean {
  return command.command === 'error' || command.command === 'warning' || command.command === 'notice';
}

function toAnnotation(command: WorkflowCommand): Annotation {
  const p = command.properties;
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const annotation: Annotation = { level: command.command as Annotation['level'], message: command.message };
  if (p['file'] !== undefined) annotation.file = p['file'];
  const line = num(p['line']);
  if (line !== undefined) annotation.line = line;
  const endLine = num(p['endLine']);
  if (endLine !== undefined) annotation.endLine = endLine;
  const column = num(p['col']);
  if (column !== undefined) annotation.column = column;
  if (p['title'] !== undefined) annotation.title = p['title'];
  return annotation;
}
