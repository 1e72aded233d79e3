/**
 * End-to-end: the built dist/index.js, run as the runner runs it, against
 * small consumer repositories using their own prettier, eslint and tsc.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { actionDir, consumerRepo, type ConsumerRepo, type ToolPackage } from './helpers/fixture.js';

const cleanups: string[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function runOn(repo: ConsumerRepo, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const runnerTemp = `${repo.workspace}-runner-temp`;
  cleanups.push(repo.workspace, runnerTemp);
  return runAction(actionDir, { workspace: repo.workspace, runnerTemp, inputs: { cache: 'false', ...inputs } });
}

async function repoWith(files: Record<string, string>, tools?: readonly ToolPackage[]): Promise<ConsumerRepo> {
  const repo = await consumerRepo(tools);
  for (const [file, content] of Object.entries(files)) await repo.write(file, content);
  return repo;
}

const MATH = (line5: string): string =>
  `export function add(a: number, b: number): number {\n  return a + b;\n}\n\n${line5}\n`;

describe('quality action on fixture repositories', () => {
  it('passes a clean repository with every check', async () => {
    const result = await runOn(await repoWith({}));
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ passed: 'true', errors: '0', warnings: '0' });
    expect(result.annotations).toEqual([]);
    const report = JSON.parse(await readFile(result.outputs['report'] as string, 'utf8')) as {
      checks: { check: string; status: string }[];
    };
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['prettier', 'passed'],
      ['eslint', 'passed'],
      ['typescript', 'passed'],
      ['line-length', 'passed'],
    ]);
    expect(result.summary).toContain('Code quality: ✅ passed');
  });

  it.each([
    [
      'a formatting error',
      { 'src/math.ts': MATH('export const total: number = add( 1,2 );') },
      'prettier',
      'src/math.ts',
      5,
      'format',
    ],
    [
      'an ESLint error',
      { 'src/greet.js': 'export function greet(name) {\n  const unused = 1;\n  return name;\n}\n' },
      'eslint',
      'src/greet.js',
      2,
      'no-unused-vars',
    ],
    [
      'a type error',
      { 'src/math.ts': MATH('export const total: string = add(1, 2);') },
      'typescript',
      'src/math.ts',
      5,
      'TS2322',
    ],
    [
      'an 81-character line',
      { 'src/math.ts': MATH(`// ${'x'.repeat(78)}`) },
      'line-length',
      'src/math.ts',
      5,
      'max-line-length',
    ],
  ])('fails on %s with one annotation on its file and line', async (_case, files, tool, file, line, rule) => {
    const result = await runOn(await repoWith(files));
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ passed: 'false', errors: '1', warnings: '0' });
    expect(result.annotations.filter((a) => a.file)).toEqual([
      expect.objectContaining({ level: 'error', file, line, title: `${tool}: ${rule}` }),
    ]);
    expect(result.failure).toContain('Quality gate failed: 1 error and 0 warnings (fail-on: error)');
    expect(result.summary).toContain(file);
  });

  it("ignores the pipeline's own checkout of its actions in .pipeline-actions/", async () => {
    const bundle = `const  unused=1;export var x = ${JSON.stringify('y'.repeat(120))}\n`;
    const repo = await repoWith({});
    await mkdir(path.join(repo.workspace, '.pipeline-actions/actions/quality/dist'), { recursive: true });
    await repo.write('.pipeline-actions/actions/quality/dist/index.js', bundle);
    const result = await runOn(repo);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ passed: 'true', errors: '0', warnings: '0' });
    // The same file anywhere else is found by every check that reads it.
    await repo.write('src/bundle.js', bundle);
    const control = await runOn(repo, { checks: 'prettier,eslint,line-length' });
    expect(control.annotations.filter((a) => a.file === 'src/bundle.js').map((a) => a.title)).toEqual([
      'prettier: format',
      'eslint: no-unused-vars',
      'line-length: max-line-length',
    ]);
  });

  it('accepts an 80-character line at the default limit', async () => {
    const result = await runOn(await repoWith({ 'src/math.ts': MATH(`// ${'x'.repeat(77)}`) }), {
      checks: 'line-length',
    });
    expect(result.exitCode).toBe(0);
  });

  it('names a missing tool and how to add it, and runs nothing', async () => {
    const result = await runOn(await repoWith({}, ['prettier', 'typescript']));
    expect(result.exitCode).toBe(1);
    expect(result.failure).toContain("The 'eslint' check is enabled but eslint is not installed");
    expect(result.failure).toContain('npm install --save-dev eslint');
    expect(result.outputs).toEqual({});
  });

  it('runs without the missing tool when its check is disabled', async () => {
    const result = await runOn(await repoWith({}, ['prettier', 'typescript']), {
      checks: 'prettier,typescript,line-length',
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['passed']).toBe('true');
  });

  it('reports a crashing tool as a crash, never as zero findings', async () => {
    const result = await runOn(await repoWith({ 'eslint.config.js': 'export default [\n' }), { checks: 'eslint' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['passed']).toBe('false');
    expect(result.failure).toContain('eslint crashed');
    const report = JSON.parse(await readFile(result.outputs['report'] as string, 'utf8')) as {
      checks: { status: string }[];
    };
    expect(report.checks[0]?.status).toBe('crashed');
  });

  it('applies fail-on to warnings', async () => {
    const files = { 'src/greet.js': 'export function greet(name) {\n  return name == "x";\n}\n' };
    const lenient = await runOn(await repoWith(files), { checks: 'eslint' });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs).toMatchObject({ passed: 'true', errors: '0', warnings: '1' });
    expect(lenient.annotations).toEqual([expect.objectContaining({ level: 'warning', file: 'src/greet.js', line: 2 })]);
    // Issue 13: the summary said "passed" above an eslint row marked failed for warnings that fail nothing.
    expect(lenient.summary).toContain('Code quality: ✅ passed');
    expect(lenient.summary).toContain('| eslint | ⚠️ findings (not failing) | 0 | 1 |');
    expect(lenient.summary).not.toContain('❌');
    const strict = await runOn(await repoWith(files), { checks: 'eslint', 'fail-on': 'warning' });
    expect(strict.exitCode).toBe(1);
    expect(strict.outputs['passed']).toBe('false');
  });

  it('never fails on findings with fail-on: never, but still counts them', async () => {
    const result = await runOn(await repoWith({ 'src/math.ts': MATH('export const total: string = add(1, 2);') }), {
      'fail-on': 'never',
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ passed: 'true', errors: '1' });
  });

  it('checks only changed files when asked', async () => {
    const repo = await repoWith({ 'src/old.js': 'export const old = 1;\nconst unusedOld = 2;\n' });
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo.workspace, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'add', '-A');
    git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-qm', 'base', '--no-verify');
    await repo.write('src/greet.js', 'export function greet(name) {\n  const unused = 1;\n  return name;\n}\n');
    git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-qam', 'change', '--no-verify');
    const result = await runOn(repo, { checks: 'eslint,line-length', 'only-changed': 'true' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.file).map((a) => a.file)).toEqual(['src/greet.js']);
  });

  it.each([
    [
      { 'fail-on': 'sometimes' },
      `Input 'fail-on' has an invalid value "sometimes": expected one of error, warning, never.`,
    ],
    [
      { checks: 'eslint,stylelint' },
      `Input 'checks' has an invalid value "stylelint": expected a comma-separated list of prettier, eslint, typescript, line-length.`,
    ],
    [
      { 'max-line-length': 'wide' },
      `Input 'max-line-length' has an invalid value "wide": expected a whole number from 1 to 10000.`,
    ],
    [
      { 'working-directory': '../elsewhere' },
      expect.stringContaining(
        `Input 'working-directory' has an invalid value "../elsewhere": expected a directory inside the workspace (`,
      ),
    ],
  ])('rejects bad input %j with a clear error', async (inputs, message) => {
    const result = await runOn(await repoWith({}), inputs);
    expect(result.exitCode).toBe(1);
    expect(result.failure).toEqual(message);
  });
});
