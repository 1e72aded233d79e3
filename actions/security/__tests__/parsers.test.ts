/**
 * Parsers on recorded outputs: npm audit output recorded from the real npm CLI
 * (fixtures/outputs/npm-audit-*.json, against the recorded advisory data),
 * Snyk output shaped like `snyk test --json`, and Trivy JSON (see trivy.test.ts
 * for the output recorded from a real Trivy build).
 */
import { describe, expect, it } from '@jest/globals';
import { fixFromRange, lockfileLine, parseNpmAudit } from '../src/parsers/npm-audit.js';
import { parseSnyk } from '../src/parsers/snyk.js';
import { parseTrivy } from '../src/parsers/trivy.js';
import { fixture } from './helpers/findings.js';

const lockfileText = fixture('npm-project', 'package-lock.json');

describe('npm audit', () => {
  it('turns each advisory of the real lodash@4.17.15 report into a finding', () => {
    const result = parseNpmAudit(fixture('outputs', 'npm-audit-lodash.json'), 1, '', {
      lockfilePath: 'app/package-lock.json',
      lockfileText,
    });
    expect(result.error).toBeUndefined();
    expect(result.findings.map((f) => [f.id, f.severity, f.fixedVersions])).toEqual([
      ['GHSA-35jh-r3h4-6jhm', 'high', ['4.17.21']],
      ['GHSA-p6mc-m468-83gw', 'high', ['4.17.19']],
      ['GHSA-29mw-wpgm-hmr9', 'moderate', ['4.17.21']],
      ['GHSA-xxjr-mmjv-4gpg', 'moderate', ['>4.17.22']],
      ['GHSA-r5fr-rjxr-66jc', 'high', ['>4.17.23']],
      ['GHSA-f23m-r3pf-42rh', 'moderate', ['>4.17.23']],
    ]);
    const [first] = result.findings;
    expect(first).toMatchObject({
      scanners: ['npm-audit'],
      kind: 'vulnerability',
      aliases: ['npm:1106913'],
      package: 'lodash',
      installedVersion: '4.17.15',
      title: 'Command Injection in lodash',
      url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      cvssScore: 7.2,
      cwe: ['CWE-77', 'CWE-94'],
      location: { path: 'app/package-lock.json', startLine: 14, endLine: 14 },
    });
    expect(first?.description).toContain('lodash@4.18.1');
  });

  it.each([
    [
      'the audit endpoint failed (recorded ECONNREFUSED)',
      fixture('outputs', 'npm-audit-network-error.json'),
      /could not get advisories: request to .*advisories\/bulk failed/,
    ],
    [
      'no lockfile (recorded ENOLOCK)',
      fixture('outputs', 'npm-audit-enolock.json'),
      /ENOLOCK.*requires an existing lockfile/,
    ],
    [
      'an HTTP error body',
      JSON.stringify({
        message: '503 Service Unavailable - POST http://127.0.0.1/-/npm/v1/security/advisories/bulk',
        statusCode: 503,
      }),
      /HTTP 503/,
    ],
    ['no output at all', '', /exited with code 1 without a JSON report: boom/],
    ['text instead of JSON', 'npm ERR! something', /without a JSON report/],
    ['an old report format', JSON.stringify({ advisories: {}, metadata: {} }), /does not understand/],
  ])('reports a scanner error, never "no findings", for %s', (_name, stdout, message) => {
    const result = parseNpmAudit(stdout, 1, 'boom', { lockfilePath: 'package-lock.json' });
    expect(result.findings).toEqual([]);
    expect(result.error).toMatch(message);
  });

  it('reads a clean report as no findings', () => {
    const clean = JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: {} });
    expect(parseNpmAudit(clean, 0, '', { lockfilePath: 'package-lock.json' })).toEqual({
      scanner: 'npm-audit',
      findings: [],
    });
  });

  it.each([
    ['<4.17.21', '4.17.21'],
    ['>=3.7.0 <4.17.19', '4.17.19'],
    ['<=4.17.23', '>4.17.23'],
    ['>=4.0.0 <=4.17.22', '>4.17.22'],
    ['<1.2.6 || >=2.0.0 <2.0.3', '2.0.3'],
    ['*', undefined],
    [undefined, undefined],
  ])('fixFromRange(%p) = %p', (range, expected) => {
    expect(fixFromRange(range)).toBe(expected);
  });

  it('finds the lockfile line of a package', () => {
    expect(lockfileLine(lockfileText, 'node_modules/lodash')).toBe(14);
    expect(lockfileLine(lockfileText, 'node_modules/nope')).toBeUndefined();
  });
});

describe('snyk', () => {
  it('reads snyk test --json output: ids, CVE aliases, fixes, medium -> moderate', () => {
    const result = parseSnyk(fixture('outputs', 'snyk-lodash.json'), 1, '', { pathPrefix: 'app' });
    expect(result.error).toBeUndefined();
    expect(result.findings).toHaveLength(2);
    expect(result.findings[0]).toMatchObject({
      scanners: ['snyk'],
      id: 'CVE-2021-23337',
      aliases: ['SNYK-JS-LODASH-1040724'],
      package: 'lodash',
      installedVersion: '4.17.15',
      fixedVersions: ['4.17.21'],
      severity: 'high',
      cvssScore: 7.2,
      cwe: ['CWE-78'],
      url: 'https://security.snyk.io/vuln/SNYK-JS-LODASH-1040724',
      location: { path: 'app/package-lock.json' },
    });
    expect(result.findings[1]).toMatchObject({
      id: 'CVE-2020-28500',
      severity: 'moderate',
      scannerSeverity: { snyk: 'medium' },
    });
  });

  it('folds the same issue on several dependency paths and reads --all-projects arrays', () => {
    const project = JSON.parse(fixture('outputs', 'snyk-lodash.json')) as { vulnerabilities: unknown[] };
    project.vulnerabilities.push({
      ...(project.vulnerabilities[0] as object),
      from: ['security-fixture-lodash@1.0.0', 'other@1.0.0', 'lodash@4.17.15'],
    });
    const result = parseSnyk(JSON.stringify([project]), 1, '', { pathPrefix: '' });
    expect(result.findings.map((f) => f.id)).toEqual(['CVE-2021-23337', 'CVE-2020-28500']);
    expect(result.findings[0]?.location).toEqual({ path: 'package-lock.json' });
  });

  it.each([
    ['an authentication error', fixture('outputs', 'snyk-auth-error.json'), 2, /requires an authenticated account/],
    ['no output', '', 2, /without a JSON report/],
    [
      'exit 3 without projects',
      JSON.stringify({ ok: false, error: 'Could not detect supported target files in /work/app', path: '/work/app' }),
      3,
      /Could not detect supported target files/,
    ],
  ])('reports %s as a scanner error', (_name, stdout, exitCode, message) => {
    const result = parseSnyk(stdout, exitCode, '', { pathPrefix: '' });
    expect(result.findings).toEqual([]);
    expect(result.error).toMatch(message);
  });
});

describe('trivy', () => {
  const report = {
    SchemaVersion: 2,
    ArtifactName: '.',
    ArtifactType: 'filesystem',
    Results: [
      {
        Target: 'package-lock.json',
        Class: 'lang-pkgs',
        Type: 'npm',
        Vulnerabilities: [
          {
            VulnerabilityID: 'CVE-2021-23337',
            VendorIDs: ['GHSA-35jh-r3h4-6jhm'],
            PkgName: 'lodash',
            InstalledVersion: '4.17.15',
            FixedVersion: '4.17.21',
            Status: 'fixed',
            SeveritySource: 'ghsa',
            PrimaryURL: 'https://avd.aquasec.com/nvd/cve-2021-23337',
            Title: 'nodejs-lodash: command injection via template',
            Severity: 'HIGH',
            CweIDs: ['CWE-94'],
            CVSS: {
              ghsa: { V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', V3Score: 7.2 },
              nvd: { V3Score: 7.2 },
            },
          },
        ],
      },
    ],
  };

  it('reads vulnerabilities with CVE + GHSA vendor ids and comma-separated fixed versions', () => {
    const withTwoFixes = structuredClone(report);
    (withTwoFixes.Results[0]?.Vulnerabilities[0] as { FixedVersion: string }).FixedVersion = '4.17.21, 5.0.0';
    const result = parseTrivy(JSON.stringify(withTwoFixes), 0, '', { scanner: 'trivy-fs', pathPrefix: 'app' });
    expect(result.findings).toEqual([
      expect.objectContaining({
        scanners: ['trivy-fs'],
        id: 'GHSA-35jh-r3h4-6jhm',
        aliases: ['CVE-2021-23337'],
        fixedVersions: ['4.17.21', '5.0.0'],
        severity: 'high',
        cvssScore: 7.2,
        location: { path: 'app/package-lock.json' },
      }),
    ]);
  });

  it('prefixes image targets with the image reference', () => {
    const result = parseTrivy(JSON.stringify(report), 0, '', {
      scanner: 'trivy-image',
      pathPrefix: '',
      image: 'ghcr.io/acme/app:1.0',
    });
    expect(result.findings[0]?.location?.path).toBe('ghcr.io/acme/app:1.0/package-lock.json');
  });

  it.each([
    [
      'a DB download failure',
      '',
      1,
      '2026-11-27T10:00:00Z\tFATAL\tFatal error\tinit error: DB error: failed to download vulnerability DB: OCI repository error: GET https://mirror.gcr.io/v2/...: TOOMANYREQUESTS',
      /TOOMANYREQUESTS/,
    ],
    ['no output at all', '', 1, '', /no output/],
    ['text on stdout', 'not json', 2, '', /not a Trivy JSON report/],
  ])('reports %s as a scanner error', (_name, stdout, exitCode, stderr, message) => {
    const result = parseTrivy(stdout, exitCode, stderr, { scanner: 'trivy-fs', pathPrefix: '' });
    expect(result.findings).toEqual([]);
    expect(result.error).toMatch(message);
  });
});

describe('npm audit with several installed versions of a package', () => {
  const lock = JSON.stringify(
    {
      name: 'x',
      lockfileVersion: 3,
      packages: {
        '': { name: 'x' },
        'node_modules/lodash': { version: '4.17.15' },
        'node_modules/old/node_modules/lodash': { version: '3.10.1' },
        'node_modules/new/node_modules/lodash': { version: '4.17.20' },
      },
    },
    null,
    2,
  );
  const report = JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: {
      lodash: {
        name: 'lodash',
        severity: 'high',
        via: [
          {
            source: 1106920,
            name: 'lodash',
            title: 'Prototype Pollution in lodash',
            url: 'https://github.com/advisories/GHSA-p6mc-m468-83gw',
            severity: 'high',
            range: '>=3.7.0 <4.17.19',
          },
          {
            source: 1106913,
            name: 'lodash',
            title: 'Command Injection in lodash',
            url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
            severity: 'high',
            range: '<4.17.21',
          },
        ],
        nodes: ['node_modules/lodash', 'node_modules/new/node_modules/lodash', 'node_modules/old/node_modules/lodash'],
        fixAvailable: true,
      },
    },
  });

  it("reports each advisory once per installed version it covers, at that version's lockfile line", () => {
    const result = parseNpmAudit(report, 1, '', { lockfilePath: 'package-lock.json', lockfileText: lock });
    expect(result.findings.map((f) => [f.id, f.installedVersion, f.location?.startLine])).toEqual([
      ['GHSA-p6mc-m468-83gw', '4.17.15', 8],
      ['GHSA-p6mc-m468-83gw', '3.10.1', 11],
      ['GHSA-35jh-r3h4-6jhm', '4.17.15', 8],
      ['GHSA-35jh-r3h4-6jhm', '4.17.20', 14],
      ['GHSA-35jh-r3h4-6jhm', '3.10.1', 11],
    ]);
  });
});
