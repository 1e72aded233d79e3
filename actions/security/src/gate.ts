/**
 * The gate and the report: counts after the allow-list, which findings block,
 * and the JSON report given as the `report` output.
 */
import { plural } from '@pipeline/action-kit';
import type { AllowlistResult } from './allowlist.js';
import type { Finding, ScanResult, ScannerError, ScannerName, Severity } from './model.js';
import { SEVERITIES, atOrAbove, severityRank } from './model.js';

export type SeverityCounts = Record<Severity, number>;

export interface ReportFinding extends Finding {
  /** At or above the threshold and not allow-listed. */
  blocking: boolean;
  allowlisted?: { reason: string; expires: string };
}

export interface Report {
  passed: boolean;
  /** The gate alone (no blocking finding), whatever the scanner errors. */
  gatePassed: boolean;
  threshold: Severity;
  /** Counts after the allow-list. */
  counts: SeverityCounts;
  countsByScanner: Partial<Record<ScannerName, SeverityCounts>>;
  findings: ReportFinding[];
  expiredAllowlist: { id: string; package?: string; reason: string; expires: string; matched: number }[];
  unusedAllowlist: { id: string; package?: string; expires: string }[];
  scannerErrors: ScannerError[];
  scanners: { name: ScannerName; findings: number; durationMs?: number; error?: string }[];
  /** Milliseconds spent normalising, de-duplicating, gating and writing SARIF and the summary. */
  processingMs?: number;
}

export function emptyCounts(): SeverityCounts {
  return { low: 0, moderate: 0, high: 0, critical: 0 };
}

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts = emptyCounts();
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** Most severe first, then by id and package, so reports are stable. */
export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (b.cvssScore ?? 0) - (a.cvssScore ?? 0) ||
      a.id.localeCompare(b.id) ||
      (a.package ?? '').localeCompare(b.package ?? ''),
  );
}

export interface GateOptions {
  threshold: Severity;
  failOnScannerError: boolean;
}

export function buildReport(results: readonly ScanResult[], allowlist: AllowlistResult, options: GateOptions): Report {
  const { threshold } = options;
  const blocking = allowlist.active.filter((finding) => atOrAbove(finding.severity, threshold));
  // A check the scanner could not do (no vulnerability database) counts as a scanner error when those fail the step.
  const scannerErrors: ScannerError[] = results
    .filter((r) => r.error !== undefined || (options.failOnScannerError && r.partial !== undefined))
    .map((r) => ({ scanner: r.scanner, message: (r.error ?? r.partial) as string }));
  const gatePassed = blocking.length === 0;

  const countsByScanner: Partial<Record<ScannerName, SeverityCounts>> = {};
  for (const result of results) countsByScanner[result.scanner] = emptyCounts();
  for (const finding of allowlist.active) {
    for (const scanner of finding.scanners) (countsByScanner[scanner] ??= emptyCounts())[finding.severity]++;
  }

  const findings: ReportFinding[] = sortFindings([
    ...allowlist.active.map((finding) => ({ ...finding, blocking: atOrAbove(finding.severity, threshold) })),
    ...allowlist.allowed.map(({ finding, entry }) => ({
      ...finding,
      blocking: false,
      allowlisted: { reason: entry.reason, expires: entry.expires },
    })),
  ]);

  return {
    passed: gatePassed && !(options.failOnScannerError && scannerErrors.length > 0),
    gatePassed,
    threshold,
    counts: countBySeverity(allowlist.active),
    countsByScanner,
    findings,
    expiredAllowlist: allowlist.expired.map(({ entry, matched }) => ({ ...entry, matched })),
    unusedAllowlist: allowlist.unused.map(({ id, package: pkg, expires }) => ({
      id,
      ...(pkg ? { package: pkg } : {}),
      expires,
    })),
    scannerErrors,
    scanners: results.map((r) => ({
      name: r.scanner,
      findings: r.findings.length,
      ...(r.durationMs !== undefined ? { durationMs: Math.round(r.durationMs) } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
    })),
  };
}

/** One line for the failure message. */
export function failureMessage(report: Report): string | undefined {
  const parts: string[] = [];
  const blocking = report.findings.filter((f) => f.blocking);
  if (blocking.length > 0) {
    const bySeverity = SEVERITIES.filter((s) => atOrAbove(s, report.threshold))
      .reverse()
      .map((s) => [s, blocking.filter((f) => f.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`);
    parts.push(
      `${plural(blocking.length, 'finding')} at or above '${report.threshold}' (${bySeverity.join(', ')}) not allow-listed: ${blocking
        .slice(0, 5)
        .map((f) => `${f.id}${f.package ? ` in ${f.package}` : f.location ? ` in ${f.location.path}` : ''}`)
        .join(', ')}${blocking.length > 5 ? ', ...' : ''}`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Caps the JSON report so the output stays well below the runner's output size limit. */
export function reportJson(report: Report, maxBytes = 512 * 1024): string {
  const full = JSON.stringify(report);
  if (Buffer.byteLength(full) <= maxBytes) return full;
  const truncated = { total: report.findings.length, kept: 0 };
  let budget =
    maxBytes -
    Buffer.byteLength(
      JSON.stringify({ ...report, findings: [], truncated: { total: truncated.total, kept: truncated.total } }),
    );
  const kept: ReportFinding[] = [];
  for (const finding of report.findings) {
    const slim: ReportFinding = { ...finding };
    delete slim.description;
    const size = Buffer.byteLength(JSON.stringify(slim)) + 1;
    if (size > budget) break;
    budget -= size;
    kept.push(slim);
  }
  truncated.kept = kept.length;
  return JSON.stringify({ ...report, findings: kept, truncated });
}

/** What was not scanned: scanners that could not run (when they do not fail the step) and checks a scanner skipped. */
export function incompleteReason(results: ScanResult[], failOnScannerError: boolean): string {
  const parts: string[] = [];
  for (const r of results) {
    if (failOnScannerError) continue; // then these fail the step instead
    if (r.error) parts.push(`${r.scanner} did not run (${r.error})`);
    if (r.partial) parts.push(`${r.scanner}: ${r.partial}`);
  }
  return parts.join('; ');
}
