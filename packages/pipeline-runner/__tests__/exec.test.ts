/**
 * A step's process as the runner runs it, on the kit's protocol: a real
 * node process writes file commands and workflow commands; the runner's
 * masker hides secrets (not the structural lines of a multi-line one).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import { runProcess } from '../src/exec.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function run(script: string, secrets: string[] = []) {
  const dir = await mkdtemp(path.join(tmpdir(), 'exec-'));
  dirs.push(dir);
  const masker = new SecretMasker();
  for (const secret of secrets) masker.addSecret(secret);
  const logFile = path.join(dir, 'step.log');
  const result = await runProcess({
    command: process.execPath,
    args: ['-e', script],
    cwd: dir,
    env: (files) => ({ PATH: process.env['PATH'] ?? '', ...files }),
    timeoutMs: 30_000,
    scratchRoot: dir,
    masker,
    workspace: dir,
    logFile,
  });
  return { result, log: await readFile(logFile, 'utf8').catch(() => '') };
}

const KUBECONFIG =
  'apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldCJ9.payload';

describe('runProcess', () => {
  it('reads GITHUB_OUTPUT (heredoc too), GITHUB_ENV, GITHUB_PATH and GITHUB_STATE', async () => {
    const { result } = await run(`
      const fs = require('node:fs');
      fs.appendFileSync(process.env.GITHUB_OUTPUT, 'a=1\\nmulti<<EOF\\nx\\ny\\nEOF\\n');
      fs.appendFileSync(process.env.GITHUB_ENV, 'FOO=bar\\n');
      fs.appendFileSync(process.env.GITHUB_PATH, '/one\\n/two\\n');
      fs.appendFileSync(process.env.GITHUB_STATE, 'saved=yes\\n');
    `);
    expect(result).toMatchObject({
      exitCode: 0,
      outputs: { a: '1', multi: 'x\ny' },
      exportedEnv: { FOO: 'bar' },
      paths: ['/one', '/two'],
      state: { saved: 'yes' },
      runnerErrors: [],
    });
  });

  it('masks a multi-line secret without masking its structural lines', async () => {
    const { result, log } = await run(
      `console.log(${JSON.stringify(KUBECONFIG)}); console.log('apiVersion: v1 stays');`,
      [KUBECONFIG],
    );
    expect(log).toContain('apiVersion: v1 stays');
    expect(log).not.toContain('eyJhbGciOiJSUzI1NiIsImtpZCI6InNlY3JldCJ9');
    expect(result.tail.join('\n')).not.toContain('payload');
  });

  it('hides a value registered with ::add-mask:: in later lines and in annotations', async () => {
    const { result, log } = await run(
      `console.log('::add-mask::s3cr3t-token'); console.log('value s3cr3t-token'); console.log('::error file=a.js,line=3::bad s3cr3t-token');`,
    );
    expect(log).toContain('value ***');
    expect(log).not.toContain('s3cr3t-token');
    expect(result.annotations).toEqual([
      expect.objectContaining({ level: 'error', file: 'a.js', line: 3, message: 'bad ***' }),
    ]);
  });

  it('reports a file command the runner cannot process', async () => {
    const { result } = await run(`require('node:fs').appendFileSync(process.env.GITHUB_OUTPUT, 'no separator\\n');`);
    expect(result.exitCode).toBe(0);
    expect(result.runnerFailed).toBe(true);
    expect(result.runnerErrors.join(' ')).toMatch(/GITHUB_OUTPUT/);
  });
});
