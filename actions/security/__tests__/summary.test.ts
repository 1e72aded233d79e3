import { describe, expect, it } from '@jest/globals';
import { applyAllowlist } from '../src/allowlist.js';
import { buildReport } from '../src/gate.js';
import { buildSummary } from '../src/summary.js';
import { finding } from './helpers/findings.js';

function summary(options: { allowExpired?: boolean; error?: boolean } = {}): string {
  const findings = [
    finding({ id: 'GHSA-35jh-r3h4-6jhm', url: 'https://github.com/advisories/GHSA-35jh-r3h4-6jhm' }),
    finding({ id: 'GHSA-29mw-wpgm-hmr9', severity: 'moderate', title: 'ReDoS | in lodash', fixedVersions: [] }),
    finding({
      id: 'DS002',
      kind: 'misconfiguration',
      package: undefined,
      installedVersion: undefined,
      fixedVersions: [],
      severity: 'high',
      scanners: ['trivy-fs'],
      title: "Image user should not be 'root'",
      location: { path: 'Dockerfile', startLine: 1 },
    }),
  ];
  const entries = [
    { id: 'DS002', reason: 'base image drops root', expires: '2099-01-01' },
    ...(options.allowExpired
      ? [{ id: 'GHSA-35jh-r3h4-6jhm', package: 'lodash', reason: 'old waiver', expires: '2026-01-31' }]
      : []),
  ];
  const results = [
    { scanner: 'npm-audit' as const, findings: findings.slice(0, 2), durationMs: 812 },
    { scanner: 'trivy-fs' as const, findings: findings.slice(2), durationMs: 2400 },
    ...(options.error
      ? [{ scanner: 'snyk' as const, findings: [], error: 'snyk was not found on PATH: add snyk/actions/setup' }]
      : []),
  ];
  return buildSummary(
    buildReport(results, applyAllowlist(findings, entries, '2026-11-27'), {
      threshold: 'high',
      failOnScannerError: true,
    }),
  );
}

describe('job summary', () => {
  it('leads with the verdict and the threshold', () => {
    expect(summary()).toMatch(
      /^## Security: ❌ failed\n\nThreshold \*\*high\*\*: 1 finding at or above it not allow-listed\./,
    );
  });

  it('has a table by severity and scanner, and a Mermaid pie', () => {
    const text = summary();
    expect(text).toContain('| scanner | critical | high | moderate | low | time |');
    expect(text).toContain('| npm-audit | 0 | 1 | 1 | 0 | 0.8 s |');
    expect(text).toContain('| trivy-fs | 0 | 0 | 0 | 0 | 2.4 s |');
    expect(text).toContain('| **all (de-duplicated)** | 0 | 1 | 1 | 0 |  |');
    expect(text).toContain(
      '```mermaid\npie showData\n  title Findings by severity (after the allow-list)\n  "high" : 1\n  "moderate" : 1\n```',
    );
  });

  it('lists blocking findings with links and fix versions, and escapes table cells', () => {
    const text = summary();
    expect(text).toContain('### Findings at or above high');
    expect(text).toContain(
      '| 🟧 high | [GHSA-35jh-r3h4-6jhm](https://github.com/advisories/GHSA-35jh-r3h4-6jhm) | Command Injection in lodash | lodash@4.17.15 | 4.17.21 | npm-audit |',
    );
    expect(text).toContain('1 finding below the threshold');
    expect(text).toContain('ReDoS \\| in lodash');
    expect(text).toContain('no fix known');
  });

  it('lists allow-listed and expired entries', () => {
    const text = summary({ allowExpired: true });
    expect(text).toContain('### Allow-listed');
    expect(text).toContain(
      "| 🟧 high | DS002 | Image user should not be 'root' | misconfiguration: Dockerfile:1 | base image drops root |",
    );
    expect(text).toContain('| base image drops root | 2099-01-01 | trivy-fs |');
    expect(text).toContain('### Expired allow-list entries (no longer applied)');
    expect(text).toContain('| GHSA-35jh-r3h4-6jhm | lodash | old waiver | 2026-01-31 | 1 |');
  });

  it('shows scanner errors', () => {
    const text = summary({ error: true });
    expect(text).toContain('1 scanner error.');
    expect(text).toContain('| snyk (error) | 0 | 0 | 0 | 0 |  |');
    expect(text).toContain('- **snyk**: snyk was not found on PATH: add snyk/actions/setup');
  });
});
