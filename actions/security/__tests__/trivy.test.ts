/**
 * Trivy: the parser on output recorded from a real Trivy v0.74.0 (built from
 * its Go module by scripts/install-trivy.sh) over the project trivy-project.ts
 * writes, and end-to-end runs of the action with that real Trivy, offline
 * (secret and misconfiguration scanners only; every download location points
 * at a closed local port).
 *
 * The end-to-end part needs the binary: actions/security/.tools/bin/trivy
 * (run scripts/install-trivy.sh), TRIVY_BIN, or trivy on PATH. Without it those
 * tests are skipped with a note; REQUIRE_TRIVY=1 makes that a failure (requireOrSkip).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireOrSkip, runAction } from '@pipeline/action-kit/testing';
import type { Report } from '../src/gate.js';
import { parseTrivy } from '../src/parsers/trivy.js';
import { whichOnPath } from '../src/scanners.js';
import { startAdvisoryServer } from './helpers/advisory-server.js';
import type { AdvisoryServer } from './helpers/advisory-server.js';
import { actionDir, fixture, fixtures, sarifValidator } from './helpers/findings.js';
import { offlineTrivyEnv, writeTrivyProject } from './helpers/trivy-project.js';

describe('trivy parser on recorded real output', () => {
  const result = parseTrivy(fixture('outputs', 'trivy-fs-offline.json'), 0, '', {
    scanner: 'trivy-fs',
    pathPrefix: 'svc',
  });

  it('reads the Dockerfile, Kubernetes and secret findings', () => {
    expect(result.error).toBeUndefined();
    const ids = result.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['DS-0002', 'KSV-0017', 'aws-access-key-id']));
    expect(result.findings.find((f) => f.id === 'DS-0002')).toMatchObject({
      kind: 'misconfiguration',
      aliases: ['DS002'],
      severity: 'high',
      scannerSeverity: { 'trivy-fs': 'HIGH' },
      title: "Image user should not be 'root'",
      url: 'https://avd.aquasec.com/misconfig/ds-0002',
      location: { path: 'svc/Dockerfile' },
    });
    expect(result.findings.find((f) => f.id === 'KSV-0017')).toMatchObject({
      kind: 'misconfiguration',
      title: 'Privileged',
      severity: 'high',
      location: { path: 'svc/k8s/deployment.yaml', startLine: 16, endLine: 19 },
    });
    expect(result.findings.find((f) => f.id === 'aws-access-key-id')).toMatchObject({
      kind: 'secret',
      severity: 'critical',
      title: 'AWS Access Key ID',
      location: { path: 'svc/config/deploy.env', startLine: 2, endLine: 2 },
    });
  });

  it('maps MEDIUM to moderate and keeps every failed check', () => {
    const medium = result.findings.filter((f) => f.scannerSeverity['trivy-fs'] === 'MEDIUM');
    expect(medium.length).toBeGreaterThan(0);
    expect(medium.every((f) => f.severity === 'moderate')).toBe(true);
    const report = JSON.parse(fixture('outputs', 'trivy-fs-offline.json')) as {
      Results: { Misconfigurations?: unknown[]; Secrets?: unknown[] }[];
    };
    const expected = report.Results.reduce(
      (n, r) => n + (r.Misconfigurations?.length ?? 0) + (r.Secrets?.length ?? 0),
      0,
    );
    expect(result.findings).toHaveLength(expected);
  });

  it('reads the recorded DB download failure as a scanner error', () => {
    const failed = parseTrivy('', 1, fixture('outputs', 'trivy-db-error.stderr.txt'), {
      scanner: 'trivy-fs',
      pathPrefix: '',
    });
    expect(failed.findings).toEqual([]);
    expect(failed.error).toMatch(
      /^trivy exited with code 1 without a JSON report: .*FATAL.*DB error: failed to download vulnerability DB/s,
    );
  });
});

const trivyBin =
  process.env['TRIVY_BIN'] ??
  [path.join(actionDir, '.tools', 'bin', 'trivy')].find((candidate) => existsSync(candidate)) ??
  whichOnPath('trivy');
// .ci/run builds Trivy and sets REQUIRE_TRIVY=1; other CI jobs (release) run without it.
const trivy = {
  what: 'a Trivy binary',
  available: Boolean(trivyBin),
  howToGet: 'run actions/security/scripts/install-trivy.sh, or set TRIVY_BIN',
  requiredBy: 'REQUIRE_TRIVY',
};
const describeWithTrivy = requireOrSkip(trivy) ? describe : describe.skip;

describeWithTrivy('trivy fs end to end (real Trivy, offline)', () => {
  let workspace: string;
  let env: Record<string, string>;
  let server: AdvisoryServer;
  const validate = sarifValidator();

  beforeAll(async () => {
    server = await startAdvisoryServer();
    workspace = mkdtempSync(path.join(tmpdir(), 'security-trivy-'));
    writeTrivyProject(path.join(workspace, 'svc'));
    const cache = path.join(workspace, '.trivy-cache');
    mkdirSync(cache);
    env = {
      ...offlineTrivyEnv(cache),
      PATH: `${path.dirname(trivyBin as string)}${path.delimiter}${process.env['PATH'] ?? ''}`,
    };
  });
  afterAll(async () => {
    await server.close();
  });

  it('finds the root Dockerfile, the privileged container and the secret, with SARIF and annotations', async () => {
    const result = await runAction(actionDir, {
      workspace,
      inputs: {
        'working-directory': 'svc',
        scanners: 'trivy-fs',
        'severity-threshold': 'high',
        'sarif-file': 'trivy.sarif',
      },
      env,
      timeoutMs: 120_000,
    });
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.scannerErrors).toEqual([]);
    expect(report.findings.filter((f) => f.blocking).map((f) => f.id)).toEqual(
      expect.arrayContaining(['aws-access-key-id', 'DS-0002', 'KSV-0017']),
    );
    expect(result.outputs['critical']).toBe('1');
    expect(Number(result.outputs['high'])).toBeGreaterThanOrEqual(4);
    expect(result.annotations).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: 'svc/config/deploy.env',
        line: 2,
        title: 'critical: aws-access-key-id',
      }),
    );
    expect(result.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', file: 'svc/k8s/deployment.yaml', line: 16, title: 'high: KSV-0017' }),
    );
    const sarif = JSON.parse(readFileSync(path.join(workspace, 'trivy.sarif'), 'utf8')) as unknown;
    expect(validate(sarif)).toEqual([]);
    // Trivy masks the key in its own output, and the action never copies the matched text anyway.
    const key = /AKIA[A-Z2-7]{16}/.exec(
      readFileSync(path.join(workspace, 'svc/config/deploy.env'), 'utf8'),
    )?.[0] as string;
    expect(JSON.stringify(sarif)).not.toContain(key);
    expect(result.outputs['report']).not.toContain(key);
    expect(result.summary).not.toContain(key);
  });

  it('allow-lists a misconfiguration by its old ID and gates only on critical', async () => {
    writeFileSync(
      path.join(workspace, 'allow.yml'),
      '- id: DS002\n  reason: the base image switches to USER node\n  expires: 2099-12-31\n',
    );
    const result = await runAction(actionDir, {
      workspace,
      inputs: {
        'working-directory': 'svc',
        scanners: 'trivy-fs',
        'severity-threshold': 'critical',
        allowlist: 'allow.yml',
      },
      env,
      timeoutMs: 120_000,
    });
    expect(result.exitCode).toBe(1); // the secret is critical
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.findings.find((f) => f.id === 'DS-0002')?.allowlisted).toEqual({
      reason: 'the base image switches to USER node',
      expires: '2099-12-31',
    });
    expect(report.findings.filter((f) => f.blocking).map((f) => f.id)).toEqual(['aws-access-key-id']);
  });

  it('runs npm audit and trivy together on one project', async () => {
    const result = await runAction(actionDir, {
      workspace,
      inputs: {
        'working-directory': 'svc',
        scanners: 'npm-audit,trivy-fs',
        registry: server.url,
        'severity-threshold': 'critical',
      },
      env,
      timeoutMs: 120_000,
    });
    const report = JSON.parse(result.outputs['report'] ?? '{}') as Report;
    expect(report.scannerErrors).toEqual([]);
    expect(Object.keys(report.countsByScanner)).toEqual(['npm-audit', 'trivy-fs']);
    expect(report.countsByScanner['npm-audit']).toEqual({ low: 0, moderate: 3, high: 3, critical: 0 });
    expect(result.summary).toContain('| npm-audit | 0 | 3 | 3 | 0 |');
  });

  it('a vulnerability DB that cannot be downloaded fails the step by default, not "no findings"', async () => {
    const project = path.join(workspace, 'db');
    cpSync(path.join(fixtures, 'npm-project'), project, { recursive: true });
    const withVuln = { ...env, TRIVY_SCANNERS: '', TRIVY_SKIP_DB_UPDATE: '', TRIVY_OFFLINE_SCAN: '' };
    const result = await runAction(actionDir, {
      workspace,
      inputs: { 'working-directory': 'db', scanners: 'trivy-fs' },
      env: withVuln,
      timeoutMs: 120_000,
    });
    expect(result.exitCode).toBe(1);
    // Secrets and misconfigurations are still scanned; what was not is the scanner error.
    expect(result.failure).toMatch(
      /scanner error: trivy-fs: not scanned for vulnerabilities: no vulnerability database/,
    );
    expect(result.outputs['passed']).toBe('false');
  });
});
