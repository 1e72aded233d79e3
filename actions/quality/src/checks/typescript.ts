import { existsSync } from 'node:fs';
import path from 'node:path';
import { tail } from '@pipeline/action-kit';
import type { CheckContext } from './context.js';
import type { CheckOutcome, Finding } from '../findings.js';
import { statusOf } from '../findings.js';
import { toWorkspacePath, type ToolRunner } from '../tools.js';

const LOCATED = /^(.+?)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
const GLOBAL = /^(error|warning) (TS\d+): (.*)$/;

/** Parses `tsc --pretty false` diagnostics; indented lines continue the previous message. */
export function parseTscOutput(
  output: string,
  workingDirectory: string,
  workspace: string,
  tsconfig: string,
): Finding[] {
  const findings: Finding[] = [];
  for (const line of output.split(/\r?\n/)) {
    const located = LOCATED.exec(line);
    if (located) {
      const [, file, row, col, category, code, message] = located as unknown as string[];
      findings.push({
        tool: 'typescript',
        file: toWorkspacePath(file as string, workingDirectory, workspace),
        line: Number(row),
        column: Number(col),
        rule: code,
        severity: category === 'error' ? 'error' : 'warning',
        message: message as string,
      });
      continue;
    }
    const global = GLOBAL.exec(line);
    if (global) {
      const [, category, code, message] = global as unknown as string[];
      findings.push({
        tool: 'typescript',
        file: toWorkspacePath(tsconfig, workingDirectory, workspace),
        line: 1,
        rule: code,
        severity: category === 'error' ? 'error' : 'warning',
        message: message as string,
      });
      continue;
    }
    const last = findings.at(-1);
    if (last && /^\s+\S/.test(line)) last.message += `\n${line.trim()}`;
  }
  return findings;
}

export function tsconfigPath(workingDirectory: string): string | undefined {
  const file = path.join(workingDirectory, 'tsconfig.json');
  return existsSync(file) ? file : undefined;
}

export async function runTypescript(context: CheckContext, tool: ToolRunner, tsconfig: string): Promise<CheckOutcome> {
  const args = ['--noEmit', '--pretty', 'false', '-p', tsconfig];
  if (context.cacheDir) args.push('--incremental', '--tsBuildInfoFile', path.join(context.cacheDir, 'tsc.tsbuildinfo'));
  const result = await tool.run(args, context.workingDirectory);
  const findings = parseTscOutput(result.stdout, context.workingDirectory, context.workspace, tsconfig);
  // tsc exits 1 or 2 when it reports diagnostics; a non-zero exit with nothing parsed is a crash.
  if (result.exitCode !== 0 && (findings.length === 0 || result.exitCode > 2)) {
    return {
      status: 'crashed',
      findings,
      detail: `tsc exited with code ${result.exitCode}:\n${tail(`${result.stdout}\n${result.stderr}`)}`,
    };
  }
  return { status: statusOf(findings), findings };
}
