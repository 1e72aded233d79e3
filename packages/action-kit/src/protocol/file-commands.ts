/**
 * File commands (actions/runner's FileCommandManager.cs): per step, empty
 * GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE, GITHUB_PATH and GITHUB_STEP_SUMMARY
 * files, read after the step. OUTPUT, ENV and STATE hold `name=value` lines and
 * `name<<DELIMITER` ... `DELIMITER` blocks; PATH holds one directory a line.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FileCommandPaths {
  GITHUB_OUTPUT: string;
  GITHUB_ENV: string;
  GITHUB_PATH: string;
  GITHUB_STATE: string;
  GITHUB_STEP_SUMMARY: string;
}

/** Variables a step may not set through GITHUB_ENV (the runner reports an error and skips them). */
export const BLOCKED_ENV = ['NODE_OPTIONS'];
/** The runner refuses a job summary larger than this (bytes). */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

const PREFIXES: Record<keyof FileCommandPaths, string> = {
  GITHUB_OUTPUT: 'set_output_',
  GITHUB_ENV: 'set_env_',
  GITHUB_PATH: 'add_path_',
  GITHUB_STATE: 'save_state_',
  GITHUB_STEP_SUMMARY: 'step_summary_',
};

/** Creates the five empty files for one step in `dir`, named as the runner names them. */
export async function createFileCommandFiles(dir: string): Promise<FileCommandPaths> {
  const suffix = randomUUID();
  const paths = Object.fromEntries(
    Object.entries(PREFIXES).map(([name, prefix]) => [name, path.join(dir, prefix + suffix)]),
  ) as unknown as FileCommandPaths;
  await Promise.all(Object.values(paths).map((file: string) => writeFile(file, '')));
  return paths;
}

/**
 * The runner's reading of an OUTPUT/ENV/STATE file (EnvFileKeyValuePairs), on
 * Linux: lines end at `\n` only (a `\r` stays in the value), blank lines are
 * skipped, whichever of `=` and `<<` comes first decides the form, and a
 * heredoc value is the text between its header line and the first line that
 * equals the delimiter exactly, without the last line break. Later names win.
 */
export function parseFileCommandEntries(text: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      if (eq === 0) throw new Error(`Invalid line ${JSON.stringify(line)}: the name before '=' is empty`);
      entries.push([line.slice(0, eq), line.slice(eq + 1)]);
      continue;
    }
    if (heredoc < 0) throw new Error(`Invalid line ${JSON.stringify(line)}: expected name=value or name<<DELIMITER`);
    const [name, delimiter] = [line.slice(0, heredoc), line.slice(heredoc + 2)];
    if (name === '' || delimiter === '')
      throw new Error(`Invalid line ${JSON.stringify(line)}: name and delimiter must not be empty`);
    const end = lines.indexOf(delimiter, i + 1);
    // The delimiter line must exist; a value line at the very end of the file (no line break after it) cannot be one.
    if (end < 0) throw new Error(`Unterminated value for '${name}': no line '${delimiter}' closes it`);
    entries.push([name, lines.slice(i + 1, end).join('\n')]);
    i = end;
  }
  return entries;
}

/** `parseFileCommandEntries` as a map (the last value of a name wins, as the runner's SetOutput does). */
export function parseFileCommand(text: string): Record<string, string> {
  return Object.fromEntries(parseFileCommandEntries(text));
}

/** GITHUB_PATH: one directory per line (any line ending), blank lines skipped. */
export function parsePathFile(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((line) => line !== '');
}

/**
 * The job's prepend list after a step added `added` (the runner's PrependPath):
 * a directory added again moves to the end, and the end comes first in PATH.
 */
export function addToPath(prepend: readonly string[], added: readonly string[]): string[] {
  const result = [...prepend];
  for (const dir of added) {
    const existing = result.indexOf(dir);
    if (existing >= 0) result.splice(existing, 1);
    result.push(dir);
  }
  return result;
}

/** PATH for a step: the prepend list, latest first, before the original PATH. */
export function prependedPath(prepend: readonly string[], original: string | undefined): string {
  const front = [...prepend].reverse().join(path.delimiter);
  if (front === '') return original ?? '';
  return original ? `${front}${path.delimiter}${original}` : front;
}

export interface FileCommandResults {
  outputs: Record<string, string>;
  env: Record<string, string>;
  state: Record<string, string>;
  path: string[];
  /** The summary as the step wrote it (the runner masks it line by line before upload: SecretMasker.maskLines). */
  summary: string;
  /** Errors the runner reports on the step. */
  errors: string[];
  /** A file could not be processed: the runner fails the step even if the process exited 0. */
  failed: boolean;
}

const readText = (file: string): Promise<string> => readFile(file, 'utf8').catch(() => '');

/** Reads the five files after a step, with the runner's errors instead of exceptions. */
export async function readFileCommands(paths: FileCommandPaths): Promise<FileCommandResults> {
  const result: FileCommandResults = {
    outputs: {},
    env: {},
    state: {},
    path: [],
    summary: '',
    errors: [],
    failed: false,
  };
  const parse = async (name: keyof FileCommandPaths): Promise<Record<string, string>> => {
    try {
      return parseFileCommand(await readText(paths[name]));
    } catch (error) {
      result.errors.push(`${name}: ${(error as Error).message}`);
      result.failed = true;
      return {};
    }
  };
  [result.outputs, result.state] = [await parse('GITHUB_OUTPUT'), await parse('GITHUB_STATE')];
  for (const [name, value] of Object.entries(await parse('GITHUB_ENV'))) {
    if (BLOCKED_ENV.some((blocked) => blocked.toLowerCase() === name.toLowerCase()))
      result.errors.push(`GITHUB_ENV: ${name} cannot be set by a step; the line is ignored`);
    else result.env[name] = value;
  }
  result.path = parsePathFile(await readText(paths.GITHUB_PATH));
  const size = await stat(paths.GITHUB_STEP_SUMMARY).then(
    (s) => s.size,
    () => 0,
  );
  if (size > STEP_SUMMARY_LIMIT) {
    result.errors.push(
      `GITHUB_STEP_SUMMARY: ${size} bytes is over the ${STEP_SUMMARY_LIMIT / 1024}k limit; the summary is not shown`,
    );
  } else {
    result.summary = await readText(paths.GITHUB_STEP_SUMMARY);
  }
  return result;
}
