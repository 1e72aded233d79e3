/**
 * Issue 13 regressions through the bundle as the runner runs it: check names
 * (from inline YAML or a committed checks file) cannot issue workflow
 * commands, and a header value the service reflects back base64- or
 * URL-encoded is redacted from the log, the summary and the report.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { isInert } from '@pipeline/action-kit';
import { runAction } from '@pipeline/action-kit/testing';

const actionDir = path.resolve(import.meta.dirname, '..');
const SECRET = 'planted-Header-S3cret-4d9c7e';
let server: Server;
let url = '';

beforeAll(async () => {
  // Reflects the Authorization header back, plain, base64, base64url and URL-encoded, with status 500.
  server = createServer((req, res) => {
    const value = String(req.headers['authorization'] ?? '');
    res.statusCode = req.url === '/fail' || req.url?.startsWith('/cut') ? 500 : 200;
    res.setHeader('content-type', 'text/plain');
    // /cut: the value after 285 characters, so that it straddles the 300-character excerpt of the body.
    if (req.url?.startsWith('/cut')) return void res.end(`${'p'.repeat(285)}${value}`);
    res.end(
      `${value} ${Buffer.from(value).toString('base64')} ${Buffer.from(value).toString('base64url')} ${encodeURIComponent(value)}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const UNEXPECTED = new Set(['stop-commands', 'set-output', 'set-env', 'add-path', 'save-state']);

describe('smoke-test: hostile check names and reflected secrets', () => {
  it('prints check names with line breaks and :: as inert text', async () => {
    const checks = [
      '- name: "ok\\n::stop-commands::pwned"',
      '  path: /',
      '- name: "bad\\r::set-output name=passed::true"',
      '  path: /fail',
    ].join('\n');
    const result = await runAction(actionDir, { inputs: { url, checks, retries: '0' }, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(1);
    expect(result.runnerErrors).toEqual([]);
    expect(result.commands.filter((c) => UNEXPECTED.has(c.command))).toEqual([]);
    // The action's own annotations carry the names escaped; every other line holding them is plain text.
    const own = /^::(error|warning|notice|group|endgroup|debug|add-mask)\b/;
    const lines = result.stdout.split('\n').filter((l) => /stop-commands|set-output/.test(l) && !own.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(isInert(line)).toBe(true);
  });

  it('prints check names from a committed checks file inert too', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'smoke-hardening-ws-'));
    writeFileSync(
      path.join(workspace, 'checks.yaml'),
      [
        '- name: "file\\n::stop-commands::pwned"',
        '  path: /fail',
        '- name: "x ##[set-output name=passed;]true"',
        '  path: /',
      ].join('\n'),
    );
    const result = await runAction(actionDir, {
      inputs: { url, checks: 'checks.yaml', retries: '0' },
      workspace,
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/checks failed \("file.*::stop-commands::pwned"/s);
    expect(result.runnerErrors).toEqual([]);
    expect(result.commands.filter((c) => UNEXPECTED.has(c.command))).toEqual([]);
    const own = /^::(error|warning|notice|group|endgroup|debug|add-mask)\b/;
    const lines = result.stdout.split('\n').filter((l) => /stop-commands|set-output/.test(l) && !own.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(isInert(line)).toBe(true);
  });

  it('redacts a header value the service reflects past the excerpt cut, leaving no part of it', async () => {
    const result = await runAction(actionDir, {
      inputs: { url, headers: `Authorization: Bearer ${SECRET}`, checks: '- name: cut\n  path: /cut\n', retries: '0' },
      runnerTemp: mkdtempSync(path.join(tmpdir(), 'smoke-hardening-')),
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    const report = result.outputs['report-file'] ? readFileSync(result.outputs['report-file'], 'utf8') : '';
    const stdout = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    const written = [stdout, result.summary, report, result.failure ?? ''].join('\n');
    expect(written).toContain(`${'p'.repeat(285)}***`);
    expect(written).not.toContain(SECRET.slice(0, 8));
  });

  it('redacts a header value the service reflects encoded, everywhere the action writes', async () => {
    const result = await runAction(actionDir, {
      inputs: {
        url,
        headers: `Authorization: Bearer ${SECRET}`,
        checks: '- name: reflected\n  path: /fail\n',
        retries: '0',
      },
      runnerTemp: mkdtempSync(path.join(tmpdir(), 'smoke-hardening-')),
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(1);
    const report = result.outputs['report-file'] ? readFileSync(result.outputs['report-file'], 'utf8') : '';
    const stdout = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    const written = [stdout, result.summary, report, result.failure ?? '', JSON.stringify(result.outputs)].join('\n');
    const value = `Bearer ${SECRET}`;
    for (const form of [
      SECRET,
      Buffer.from(value).toString('base64').slice(4, 30),
      Buffer.from(value).toString('base64url').slice(4, 30),
      encodeURIComponent(value),
    ])
      expect(written).not.toContain(form);
  });
});
