import { cell, markdownTable, plural } from '@pipeline/action-kit';
import type { CheckResult, Finding, Verdict } from './findings.js';
import { count, gatedStatus } from './findings.js';
import type { FailOn } from './inputs.js';

export interface Report {
  passed: boolean;
  errors: number;
  warnings: number;
  failOn: string;
  checks: { check: string; status: string; errors: number; warnings: number; durationMs: number; detail?: string }[];
  findings: Finding[];
}

export function buildReport(results: readonly CheckResult[], verdict: Verdict, failOn: FailOn): Report {
  return {
    passed: verdict.passed,
    errors: verdict.errors,
    warnings: verdict.warnings,
    failOn,
    checks: results.map((r) => ({
      check: r.check,
      status: gatedStatus(r, failOn),
      ...count(r.findings),
      durationMs: Math.round(r.durationMs),
      ...(r.detail === undefined ? {} : { detail: r.detail }),
    })),
    findings: results.flatMap((r) => r.findings),
  };
}

const STATUS_ICON: Readonly<Record<string, string>> = {
  passed: '✅ passed',
  failed: '❌ failed',
  noted: '⚠️ findings (not failing)',
  crashed: '💥 crashed',
  skipped: '⏭️ skipped',
};

export function annotationTitle(finding: Finding): string {
  return finding.rule ? `${finding.tool}: ${finding.rule}` : finding.tool;
}

/** The job summary: one table per tool, then the first findings of each file. */
export function summaryMarkdown(report: Report, options: { filesShown?: number; perFile?: number } = {}): string {
  const { filesShown = 20, perFile = 5 } = options;
  const lines: string[] = [];
  lines.push(`## Code quality: ${report.passed ? '✅ passed' : '❌ failed'}`);
  lines.push('');
  lines.push(
    `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')} (fail-on: \`${report.failOn}\`).`,
  );
  lines.push('');
  lines.push(
    markdownTable(
      ['Check', 'Result', 'Errors', 'Warnings', 'Time'],
      report.checks.map((c) => [
        c.check,
        STATUS_ICON[c.status] ?? c.status,
        c.errors,
        c.warnings,
        `${(c.durationMs / 1000).toFixed(1)} s`,
      ]),
    ),
  );
  for (const c of report.checks.filter((check) => check.status === 'crashed')) {
    lines.push(
      '',
      `<details><summary>${cell(c.check)} crashed</summary>`,
      '',
      '```text',
      c.detail ?? '',
      '```',
      '</details>',
    );
  }
  const byFile = new Map<string, Finding[]>();
  for (const finding of report.findings) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
  if (byFile.size > 0) {
    lines.push('', '### Findings');
    for (const [file, findings] of [...byFile].slice(0, filesShown)) {
      lines.push('', `**\`${file.replace(/`/g, "'")}\`** (${findings.length})`, '');
      lines.push(
        markdownTable(
          ['Line', 'Tool', 'Rule', 'Severity', 'Message'],
          findings
            .slice(0, perFile)
            .map((f) => [f.column ? `${f.line}:${f.column}` : f.line, f.tool, f.rule ?? '', f.severity, f.message]),
        ),
      );
      if (findings.length > perFile)
        lines.push('', `…and ${findings.length - perFile} more in this file (see the report).`);
    }
    if (byFile.size > filesShown) lines.push('', `…and ${byFile.size - filesShown} more files (see the report).`);
  }
  return lines.join('\n') + '\n';
}
