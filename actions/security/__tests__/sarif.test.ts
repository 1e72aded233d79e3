/**
 * The merged SARIF file is validated against the official OASIS SARIF 2.1.0
 * JSON schema (fixtures/sarif-schema-2.1.0.json, a JSON Schema draft-04
 * document: sarif-2.1/schema/sarif-schema-2.1.0.json from the oasis-tcs/sarif-spec
 * repository, id https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
 * with ajv's draft-04 class and ajv-formats.
 */
import { describe, expect, it } from '@jest/globals';
import { applyAllowlist } from '../src/allowlist.js';
import { dedupe } from '../src/dedupe.js';
import { buildReport } from '../src/gate.js';
import type { Report } from '../src/gate.js';
import { parseNpmAudit } from '../src/parsers/npm-audit.js';
import { parseSnyk } from '../src/parsers/snyk.js';
import { buildSarif, securitySeverity, toUri } from '../src/sarif.js';
import type { Severity } from '../src/model.js';
import { finding, fixture, sarifValidator } from './helpers/findings.js';

function sampleReport(): Report {
  const npm = parseNpmAudit(fixture('outputs', 'npm-audit-lodash.json'), 1, '', {
    lockfilePath: 'package-lock.json',
    lockfileText: fixture('npm-project', 'package-lock.json'),
  });
  const snyk = parseSnyk(fixture('outputs', 'snyk-lodash.json'), 1, '', { pathPrefix: '' });
  const secret = finding({
    kind: 'secret',
    id: 'aws-access-key-id',
    package: undefined,
    installedVersion: undefined,
    fixedVersions: [],
    severity: 'critical',
    scanners: ['trivy-fs'],
    title: 'AWS Access Key ID',
    location: { path: 'config/app settings.env', startLine: 2, endLine: 2 },
  });
  const trivy = { scanner: 'trivy-fs' as const, findings: [secret] };
  const merged = dedupe([...npm.findings, ...snyk.findings, secret]);
  const allow = applyAllowlist(
    merged,
    [{ id: 'GHSA-29mw-wpgm-hmr9', reason: 'not reachable', expires: '2099-01-01' }],
    '2026-11-27',
  );
  return buildReport([npm, snyk, trivy, { scanner: 'trivy-image', findings: [], error: 'DB error' }], allow, {
    threshold: 'high',
    failOnScannerError: true,
  });
}

describe('SARIF', () => {
  const validate = sarifValidator();

  it('validates against the official SARIF 2.1.0 schema', () => {
    const log = buildSarif(sampleReport());
    expect(validate(log)).toEqual([]);
    expect(validate(JSON.parse(JSON.stringify(log)))).toEqual([]);
  });

  it('is one run with one rule per advisory and one result per finding', () => {
    const report = sampleReport();
    const log = buildSarif(report);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const [run] = log.runs;
    expect(run?.tool.driver.name).toBe('pipeline-security');
    expect(run?.results).toHaveLength(report.findings.length);
    expect(new Set(run?.tool.driver.rules.map((r) => r.id)).size).toBe(run?.tool.driver.rules.length);
    for (const result of run?.results ?? []) expect(run?.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
    expect(run?.invocations[0]).toEqual({
      executionSuccessful: false,
      toolExecutionNotifications: [
        { level: 'error', message: { text: 'trivy-image: DB error' }, descriptor: { id: 'scanner-error/trivy-image' } },
      ],
    });
  });

  it('marks allow-listed findings as accepted suppressions with the reason', () => {
    const run = buildSarif(sampleReport()).runs[0];
    const suppressed = run?.results.filter((r) => r.suppressions) ?? [];
    expect(suppressed.map((r) => r.ruleId)).toEqual(['GHSA-29mw-wpgm-hmr9']);
    expect(suppressed[0]?.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'not reachable (allow-listed until 2099-01-01)' },
    ]);
  });

  it('gives levels, locations, fingerprints and security-severity GitHub understands', () => {
    const run = buildSarif(sampleReport()).runs[0];
    const cmd = run?.results.find((r) => r.ruleId === 'GHSA-35jh-r3h4-6jhm');
    expect(cmd).toMatchObject({
      level: 'error',
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'package-lock.json' }, region: { startLine: 14, endLine: 14 } },
        },
      ],
      properties: {
        scanners: ['npm-audit'],
        package: 'lodash',
        installedVersion: '4.17.15',
        fixedVersions: ['4.17.21'],
        blocking: true,
      },
    });
    expect(cmd?.partialFingerprints['pipelineSecurityFinding/v1']).toMatch(/^[0-9a-f]{32}$/);
    const rule = run?.tool.driver.rules.find((r) => r.id === 'GHSA-35jh-r3h4-6jhm');
    expect(rule?.properties['security-severity']).toBe('7.2');
    expect(rule?.properties.tags).toEqual(['security', 'vulnerability', 'external/cwe/cwe-77', 'external/cwe/cwe-94']);
    const secret = run?.results.find((r) => r.ruleId === 'aws-access-key-id');
    expect(secret?.locations?.[0]?.physicalLocation.artifactLocation.uri).toBe('config/app%20settings.env');
  });

  it.each([
    ['critical', 9.8, '9.8'],
    ['critical', 7.2, '9.5'],
    ['high', 7.2, '7.2'],
    ['high', 9.8, '8.0'],
    ['moderate', 5.3, '5.3'],
    ['moderate', undefined, '5.5'],
    ['low', 0, '2.0'],
  ] as [Severity, number | undefined, string][])(
    'securitySeverity(%s, %p) = %s (stays in the band of the gate severity)',
    (severity, cvss, expected) => {
      expect(securitySeverity(severity, cvss)).toBe(expected);
    },
  );

  it.each([
    ['app/package-lock.json', 'app/package-lock.json'],
    ['a b/c#d.yaml', 'a%20b/c%23d.yaml'],
    ['ghcr.io/acme/app:1.0/usr/lib/x', 'ghcr.io/acme/app:1.0/usr/lib/x'],
  ])('toUri(%p) = %p', (file, uri) => {
    expect(toUri(file)).toBe(uri);
  });

  it('an empty scan is still a valid log', () => {
    const empty = buildReport([{ scanner: 'npm-audit', findings: [] }], applyAllowlist([], [], '2026-11-27'), {
      threshold: 'high',
      failOnScannerError: true,
    });
    expect(validate(buildSarif(empty))).toEqual([]);
  });

  it('the validator does catch an invalid log', () => {
    expect(
      validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [{ message: {} }] }] }).length,
    ).toBeGreaterThan(0);
  });
});
