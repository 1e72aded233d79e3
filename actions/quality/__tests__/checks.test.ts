/**
 * The checks' handling of what a tool does (exit codes, reports, crashes), with
 * the tool behind a fake Exec; the real tools run in action.e2e.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Exec, ExecResult } from '@pipeline/action-kit';
import type { CheckContext } from '../src/checks/context.js';
import { runEslint } from '../src/checks/eslint.js';
import { runTypescript } from '../src/checks/typescript.js';
import { ToolRunner } from '../src/tools.js';

let dir: string;
let bin: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quality-checks-'));
  // A shell shim, so ToolRunner calls exec with the bin itself.
  bin = path.join(dir, 'tool');
  await writeFile(bin, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A tool that answers with `result` and, given `--output-file`, writes `report` there first. */
function fakeTool(result: ExecResult, report?: string): { runner: ToolRunner; calls: (readonly string[])[] } {
  const calls: (readonly string[])[] = [];
  const exec: Exec = async (command, args) => {
    expect(command).toBe(bin);
    calls.push(args);
    const out = args.indexOf('--output-file');
    if (report !== undefined && out >= 0) await writeFile(args[out + 1] as string, report);
    return result;
  };
  return { runner: new ToolRunner(bin, exec), calls };
}

const context = (overrides: Partial<CheckContext> = {}): CheckContext => ({
  workingDirectory: '/ws/app',
  workspace: '/ws',
  exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
  files: undefined,
  cacheDir: undefined,
  ...overrides,
});
const eslintReport = JSON.stringify([
  {
    filePath: '/ws/app/src/a.js',
    messages: [{ ruleId: 'no-unused-vars', severity: 2, message: "'x' is unused", line: 3, column: 7 }],
  },
]);

describe('runEslint', () => {
  it.each([
    ['exit 0 with an empty report: passed', { exitCode: 0, stdout: '', stderr: '' }, '[]', 'passed', 0, undefined],
    ['exit 1 with findings: failed', { exitCode: 1, stdout: '', stderr: '' }, eslintReport, 'failed', 1, undefined],
    [
      'exit 2: crashed, with the end of stderr',
      { exitCode: 2, stdout: '', stderr: 'Oops!\n\nESLint couldn\'t find the config "nope".\n' },
      undefined,
      'crashed',
      0,
      'eslint exited with code 2:\nOops!\nESLint couldn\'t find the config "nope".',
    ],
    [
      'exit 1 without a report: crashed',
      { exitCode: 1, stdout: 'partial', stderr: '' },
      undefined,
      'crashed',
      0,
      'eslint wrote no report:\npartial',
    ],
  ] as [string, ExecResult, string | undefined, string, number, string | undefined][])(
    '%s',
    async (_what, result, report, status, findings, detail) => {
      const tool = fakeTool(result, report);
      const outcome = await runEslint(context(), tool.runner);
      expect(outcome.status).toBe(status);
      expect(outcome.findings).toHaveLength(findings);
      expect(outcome.detail).toBe(detail);
    },
  );

  it('reports findings relative to the workspace', async () => {
    const outcome = await runEslint(context(), fakeTool({ exitCode: 1, stdout: '', stderr: '' }, eslintReport).runner);
    expect(outcome.findings).toEqual([
      {
        tool: 'eslint',
        file: 'app/src/a.js',
        line: 3,
        column: 7,
        rule: 'no-unused-vars',
        severity: 'error',
        message: "'x' is unused",
      },
    ]);
  });

  it('lints only the changed files after --, and skips when none changed', async () => {
    const tool = fakeTool({ exitCode: 0, stdout: '', stderr: '' }, '[]');
    await runEslint(context({ files: ['src/a.js', '-rf.js'] }), tool.runner);
    const args = tool.calls[0] as readonly string[];
    expect(args.slice(args.indexOf('--'))).toEqual(['--', 'src/a.js', '-rf.js']);
    expect(await runEslint(context({ files: [] }), tool.runner)).toEqual({
      status: 'skipped',
      findings: [],
      detail: 'no changed files',
    });
    expect(tool.calls).toHaveLength(1);
  });
});

describe('runTypescript', () => {
  const tsconfig = '/ws/app/tsconfig.json';
  it.each([
    ['exit 0: passed', { exitCode: 0, stdout: '', stderr: '' }, 'passed', 0],
    [
      'diagnostics with exit 2: failed',
      {
        exitCode: 2,
        stdout: "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n",
        stderr: '',
      },
      'failed',
      1,
    ],
    [
      'a non-zero exit with nothing parsed: crashed',
      { exitCode: 1, stdout: '', stderr: 'node: bad option: --nope\n' },
      'crashed',
      0,
    ],
    [
      'exit 134 (out of memory) even with diagnostics: crashed',
      {
        exitCode: 134,
        stdout: "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.\n",
        stderr: 'FATAL ERROR: heap out of memory',
      },
      'crashed',
      1,
    ],
  ] as [string, ExecResult, string, number][])('%s', async (_what, result, status, findings) => {
    const outcome = await runTypescript(context(), fakeTool(result).runner, tsconfig);
    expect(outcome.status).toBe(status);
    expect(outcome.findings).toHaveLength(findings);
    if (status === 'crashed')
      expect(outcome.detail).toMatch(new RegExp(`^tsc exited with code ${result.exitCode}:\\n`));
  });

  it('passes the incremental build info under the cache directory', async () => {
    const tool = fakeTool({ exitCode: 0, stdout: '', stderr: '' });
    await runTypescript(context({ cacheDir: '/cache' }), tool.runner, tsconfig);
    expect(tool.calls[0]).toEqual([
      '--noEmit',
      '--pretty',
      'false',
      '-p',
      tsconfig,
      '--incremental',
      '--tsBuildInfoFile',
      '/cache/tsc.tsbuildinfo',
    ]);
  });
});
