/**
 * One merged SARIF 2.1.0 log for GitHub code scanning
 * (github/codeql-action/upload-sarif). All scanners go into ONE run of one
 * tool ("pipeline-security"): code scanning no longer accepts several runs of
 * the same tool and category in one file, and the findings are de-duplicated
 * across scanners anyway; which scanners reported a result is in its
 * properties. Allow-listed findings are kept with an accepted external
 * suppression (and the reason as justification). Scanner errors are tool
 * execution notifications of the invocation.
 */
import { createHash } from 'node:crypto';
import type { Report, ReportFinding } from './gate.js';
import type { Severity } from './model.js';

export const TOOL_NAME = 'pipeline-security';
export const TOOL_VERSION = '0.1.0';

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}
// The SARIF object model is large; only what this action writes is typed.
export interface SarifRun {
  tool: { driver: { name: string; version: string; semanticVersion: string; rules: SarifRule[] } };
  automationDetails: { id: string };
  invocations: {
    executionSuccessful: boolean;
    toolExecutionNotifications: { level: 'error' | 'warning'; message: { text: string }; descriptor: { id: string } }[];
  }[];
  results: SarifResult[];
  properties: Record<string, unknown>;
}
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; precision: string; 'security-severity': string; problem: { severity: string } };
}
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations?: {
    physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; endLine?: number } };
  }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  properties: Record<string, unknown>;
}
type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', moderate: 'warning', low: 'note' };
/** GitHub's bands: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9. */
const BAND: Record<Severity, [number, number, number]> = {
  critical: [9.0, 10, 9.5],
  high: [7.0, 8.9, 8.0],
  moderate: [4.0, 6.9, 5.5],
  low: [0.1, 3.9, 2.0],
};

/**
 * The score GitHub shows. The CVSS score when it falls in the band of the
 * normalised severity; otherwise the band's middle, so that code scanning shows
 * the same severity the gate used.
 */
export function securitySeverity(severity: Severity, cvss: number | undefined): string {
  const [low, high, middle] = BAND[severity];
  const score = cvss !== undefined && cvss >= low && cvss <= high ? cvss : middle;
  return score.toFixed(1);
}

/** Makes a URI reference out of a repository-relative path (spaces and the like escaped, slashes kept). */
export function toUri(file: string): string {
  return file
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%3A/gi, ':').replace(/%40/g, '@'))
    .join('/');
}

export function fingerprint(finding: ReportFinding): string {
  const key = [
    finding.kind,
    finding.id,
    finding.package ?? '',
    finding.installedVersion ?? '',
    finding.location?.path ?? '',
    finding.location?.startLine ?? '',
  ].join('|');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

function ruleName(title: string): string {
  const words = title
    .replace(/[^A-Za-z0-9 ]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return (
    words
      .map((w) => (w[0] as string).toUpperCase() + w.slice(1))
      .join('')
      .slice(0, 80) || 'Finding'
  );
}

function resultMessage(finding: ReportFinding): string {
  const what =
    finding.kind === 'vulnerability'
      ? `${finding.title} in ${finding.package ?? 'a dependency'}${finding.installedVersion ? `@${finding.installedVersion}` : ''}${
          finding.fixedVersions.length > 0
            ? ` (fixed in ${finding.fixedVersions.join(', ')})`
            : ' (no fixed version known)'
        }.`
      : `${finding.title}.${finding.description ? ` ${finding.description}` : ''}`;
  return `${what} Severity ${finding.severity}; reported by ${finding.scanners.join(', ')}.`;
}

function ruleHelp(finding: ReportFinding): { text: string; markdown: string } {
  const ids = [finding.id, ...finding.aliases].join(', ');
  const text = [
    finding.title,
    `Identifiers: ${ids}.`,
    finding.description,
    finding.url ? `More: ${finding.url}` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  const markdown = [
    `**${finding.title}**`,
    `Identifiers: ${[finding.id, ...finding.aliases].map((id) => `\`${id}\``).join(', ')}`,
    finding.description,
    finding.url ? `[${finding.url}](${finding.url})` : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  return { text, markdown };
}

function sarifRule(finding: ReportFinding, severityScore: string): SarifRule {
  return {
    id: finding.id,
    name: ruleName(finding.title),
    shortDescription: { text: finding.title.slice(0, 1000) },
    fullDescription: { text: (finding.description ?? finding.title).slice(0, 1000) },
    help: ruleHelp(finding),
    ...(finding.url ? { helpUri: finding.url } : {}),
    defaultConfiguration: { level: LEVEL[finding.severity] },
    properties: {
      tags: [
        'security',
        finding.kind,
        ...finding.cwe.map((c) => (c.startsWith('CWE-') ? `external/cwe/${c.toLowerCase()}` : c)),
      ],
      precision: 'very-high',
      'security-severity': severityScore,
      problem: { severity: LEVEL[finding.severity] === 'note' ? 'recommendation' : LEVEL[finding.severity] },
    },
  };
}

function sarifResult(finding: ReportFinding, index: number): SarifResult {
  const location = finding.location;
  return {
    ruleId: finding.id,
    ruleIndex: index,
    level: LEVEL[finding.severity],
    message: { text: resultMessage(finding) },
    ...(location
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(location.path) },
                ...(location.startLine
                  ? {
                      region: {
                        startLine: location.startLine,
                        ...(location.endLine && location.endLine >= location.startLine
                          ? { endLine: location.endLine }
                          : {}),
                      },
                    }
                  : {}),
              },
            },
          ],
        }
      : {}),
    partialFingerprints: { 'pipelineSecurityFinding/v1': fingerprint(finding) },
    ...(finding.allowlisted
      ? {
          suppressions: [
            {
              kind: 'external' as const,
              status: 'accepted' as const,
              justification: `${finding.allowlisted.reason} (allow-listed until ${finding.allowlisted.expires})`,
            },
          ],
        }
      : {}),
    properties: {
      severity: finding.severity,
      scanners: finding.scanners,
      scannerSeverity: finding.scannerSeverity,
      aliases: finding.aliases,
      ...(finding.package ? { package: finding.package } : {}),
      ...(finding.installedVersion ? { installedVersion: finding.installedVersion } : {}),
      fixedVersions: finding.fixedVersions,
      blocking: finding.blocking,
    },
  };
}

export function buildSarif(report: Report, options: { automationId?: string } = {}): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: SarifResult[] = [];

  for (const finding of report.findings) {
    let index = ruleIndex.get(finding.id);
    const severityScore = securitySeverity(finding.severity, finding.cvssScore);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(finding.id, index);
      rules.push(sarifRule(finding, severityScore));
    } else {
      const rule = rules[index] as SarifRule;
      if (Number(severityScore) > Number(rule.properties['security-severity'])) {
        rule.properties['security-severity'] = severityScore;
        rule.defaultConfiguration.level = LEVEL[finding.severity];
      }
    }

    results.push(sarifResult(finding, index));
  }

  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: TOOL_VERSION, semanticVersion: TOOL_VERSION, rules } },
        automationDetails: { id: options.automationId ?? `${TOOL_NAME}/` },
        invocations: [
          {
            executionSuccessful: report.scannerErrors.length === 0,
            toolExecutionNotifications: report.scannerErrors.map((error) => ({
              level: 'error' as const,
              message: { text: `${error.scanner}: ${error.message}` },
              descriptor: { id: `scanner-error/${error.scanner}` },
            })),
          },
        ],
        results,
        properties: {
          severityThreshold: report.threshold,
          passed: report.passed,
          scanners: report.scanners.map((s) => s.name),
        },
      },
    ],
  };
}
