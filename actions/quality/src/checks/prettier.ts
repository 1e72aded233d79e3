import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { tail } from '@pipeline/action-kit';
import type { CheckContext } from './context.js';
import type { CheckOutcome, Finding } from '../findings.js';
import { statusOf } from '../findings.js';
import { PIPELINE_CHECKOUT_DIR, toWorkspacePath, type ToolRunner } from '../tools.js';
import { PRETTIER_1_EXTENSIONS, prettierFeatures } from '../tool-versions.js';

/** Files whose first differing line is located exactly; the rest are annotated on line 1. */
const LOCATE_LIMIT = 25;
const SYNTAX_ERROR = /^\[error\] (.+?): (SyntaxError: .*?)(?: \((\d+):(\d+)\))?$/;

/** The 1-based number of the first line where `formatted` differs from `original`. */
export function firstDifferentLine(original: string, formatted: string): number {
  const a = original.split(/\r?\n/);
  const b = formatted.split(/\r?\n/);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i + 1;
  return 1;
}

/** Parses `prettier --list-different` stdout (one path per line). */
export function parseListDifferent(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('['));
}

/** Parses syntax errors prettier reports on stderr as findings. */
export function parseSyntaxErrors(stderr: string, workingDirectory: string, workspace: string): Finding[] {
  const findings: Finding[] = [];
  for (const line of stderr.split(/\r?\n/)) {
    const match = SYNTAX_ERROR.exec(line.trim());
    if (!match) continue;
    const finding: Finding = {
      tool: 'prettier',
      file: toWorkspacePath(match[1] as string, workingDirectory, workspace),
      line: match[3] ? Number(match[3]) : 1,
      rule: 'syntax-error',
      severity: 'error',
      message: match[2] as string,
    };
    if (match[4]) finding.column = Number(match[4]);
    findings.push(finding);
  }
  return findings;
}

export async function runPrettier(context: CheckContext, tool: ToolRunner): Promise<CheckOutcome> {
  if (context.files && context.files.length === 0)
    return { status: 'skipped', findings: [], detail: 'no changed files' };

  const features = prettierFeatures(tool.version);
  const args = ['--list-different', ...(features.unmatchedPatternOption ? ['--no-error-on-unmatched-pattern'] : [])];
  if (context.cacheDir && features.cache)
    args.push(
      '--cache',
      '--cache-strategy',
      'content',
      '--cache-location',
      path.join(context.cacheDir, 'prettier.cache'),
    );
  if (context.files) {
    if (features.ignoreUnknown) args.push('--ignore-unknown', '--', ...context.files);
    else {
      const known = context.files.filter((f) => PRETTIER_1_EXTENSIONS.includes(path.extname(f).slice(1)));
      if (known.length === 0) return { status: 'skipped', findings: [], detail: 'no changed files Prettier formats' };
      args.push('--', ...known);
    }
  } else if (features.expandsDirectories) args.push(...(await wholeProjectTargets(context.workingDirectory)));
  else args.push(...prettier1Targets(existsSync(path.join(context.workingDirectory, PIPELINE_CHECKOUT_DIR))));
  const result = await tool.run(args, context.workingDirectory);
  const syntaxErrors = parseSyntaxErrors(result.stderr, context.workingDirectory, context.workspace);
  // 0: formatted, 1: some files differ, 2: something went wrong (syntax errors are reported, anything else is a crash).
  if (result.exitCode !== 0 && result.exitCode !== 1 && syntaxErrors.length === 0) {
    return {
      status: 'crashed',
      findings: [],
      detail: `prettier exited with code ${result.exitCode}:\n${tail(result.stderr || result.stdout)}`,
    };
  }
  const unformatted = parseListDifferent(result.stdout);
  const findings: Finding[] = [...syntaxErrors];
  for (const [index, file] of unformatted.entries()) {
    let line = 1;
    if (index < LOCATE_LIMIT) line = await locate(tool, context.workingDirectory, file);
    findings.push({
      tool: 'prettier',
      file: toWorkspacePath(file, context.workingDirectory, context.workspace),
      line,
      rule: 'format',
      severity: 'error',
      message: `File is not formatted as Prettier would format it (first difference on line ${line}). Run \`prettier --write ${file}\`.`,
    });
  }
  return { status: statusOf(findings), findings };
}

/** Prettier before 2.0 expands globs, not directories: every file of a language it formats (node_modules is ignored by default). */
export function prettier1Targets(pipelineCheckoutInside: boolean): string[] {
  return [
    `**/*.{${PRETTIER_1_EXTENSIONS.join(',')}}`,
    ...(pipelineCheckoutInside ? [`!${PIPELINE_CHECKOUT_DIR}/**`] : []),
  ];
}

/**
 * `.`, or, when the pipeline's own checkout sits in the project, every other
 * top-level entry: Prettier has no command-line ignore pattern, and writing a
 * .prettierignore into the user's checkout is not ours to do.
 */
export async function wholeProjectTargets(workingDirectory: string): Promise<string[]> {
  if (!existsSync(path.join(workingDirectory, PIPELINE_CHECKOUT_DIR))) return ['.'];
  const entries = await readdir(workingDirectory);
  const targets = entries
    .filter((name) => name !== PIPELINE_CHECKOUT_DIR && name !== 'node_modules' && name !== '.git')
    .sort();
  return ['--ignore-unknown', '--', ...targets];
}

async function locate(tool: ToolRunner, cwd: string, file: string): Promise<number> {
  try {
    const original = await readFile(path.resolve(cwd, file), 'utf8');
    const formatted = await tool.run(['--stdin-filepath', file], cwd, original);
    return formatted.exitCode === 0 ? firstDifferentLine(original, formatted.stdout) : 1;
  } catch {
    return 1;
  }
}
