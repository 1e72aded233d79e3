/**
 * Issue 13 regressions, through the bundle as the runner runs it: a scanner
 * that echoes the token (plain, base64, base64url, split at a CR) leaks it
 * nowhere, SARIF included; its stderr cannot issue workflow commands;
 * sarif-file problems fail by name before any scanner runs; npm audit against
 * a registry that never answers is stopped at the step's timeout.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isInert } from '@pipeline/action-kit';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { actionDir, fixtures } from './helpers/findings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'security-hardening-'));
  dirs.push(dir);
  cpSync(path.join(fixtures, 'npm-project'), path.join(dir, 'app'), { recursive: true });
  return dir;
}

/** A stand-in Snyk CLI (its SaaS is unreachable here): the recorded report with `title` replaced, and `stderr`. */
function fakeSnyk(dir: string, title: string, stderr: string, exitCode: number): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const report = JSON.parse(readFileSync(path.join(fixtures, 'outputs', 'snyk-lodash.json'), 'utf8')) as {
    vulnerabilities: { title: string }[];
  };
  for (const vulnerability of report.vulnerabilities) vulnerability.title = title;
  writeFileSync(path.join(bin, 'report.json'), exitCode === 2 ? '' : JSON.stringify(report));
  writeFileSync(path.join(bin, 'stderr.txt'), stderr);
  writeFileSync(
    path.join(bin, 'snyk'),
    `#!/bin/sh\ncat "${bin}/report.json"\ncat "${bin}/stderr.txt" >&2\nexit ${exitCode}\n`,
  );
  chmodSync(path.join(bin, 'snyk'), 0o755);
  return bin;
}

const UNEXPECTED = new Set(['stop-commands', 'set-output', 'set-env', 'add-path', 'save-state', 'add-mask']);

/** Everything the step wrote but the masks it registered: stdout, summary, outputs, failure and the SARIF file. */
function written(result: ActionRun, sarif: string): string {
  const stdout = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  let sarifText = '';
  try {
    sarifText = readFileSync(sarif, 'utf8');
  } catch {
    // not written
  }
  return [stdout, result.summary, JSON.stringify(result.outputs), result.failure ?? '', sarifText].join('\n');
}

describe('security: a scanner that echoes secrets and commands', () => {
  const token = 'snyk-T0ken-planted-7f3a9c21e4';
  const b64 = (text: string, encoding: BufferEncoding): string => Buffer.from(text).toString(encoding);
  const forms = [
    token,
    b64(token, 'base64'),
    b64(token, 'base64url'),
    b64(`Bearer ${token}`, 'base64').slice(12, 30),
    encodeURIComponent(`${token}/x`),
  ];

  it('redacts every form of the token from SARIF, summary, report output and log', async () => {
    const dir = workspace();
    const title = `Prototype pollution ${token} ${b64(token, 'base64')} ${b64(token, 'base64url')} ${b64(`Bearer ${token}`, 'base64')} ${encodeURIComponent(`${token}/x`)} ${token.slice(0, 14)}\r${token.slice(14)}`;
    const bin = fakeSnyk(dir, title, '', 1);
    const sarif = path.join(dir, 'out', 'security.sarif');
    const result = await runAction(actionDir, {
      workspace: dir,
      inputs: { 'working-directory': 'app', scanners: 'snyk', 'snyk-token': token, 'sarif-file': 'out/security.sarif' },
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1); // the high finding fails the gate
    const text = written(result, sarif);
    expect(readFileSync(sarif, 'utf8')).toContain('Prototype pollution ***');
    for (const form of forms) expect(text).not.toContain(form);
    expect(JSON.parse(readFileSync(sarif, 'utf8'))).toMatchObject({ version: '2.1.0' });
  });

  it("prints a failing scanner's stderr tail inert and redacted", async () => {
    const dir = workspace();
    const stderr = `boom\n::stop-commands::pwned\n::set-output name=passed::true\r::add-mask::x\nauth ${token} failed\n##[error]legacy\n`;
    const bin = fakeSnyk(dir, 'unused', stderr, 2);
    const result = await runAction(actionDir, {
      workspace: dir,
      inputs: { 'working-directory': 'app', scanners: 'snyk', 'snyk-token': token },
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.runnerErrors).toEqual([]);
    // The masks are the action's own (the token's spellings), none from the scanner's "::add-mask::x".
    expect(result.masks).not.toContain('x');
    expect(result.commands.filter((c) => UNEXPECTED.has(c.command) && c.command !== 'add-mask')).toEqual([]);
    expect(result.commands.some((c) => c.command === 'stop-commands' || c.command === 'set-output')).toBe(false);
    for (const line of result.stdout.split('\n').filter((l) => l.startsWith('snyk: scanner error')))
      expect(isInert(line)).toBe(true);
    expect(written(result, '/nonexistent')).not.toContain(token);
    expect(result.failure).toContain('snyk exited with code 2 without a JSON report');
  });
});

describe('security: sarif-file is checked before any scanner runs', () => {
  it.each([
    ['a directory', (dir: string) => (mkdirSync(path.join(dir, 'sarif-dir')), 'sarif-dir'), /not a directory/],
    ['a name over 255 bytes', () => `${'n'.repeat(300)}.sarif`, /whose every name is at most 255 bytes/],
    [
      'under a file',
      (dir: string) => (writeFileSync(path.join(dir, 'plain'), ''), 'plain/x.sarif'),
      /writing it fails with (EEXIST|ENOTDIR)/,
    ],
    ['outside the workspace', () => '/etc/x.sarif', /inside the workspace/],
  ] as [string, (dir: string) => string, RegExp][])('%s', async (_what, make, message) => {
    const dir = workspace();
    const bin = fakeSnyk(dir, 't', '', 0);
    const marker = path.join(dir, 'scanner-ran');
    writeFileSync(path.join(bin, 'snyk'), `#!/bin/sh\ntouch "${marker}"\nexit 0\n`);
    const result = await runAction(actionDir, {
      workspace: dir,
      inputs: { 'working-directory': 'app', scanners: 'snyk', 'sarif-file': make(dir) },
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/^Input 'sarif-file' has an invalid value/);
    expect(result.failure).toMatch(message);
    expect(() => readFileSync(marker)).toThrow();
  });
});

describe('security: scanner network calls are bounded by timeout', () => {
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('stops npm audit against a registry that accepts connections and never answers', async () => {
    server = createServer((socket) => sockets.push(socket)); // accepts, reads, never answers
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const dir = workspace();
    const result = await runAction(actionDir, {
      workspace: dir,
      inputs: {
        'working-directory': 'app',
        scanners: 'npm-audit',
        registry: `http://127.0.0.1:${port}/`,
        timeout: '3s',
      },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/npm-audit: .*npm did not finish within 3s and was stopped/);
    expect(result.durationMs).toBeLessThan(20_000);
  });
});
