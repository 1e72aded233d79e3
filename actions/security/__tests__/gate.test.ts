import { describe, expect, it } from '@jest/globals';
import { applyAllowlist } from '../src/allowlist.js';
import { buildReport, failureMessage, incompleteReason, reportJson } from '../src/gate.js';
import type { ScanResult, Severity } from '../src/model.js';
import { finding } from './helpers/findings.js';

const findings = [
  finding({ id: 'A', severity: 'critical' }),
  finding({ id: 'B', severity: 'high' }),
  finding({ id: 'C', severity: 'moderate' }),
  finding({ id: 'D', severity: 'low', scanners: ['trivy-fs'] }),
];
const results: ScanResult[] = [
  { scanner: 'npm-audit', findings: findings.slice(0, 3) },
  { scanner: 'trivy-fs', findings: findings.slice(3) },
];

function report(
  threshold: Severity,
  options: { allow?: string[]; errors?: boolean; failOnScannerError?: boolean } = {},
) {
  const entries = (options.allow ?? []).map((id) => ({ id, reason: 'ok', expires: '2099-01-01' }));
  const scanResults = options.errors
    ? [...results, { scanner: 'snyk' as const, findings: [], error: 'auth failed' }]
    : results;
  return buildReport(scanResults, applyAllowlist(findings, entries, '2026-11-27'), {
    threshold,
    failOnScannerError: options.failOnScannerError ?? true,
  });
}

describe('gate', () => {
  it.each([
    ['critical', [], 1, false],
    ['high', [], 2, false],
    ['moderate', [], 3, false],
    ['low', [], 4, false],
    ['high', ['A', 'B'], 0, true],
    ['critical', ['A'], 0, true],
    ['moderate', ['A', 'B'], 1, false],
  ] as [Severity, string[], number, boolean][])(
    'threshold %s, allow-listed %j: %i blocking, passed %s',
    (threshold, allow, blocking, passed) => {
      const built = report(threshold, { allow });
      expect(built.findings.filter((f) => f.blocking)).toHaveLength(blocking);
      expect(built.passed).toBe(passed);
      expect(built.gatePassed).toBe(passed);
    },
  );

  it('counts after the allow-list, overall and by scanner', () => {
    const built = report('high', { allow: ['B'] });
    expect(built.counts).toEqual({ critical: 1, high: 0, moderate: 1, low: 1 });
    expect(built.countsByScanner).toEqual({
      'npm-audit': { critical: 1, high: 0, moderate: 1, low: 0 },
      'trivy-fs': { critical: 0, high: 0, moderate: 0, low: 1 },
    });
    expect(built.findings.find((f) => f.id === 'B')).toMatchObject({
      blocking: false,
      allowlisted: { reason: 'ok', expires: '2099-01-01' },
    });
    expect(built.findings.map((f) => f.id)).toEqual(['A', 'B', 'C', 'D']);
  });

  it.each([
    [true, false],
    [false, true],
  ])('a scanner error with fail-on-scanner-error %s: passed %s', (failOnScannerError, passed) => {
    const built = report('critical', { allow: ['A'], errors: true, failOnScannerError });
    expect(built.scannerErrors).toEqual([{ scanner: 'snyk', message: 'auth failed' }]);
    expect(built.gatePassed).toBe(true);
    expect(built.passed).toBe(passed);
  });

  it('says what blocks in one line', () => {
    expect(failureMessage(report('high'))).toBe(
      "2 findings at or above 'high' (1 critical, 1 high) not allow-listed: A in lodash, B in lodash",
    );
    expect(failureMessage(report('high', { allow: ['A', 'B'] }))).toBeUndefined();
  });

  it('caps the report output and says so', () => {
    const many = Array.from({ length: 400 }, (_, i) => finding({ id: `X-${i}`, description: 'd'.repeat(2000) }));
    const built = buildReport([{ scanner: 'npm-audit', findings: many }], applyAllowlist(many, [], '2026-11-27'), {
      threshold: 'high',
      failOnScannerError: true,
    });
    const json = reportJson(built, 64 * 1024);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(64 * 1024);
    const parsed = JSON.parse(json) as { truncated: { total: number; kept: number }; findings: unknown[] };
    expect(parsed.truncated.total).toBe(400);
    expect(parsed.findings).toHaveLength(parsed.truncated.kept);
    expect(parsed.truncated.kept).toBeGreaterThan(10);
  });
});

describe('incompleteReason: what was not scanned', () => {
  const ran: ScanResult = { scanner: 'trivy-fs', findings: [] };
  const failed: ScanResult = { scanner: 'npm-audit', findings: [], error: 'HTTP 405 from the advisory endpoint' };
  const partial: ScanResult = {
    scanner: 'trivy-image',
    findings: [],
    partial: 'not scanned for vulnerabilities: no database',
  };
  it.each<[string, ScanResult[], boolean, string]>([
    ['every scanner ran every check', [ran], false, ''],
    [
      'a scanner error that only warns',
      [ran, failed],
      false,
      'npm-audit did not run (HTTP 405 from the advisory endpoint)',
    ],
    ['a scanner error that fails the step is a failure, not incomplete', [failed], true, ''],
    ['no database, when scanner errors fail the step: a failure, not incomplete', [partial], true, ''],
    ['trivy without a database', [partial], false, 'trivy-image: not scanned for vulnerabilities: no database'],
    [
      'both',
      [failed, partial],
      false,
      'npm-audit did not run (HTTP 405 from the advisory endpoint); trivy-image: not scanned for vulnerabilities: no database',
    ],
  ])('%s', (_name, results, failOnScannerError, expected) =>
    expect(incompleteReason(results, failOnScannerError)).toBe(expected),
  );
});

describe('a check the scanner could not do', () => {
  const partial: ScanResult = {
    scanner: 'trivy-image',
    findings: [],
    partial: 'not scanned for vulnerabilities: no database',
  };
  const none = applyAllowlist([], [], '2026-01-01');
  it('fails the gate when scanner errors fail the step (never a pass by default)', () => {
    const report = buildReport([partial], none, { threshold: 'high', failOnScannerError: true });
    expect(report.passed).toBe(false);
    expect(report.scannerErrors).toEqual([
      { scanner: 'trivy-image', message: 'not scanned for vulnerabilities: no database' },
    ]);
  });
  it('only warns (the step is incomplete) when they do not', () => {
    const report = buildReport([partial], none, { threshold: 'high', failOnScannerError: false });
    expect(report.passed).toBe(true);
    expect(report.scannerErrors).toEqual([]);
  });
});
