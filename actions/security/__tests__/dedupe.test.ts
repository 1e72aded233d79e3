import { describe, expect, it } from '@jest/globals';
import { dedupe } from '../src/dedupe.js';
import { parseNpmAudit } from '../src/parsers/npm-audit.js';
import { parseSnyk } from '../src/parsers/snyk.js';
import { finding, fixture } from './helpers/findings.js';

const npmCmdInjection = finding({
  aliases: ['npm:1106913'],
  cvssScore: 7.2,
  url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
});
const trivyCmdInjection = finding({
  scanners: ['trivy-fs'],
  aliases: ['CVE-2021-23337'],
  scannerSeverity: { 'trivy-fs': 'CRITICAL' },
  severity: 'critical',
  title: 'nodejs-lodash: command injection via template',
  url: 'https://avd.aquasec.com/nvd/cve-2021-23337',
  location: { path: 'package-lock.json' },
});
const snykCmdInjection = finding({
  scanners: ['snyk'],
  id: 'CVE-2021-23337',
  aliases: ['SNYK-JS-LODASH-1040724'],
  scannerSeverity: { snyk: 'high' },
  fixedVersions: ['4.17.21', '5.0.0'],
  location: { path: 'package-lock.json' },
});

describe('dedupe', () => {
  it.each([
    ['npm audit + trivy share the GHSA', [npmCmdInjection, trivyCmdInjection], 1],
    ['trivy + snyk share the CVE', [trivyCmdInjection, snykCmdInjection], 1],
    ['npm audit + snyk share nothing directly', [npmCmdInjection, snykCmdInjection], 2],
    ['all three merge transitively through trivy', [npmCmdInjection, snykCmdInjection, trivyCmdInjection], 1],
    ['same id, another package', [npmCmdInjection, finding({ scanners: ['trivy-fs'], package: 'lodash-es' })], 2],
    [
      'same id, another installed version',
      [npmCmdInjection, finding({ scanners: ['trivy-fs'], installedVersion: '4.17.20' })],
      2,
    ],
    [
      'ids compare case-insensitively',
      [npmCmdInjection, finding({ scanners: ['trivy-fs'], id: 'ghsa-35jh-r3h4-6jhm' })],
      1,
    ],
    [
      'a secret found twice at the same place',
      [
        finding({
          kind: 'secret',
          id: 'aws-access-key-id',
          package: undefined,
          location: { path: 'a.env', startLine: 2 },
        }),
        finding({
          kind: 'secret',
          id: 'aws-access-key-id',
          package: undefined,
          scanners: ['trivy-image'],
          location: { path: 'a.env', startLine: 2 },
        }),
      ],
      1,
    ],
    [
      'the same rule at two places',
      [
        finding({
          kind: 'misconfiguration',
          id: 'DS002',
          package: undefined,
          location: { path: 'Dockerfile', startLine: 1 },
        }),
        finding({
          kind: 'misconfiguration',
          id: 'DS002',
          package: undefined,
          location: { path: 'web/Dockerfile', startLine: 1 },
        }),
      ],
      2,
    ],
  ])('%s -> %i finding(s)', (_name, findings, expected) => {
    expect(dedupe(findings)).toHaveLength(expected);
  });

  it('merges ids, scanners, fixes and keeps the highest severity', () => {
    const [merged] = dedupe([npmCmdInjection, snykCmdInjection, trivyCmdInjection]);
    expect(merged).toMatchObject({
      id: 'GHSA-35jh-r3h4-6jhm',
      scanners: ['npm-audit', 'snyk', 'trivy-fs'],
      severity: 'critical',
      scannerSeverity: { 'npm-audit': 'high', snyk: 'high', 'trivy-fs': 'CRITICAL' },
      fixedVersions: ['4.17.21', '5.0.0'],
      url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm',
      location: { path: 'package-lock.json', startLine: 14, endLine: 14 },
    });
    expect([...(merged?.aliases ?? [])].sort()).toEqual(['CVE-2021-23337', 'SNYK-JS-LODASH-1040724', 'npm:1106913']);
  });

  it('leaves distinct advisories from one scanner alone', () => {
    const npm = parseNpmAudit(fixture('outputs', 'npm-audit-lodash.json'), 1, '', {
      lockfilePath: 'package-lock.json',
    }).findings;
    const snyk = parseSnyk(fixture('outputs', 'snyk-lodash.json'), 1, '', { pathPrefix: '' }).findings;
    expect(dedupe(npm)).toHaveLength(6);
    expect(dedupe([...npm, ...snyk])).toHaveLength(8);
  });
});
