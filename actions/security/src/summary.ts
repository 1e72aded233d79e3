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

export function buildSummary(report: Report): string {
  const out: string[] = [];
  const verdict = report.passed ? '✅ passed' : '❌ failed';
  out.push(`## Security: ${verdict}`);
  const blocking = report.findings.filter((f) => f.blocking);
  out.push(
    `Threshold **${report.threshold}**: ${plural(blocking.length, 'finding')} at or above it not allow-listed` +
      `${report.scannerErrors.length > 0 ? `, ${plural(report.scannerErrors.length, 'scanner error')}` : ''}.`,
  );

  const severities = [...SEVERITIES].reverse();
  const rows: (string | number)[][] = report.scanners.map((s) => {
    const counts = report.countsByScanner[s.name];
    return [
      s.error ? `${s.name} (error)` : s.name,
      ...severities.map((sev) => counts?.[sev] ?? 0),
      s.durationMs !== undefined ? `${(s.durationMs / 1000).toFixed(1)} s` : '',
    ];
  });
  const total = severities.map((sev) => report.counts[sev]);
  rows.push(['**all (de-duplicated)**', ...total, '']);
  out.push('### Findings by severity and scanner (after the allow-list)');
  out.push(markdownTable(['scanner', ...severities, 'time'], rows));

  const totalCount = total.reduce((a, b) => a + b, 0);
  if (totalCount > 0) {
    out.push(
      mermaid(
        `pie showData\n  title Findings by severity (after the allow-list)\n${severities
          .filter((s) => report.counts[s] > 0)
          .map((s) => `  "${s}" : ${report.counts[s]}`)
          .join('\n')}`,
      ),
    );
  }

  if (report.scannerErrors.length > 0) {
    out.push('### Scanner errors');
    out.push(report.scannerErrors.map((e) => `- **${cell(e.scanner)}**: ${cell(e.message)}`).join('\n'));
  }

  if (blocking.length > 0) {
    out.push(`### Findings at or above ${report.threshold}`);
    out.push(
      table(['severity', 'id', 'title', 'package / place', 'fix', 'scanners'], findingRows(blocking, fixColumn)),
    );
    if (blocking.length > MAX_ROWS)
      out.push(`…and ${blocking.length - MAX_ROWS} more (see the report output or the SARIF file).`);
  }

  const below = report.findings.filter(
    (f) => !f.blocking && !f.allowlisted && !atOrAbove(f.severity, report.threshold),
  );
  if (below.length > 0) {
    out.push(`<details><summary>${plural(below.length, 'finding')} below the threshold</summary>\n`);
    out.push(table(['severity', 'id', 'title', 'package / place', 'fix', 'scanners'], findingRows(below, fixColumn)));
    out.push('\n</details>');
  }

  const allowed = report.findings.filter((f) => f.allowlisted);
  if (allowed.length > 0) {
    out.push('### Allow-listed');
    out.push(
      table(
        ['severity', 'id', 'title', 'package / place', 'reason', 'until', 'scanners'],
        findingRows(allowed, (f) => [f.allowlisted?.reason ?? '', f.allowlisted?.expires ?? '']),
      ),
    );
  }
  if (report.expiredAllowlist.length > 0) {
    out.push('### Expired allow-list entries (no longer applied)');
    out.push(
      markdownTable(
        ['id', 'package', 'reason', 'expired after', 'findings it covered'],
        report.expiredAllowlist.map((e) => [e.id, e.package ?? 'any', e.reason, e.expires, e.matched]),
      ),
    );
  }
  if (report.unusedAllowlist.length > 0) {
    out.push(
      `Allow-list entries that matched nothing (can be removed): ${report.unusedAllowlist.map((e) => `\`${cell(e.id)}\``).join(', ')}.`,
    );
  }
  return `${out.join('\n\n')}\n`;
}
