/**
 * End to end: the bundled action (dist/index.js) run the way the runner runs
 * it (runAction), with the REAL npm CLI doing `npm audit --json` against the
 * local advisory server (recorded advisories for lodash@4.17.15) over a fixture
 * project with a real lockfile. Rebuild dist/ first.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '@pipeline/action-kit/testing';
import type { ActionRun } from '@pipeline/action-kit/testing';
import { startAdvisoryServer } from './helpers/advisory-server.js';
import type { AdvisoryServer } from './helpers/advisory-server.js';
import { actionDir, fixtures, sarifValidator } from './helpers/findings.js';
import type { Report } from '../src/gate.js';

let server: AdvisoryServer;
let workspace: string;
const validate = sarifValidator();

beforeAll(async () => {
  server = await startAdvisoryServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'security-e2e-'));
  cpSync(path.join(fixtures, 'npm-project'), path.join(workspace, 'app'), { recursive: true });
  server.setBulkFailure(undefined);
  server.requests.length = 0;
});

async function run(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(actionDir, {
    workspace,
    inputs: { 'working-directory': 'app', scanners: 'npm-audit', registry: server.url, ...inputs },
    env,
    timeoutMs: 90_000,
  });
}

function report(result: ActionRun): Report {
  return JSON.parse(result.outputs['report'] ?? 'null') as Report;
}

describe('npm audit through the real npm CLI', () => {
  it('fails the gate on the high lodash advisories, with outputs, SARIF, annotations and a summary', async () => {
    const result = await run({ 'severity-threshold': 'high', 'sarif-file': 'out/security.sarif' });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      passed: 'false',
      critical: '0',
      high: '3',
      moderate: '3',
      low: '0',
      'sarif-file': path.join(workspace, 'out/security.sarif'),
    });
    expect(result.failure).toMatch(
      /^3 findings at or above 'high' \(3 high\) not allow-listed: GHSA-r5fr-rjxr-66jc in lodash, GHSA-p6mc-m468-83gw in lodash, GHSA-35jh-r3h4-6jhm in lodash/,
    );

    // npm really talked to the fake: a gzip-compressed POST of the lockfile's packages, then the packument.
    const bulk = server.requests.find((r) => r.url === '/-/npm/v1/security/advisories/bulk');
    expect(bulk).toMatchObject({ method: 'POST', contentEncoding: 'gzip', body: { lodash: ['4.17.15'] } });
    expect(server.requests.some((r) => r.method === 'GET' && r.url === '/lodash')).toBe(true);

    const parsed = report(result);
    expect(parsed.findings).toHaveLength(6);
    expect(parsed.findings[0]).toMatchObject({
      id: 'GHSA-r5fr-rjxr-66jc',
      package: 'lodash',
      installedVersion: '4.17.15',
      blocking: true,
      location: { path: 'app/package-lock.json', startLine: 14 },
    });

    const sarif = JSON.parse(readFileSync(path.join(workspace, 'out/security.sarif'), 'utf8')) as {
      runs: { results: unknown[] }[];
    };
    expect(validate(sarif)).toEqual([]);
    expect(sarif.runs[0]?.results).toHaveLength(6);

    const errors = result.annotations.filter((a) => a.level === 'error' && a.file);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ file: 'app/package-lock.json', line: 14, title: 'high: GHSA-r5fr-rjxr-66jc' });
    expect(result.summary).toContain('## Security: ❌ failed');
    expect(result.summary).toContain('| npm-audit | 0 | 3 | 3 | 0 |');
    expect(result.summary).toContain('```mermaid');
  });

  it('passes when the high findings are allow-listed, and reports an expired entry', async () => {
    const allowlist = [
      '- id: GHSA-35jh-r3h4-6jhm',
      '  package: lodash',
      '  reason: templates are never built from user input',
      '  expires: 2099-12-31',
      '- id: CVE-2020-8203 # not known to npm audit (no CVE in its output): matches nothing',
      '  reason: unused entry',
      '  expires: 2099-12-31',
      '- id: npm:1106920',
      '  reason: zipObjectDeep is not used',
      '  expires: 2099-12-31',
      '- id: GHSA-r5fr-rjxr-66jc',
      '  reason: accepted',
      '  expires: 2099-12-31',
      '- id: GHSA-29mw-wpgm-hmr9',
      '  reason: an old waiver',
      '  expires: 2020-01-31',
    ].join('\n');
    mkdirSync(path.join(workspace, '.github'));
    writeFileSync(path.join(workspace, '.github/security-allowlist.yml'), `${allowlist}\n`);
    const result = await run({ allowlist: '.github/security-allowlist.yml' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ passed: 'true', critical: '0', high: '0', moderate: '3', low: '0' });
    expect(existsSync(result.outputs['sarif-file'] ?? '')).toBe(false); // default: under RUNNER_TEMP, removed by the harness
    expect(result.outputs['sarif-file']).toMatch(/runner-temp\/security\/security\.sarif$/);
    expect(report(result).expiredAllowlist).toEqual([
      { id: 'GHSA-29mw-wpgm-hmr9', reason: 'an old waiver', expires: '2020-01-31', matched: 1 },
    ]);
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringContaining('GHSA-29mw-wpgm-hmr9 expired after 2020-01-31') as unknown,
      }),
    );
    expect(result.summary).toContain('### Allow-listed');
    expect(result.summary).toContain('### Expired allow-list entries (no longer applied)');
    expect(result.summary).toContain('matched nothing (can be removed): `CVE-2020-8203`');
  });

  it.each([
    ['critical', 0, 'true'],
    ['moderate', 1, 'false'],
  ])('threshold %s: exit %i, passed %s', async (threshold, exitCode, passed) => {
    const result = await run({ 'severity-threshold': threshold });
    expect(result.exitCode).toBe(exitCode);
    expect(result.outputs['passed']).toBe(passed);
  });

  it('an advisory endpoint failure is a scanner error, never "no findings"', async () => {
    server.setBulkFailure({ status: 503, body: '{"error":"Service Unavailable"}' });
    const result = await run({});
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /scanner error: npm-audit: npm audit could not get advisories: .*503.*\(set fail-on-scanner-error: false to only warn\)/,
    );
    expect(result.outputs['passed']).toBe('false');
    expect(result.summary).toContain('### Scanner errors');
    expect(result.summary).toContain('| npm-audit (error) |');

    const lenient = await run({ 'fail-on-scanner-error': 'false' });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs['passed']).toBe('true');
    expect(lenient.annotations).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^npm-audit: npm audit could not get advisories/) as unknown,
      }),
    );
  });
});

describe('bad input fails clearly before any scanner runs', () => {
  it.each([
    [
      { scanners: 'npm-audit,grype' },
      `Input 'scanners' has an invalid value "grype": expected a comma-separated list of npm-audit, trivy-fs, trivy-image, snyk.`,
    ],
    [
      { 'severity-threshold': 'medium' },
      `Input 'severity-threshold' has an invalid value "medium": expected one of low, moderate, high, critical (Trivy's and Snyk's "medium" is "moderate" here).`,
    ],
    [
      { allowlist: 'allow.yml' },
      `has a malformed expiry date "2026-02-30": write it as YYYY-MM-DD, for example 2026-12-31`,
    ],
    [{ allowlist: 'missing.yml' }, `cannot be read (ENOENT)`],
    [
      { 'working-directory': 'empty' },
      'npm-audit needs a lockfile, but neither package-lock.json nor npm-shrinkwrap.json exists in',
    ],
  ] as [Record<string, string>, string][])('%j', async (inputs, message) => {
    writeFileSync(path.join(workspace, 'allow.yml'), '- id: GHSA-35jh-r3h4-6jhm\n  reason: r\n  expires: 2026-02-30\n');
    mkdirSync(path.join(workspace, 'empty'));
    writeFileSync(path.join(workspace, 'empty', 'yarn.lock'), '');
    const result = await run(inputs);
    expect(result.exitCode).toBe(1);
    expect(result.failure).toContain(message);
    expect(server.requests).toEqual([]);
    if (inputs['working-directory'] === 'empty')
      expect(result.failure).toContain('This folder has yarn.lock, which npm audit cannot read.');
  });
});

describe('scanner CLIs', () => {
  it('a scanner missing from PATH is an error that says how to install it', async () => {
    const result = await run({ scanners: 'trivy-fs' }, { PATH: '/nonexistent' });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /trivy-fs: trivy was not found on PATH: add a step that installs Trivy before this one, e\.g\. aquasecurity\/setup-trivy pinned by commit SHA/,
    );
  });

  it('runs snyk test --json with the token only in SNYK_TOKEN (masked), and merges with npm audit', async () => {
    const bin = path.join(workspace, 'bin');
    mkdirSync(bin);
    const seen = path.join(workspace, 'snyk-env.txt');
    // A stand-in for the Snyk CLI (its SaaS cannot be reached here): prints recorded-shape output.
    writeFileSync(
      path.join(bin, 'snyk'),
      `#!/bin/sh\nprintf 'args=%s\\ntoken=%s\\ninput=%s\\n' "$*" "$SNYK_TOKEN" "$(env | grep -c '^INPUT_')" > ${JSON.stringify(seen)}\ncat ${JSON.stringify(path.join(fixtures, 'outputs', 'snyk-lodash.json'))}\nexit 1\n`,
    );
    chmodSync(path.join(bin, 'snyk'), 0o755);
    const token = 'snyk-token-0123456789abcdef';
    const result = await run(
      { scanners: 'npm-audit,snyk', 'snyk-token': token, 'severity-threshold': 'critical' },
      { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    );
    expect(result.exitCode).toBe(0);
    expect(result.masks).toContain(token);
    expect(readFileSync(seen, 'utf8')).toBe(`args=test --json\ntoken=${token}\ninput=0\n`);
    expect(
      result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(token);
    const parsed = report(result);
    expect(parsed.findings).toHaveLength(8);
    expect(parsed.countsByScanner).toEqual({
      'npm-audit': { low: 0, moderate: 3, high: 3, critical: 0 },
      snyk: { low: 0, moderate: 1, high: 1, critical: 0 },
    });
    rmSync(bin, { recursive: true, force: true });
  });
});
