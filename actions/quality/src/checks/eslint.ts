import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tail } from '@pipeline/action-kit';
import type { CheckContext } from './context.js';
import type { CheckOutcome, Finding } from '../findings.js';
import { statusOf } from '../findings.js';
import { PIPELINE_CHECKOUT_DIR, toWorkspacePath, type ToolRunner } from '../tools.js';
import { ESLINT_EXTENSIONS, eslintFeatures } from '../tool-versions.js';

interface EslintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
  column?: number;
  fatal?: boolean;
}

interface EslintFileResult {
  filePath: string;
  messages: EslintMessage[];
}

/** Converts ESLint's JSON formatter output into findings. Throws if it is not ESLint JSON. */
export function parseEslintJson(json: string, workingDirectory: string, workspace: string): Finding[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('ESLint JSON output is not an array');
  return (parsed as EslintFileResult[]).flatMap((result) =>
    result.messages.map((m): Finding => {
      const finding: Finding = {
        tool: 'eslint',
        file: toWorkspacePath(result.filePath, workingDirectory, workspace),
        line: m.line ?? 1,
        severity: m.severity >= 2 || m.fatal ? 'error' : 'warning',
        message: m.message,
        rule: m.ruleId ?? (m.fatal ? 'parse-error' : 'eslint'),
      };
      if (m.column !== undefined) finding.column = m.column;
      return finding;
    }),
  );
}

/** The command line for the installed ESLint version (./tool-versions.ts): report file, cache, targets. */
export function eslintArgs(
  version: string | undefined,
  outputFile: string,
  cacheDir: string | undefined,
  files: readonly string[] | undefined,
): string[] {
  const features = eslintFeatures(version);
  const args = ['--format', 'json', '--output-file', outputFile];
  if (features.unmatchedPatternOption) args.push('--no-error-on-unmatched-pattern');
  args.push('--ignore-pattern', `${PIPELINE_CHECKOUT_DIR}/**`);
  if (cacheDir) {
    args.push('--cache');
    if (features.cacheStrategy) args.push('--cache-strategy', 'content');
    args.push('--cache-location', path.join(cacheDir, 'eslint') + path.sep);
  }
  if (files) return [...args, ...(features.warnIgnoredOption ? ['--no-warn-ignored'] : []), '--', ...files];
  return [...args, ...(features.needsExtensions ? ['--ext', ESLINT_EXTENSIONS] : []), '.'];
}

export async function runEslint(context: CheckContext, tool: ToolRunner): Promise<CheckOutcome> {
  if (context.files && context.files.length === 0)
    return { status: 'skipped', findings: [], detail: 'no changed files' };

  const scratch = await mkdtemp(path.join(tmpdir(), 'quality-eslint-'));
  const outputFile = path.join(scratch, 'eslint.json');
  try {
    const args = eslintArgs(tool.version, outputFile, context.cacheDir, context.files);
    const result = await tool.run(args, context.workingDirectory);
    // 0: no errors, 1: lint errors; anything else (2) is a crash or configuration problem.
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      return {
        status: 'crashed',
        findings: [],
        detail: `eslint exited with code ${result.exitCode}:\n${tail(result.stderr || result.stdout)}`,
      };
    }
    let json: string;
    try {
      json = await readFile(outputFile, 'utf8');
    } catch {
      return {
        status: 'crashed',
        findings: [],
        detail: `eslint wrote no report:\n${tail(result.stderr || result.stdout)}`,
      };
    }
    const findings = parseEslintJson(json, context.workingDirectory, context.workspace);
    return { status: statusOf(findings), findings };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
