/** The job summary: what a person reads first. Pure: builds Markdown from the report. */
import { cell, markdownTable, mermaid, plural } from '@pipeline/action-kit';
import type { Report, ReportFinding } from './gate.js';
import { SEVERITIES, atOrAbove } from './model.js';

const MAX_ROWS = 50;
const ICON: Record<string, string> = { critical: '🟥', high: '🟧', moderate: '🟨', low: '⬜' };

function findingLink(finding: ReportFinding): string {
  const id = cell(finding.id);
  return finding.url && /^https:\/\//.test(finding.url) ? `[${id}](${finding.url})` : id;
}

function where(finding: ReportFinding): string {
  if (!finding.location) return '';
  return `${finding.location.path}${finding.location.startLine ? `:${finding.location.startLine}` : ''}`;
}

function what(finding: ReportFinding): string {
  if (finding.kind !== 'vulnerability') return `${finding.kind}: ${where(finding)}`;
  return `${finding.package ?? '?'}${finding.installedVersion ? `@${finding.installedVersion}` : ''}`;
}

/** Fix versions for a vulnerability; a secret or misconfiguration is fixed in place, not by a version. */
function fixColumn(finding: ReportFinding): string[] {
  if (finding.kind === 'secret') return ['remove and rotate'];
  if (finding.kind === 'misconfiguration') return ['change the file'];
  return [finding.fixedVersions.join(', ') || 'no fix known'];
}

/** A table whose first cell may hold a Markdown link (already escaped); the others are escaped here. */
function table(headers: string[], rows: string[][]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  return [head, rule, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function findingRows(findings: ReportFinding[], extra: (f: ReportFinding) => string[]): string[][] {
  return findings
    .slice(0, MAX_ROWS)
    .map((f) => [
      `${ICON[f.severity] ?? ''} ${cell(f.severity)}`,
      findingLink(f),
      cell(f.title),
      cell(what(f)),
      ...extra(f).map(cell),
      cell(f.scanners.join(', ')),
    ]);
}

const SEVERITIES_DESC = [...SEVERITIES].reverse();
const FINDING_HEADERS = ['severity', 'id', 'title', 'package / place', 'fix', 'scanners'];

function headerSection(report: Report, blocking: ReportFinding[]): string[] {
  const verdict = report.passed ? '✅ passed' : '❌ failed';
  return [
    `## Security: ${verdict}`,
    `Threshold **${report.threshold}**: ${plural(blocking.length, 'finding')} at or above it not allow-listed` +
      `${report.scannerErrors.length > 0 ? `, ${plural(report.scannerErrors.length, 'scanner error')}` : ''}.`,
  ];
}

function countsSection(report: Report): string[] {
  const rows: (string | number)[][] = report.scanners.map((s) => {
    const counts = report.countsByScanner[s.name];
    return [
      s.error ? `${s.name} (error)` : s.name,
      ...SEVERITIES_DESC.map((sev) => counts?.[sev] ?? 0),
      s.durationMs !== undefined ? `${(s.durationMs / 1000).toFixed(1)} s` : '',
    ];
  });
  const total = SEVERITIES_DESC.map((sev) => report.counts[sev]);
  rows.push(['**all (de-duplicated)**', ...total, '']);
  return [
    '### Findings by severity and scanner (after the allow-list)',
    markdownTable(['scanner', ...SEVERITIES_DESC, 'time'], rows),
    ...severityPie(report, total),
  ];
}

function severityPie(report: Report, total: number[]): string[] {
  const totalCount = total.reduce((a, b) => a + b, 0);
  if (totalCount === 0) return [];
  return [
    mermaid(
      `pie showData\n  title Findings by severity (after the allow-list)\n${SEVERITIES_DESC.filter(
        (s) => report.counts[s] > 0,
      )
        .map((s) => `  "${s}" : ${report.counts[s]}`)
        .join('\n')}`,
    ),
  ];
}

function scannerErrorsSection(report: Report): string[] {
  if (report.scannerErrors.length === 0) return [];
  return [
    '### Scanner errors',
    report.scannerErrors.map((e) => `- **${cell(e.scanner)}**: ${cell(e.message)}`).join('\n'),
  ];
}

function blockingSection(report: Report, blocking: ReportFinding[]): string[] {
  if (blocking.length === 0) return [];
  const out = [
    `### Findings at or above ${report.threshold}`,
    table(FINDING_HEADERS, findingRows(blocking, fixColumn)),
  ];
  if (blocking.length > MAX_ROWS)
    out.push(`…and ${blocking.length - MAX_ROWS} more (see the report output or the SARIF file).`);
  return out;
}

function belowThresholdSection(report: Report): string[] {
  const below = report.findings.filter(
    (f) => !f.blocking && !f.allowlisted && !atOrAbove(f.severity, report.threshold),
  );
  if (below.length === 0) return [];
  return [
    `<details><summary>${plural(below.length, 'finding')} below the threshold</summary>\n`,
    table(FINDING_HEADERS, findingRows(below, fixColumn)),
    '\n</details>',
  ];
}

function allowlistedSection(report: Report): string[] {
  const allowed = report.findings.filter((f) => f.allowlisted);
  if (allowed.length === 0) return [];
  return [
    '### Allow-listed',
    table(
      ['severity', 'id', 'title', 'package / place', 'reason', 'until', 'scanners'],
      findingRows(allowed, (f) => [f.allowlisted?.reason ?? '', f.allowlisted?.expires ?? '']),
    ),
  ];
}

function expiredAllowlistSection(report: Report): string[] {
  if (report.expiredAllowlist.length === 0) return [];
  return [
    '### Expired allow-list entries (no longer applied)',
    markdownTable(
      ['id', 'package', 'reason', 'expired after', 'findings it covered'],
      report.expiredAllowlist.map((e) => [e.id, e.package ?? 'any', e.reason, e.expires, e.matched]),
    ),
  ];
}

function unusedAllowlistSection(report: Report): string[] {
  if (report.unusedAllowlist.length === 0) return [];
  return [
    `Allow-list entries that matched nothing (can be removed): ${report.unusedAllowlist.map((e) => `\`${cell(e.id)}\``).join(', ')}.`,
  ];
}

export function buildSummary(report: Report): string {
  const blocking = report.findings.filter((f) => f.blocking);
  const out = [
    ...headerSection(report, blocking),
    ...countsSection(report),
    ...scannerErrorsSection(report),
    ...blockingSection(report, blocking),
    ...belowThresholdSection(report),
    ...allowlistedSection(report),
    ...expiredAllowlistSection(report),
    ...unusedAllowlistSection(report),
  ];
  return `${out.join('\n\n')}\n`;
}
