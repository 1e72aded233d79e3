/**
 * The one finding model every scanner's output is normalised to, and the
 * severity scale the gate uses.
 */

export const SCANNERS = ['npm-audit', 'trivy-fs', 'trivy-image', 'snyk'] as const;
export type ScannerName = (typeof SCANNERS)[number];

export const SEVERITIES = ['low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FindingKind = 'vulnerability' | 'secret' | 'misconfiguration';

export interface Location {
  /** Path relative to the repository root, with forward slashes (or an image reference). */
  path: string;
  startLine?: number;
  endLine?: number;
}

export interface Finding {
  /** The scanners that reported it (more than one after de-duplication). */
  scanners: ScannerName[];
  kind: FindingKind;
  /** The preferred identifier: GHSA, then CVE, then the scanner's own id. */
  id: string;
  /** Every other identifier known for it (CVE, GHSA, npm advisory number, Snyk id, rule id). */
  aliases: string[];
  package?: string;
  installedVersion?: string;
  /** Versions (or ranges) that fix it, when known. */
  fixedVersions: string[];
  severity: Severity;
  /** Severity as each scanner wrote it, e.g. { trivy-fs: 'MEDIUM' }. */
  scannerSeverity: Partial<Record<ScannerName, string>>;
  title: string;
  description?: string;
  url?: string;
  cvssScore?: number;
  cwe: string[];
  location?: Location;
}

export interface ScannerError {
  scanner: ScannerName;
  message: string;
}

/** What one scanner run produced: findings, or an error (never both silently). */
export interface ScanResult {
  scanner: ScannerName;
  findings: Finding[];
  error?: string;
  /** The scanner ran, but not every check it was asked for (e.g. no vulnerability database): the step is incomplete. */
  partial?: string;
  durationMs?: number;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * Maps each scanner's severity words onto the gate's scale:
 * npm: info -> low; Trivy: UNKNOWN -> low, MEDIUM -> moderate; Snyk: medium -> moderate.
 * Anything unrecognised is treated as low (and keeps its original word in scannerSeverity).
 */
export function normaliseSeverity(raw: string | undefined | null): Severity {
  switch ((raw ?? '').trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'moderate';
    default:
      return 'low';
  }
}

const GHSA = /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i;
const CVE = /^CVE-\d{4}-\d{4,}$/i;

export function isGhsa(id: string): boolean {
  return GHSA.test(id);
}
export function isCve(id: string): boolean {
  return CVE.test(id);
}

/** Upper-cases CVE/GHSA prefixes the way the advisory databases write them (GHSA suffixes stay lower-case). */
export function canonicalId(id: string): string {
  const trimmed = id.trim();
  if (isGhsa(trimmed)) return `GHSA${trimmed.slice(4).toLowerCase()}`;
  if (isCve(trimmed)) return trimmed.toUpperCase();
  return trimmed;
}

/** Picks the primary id (GHSA, then CVE, then the first) and returns the rest as aliases, without duplicates. */
export function primaryAndAliases(ids: readonly (string | undefined | null)[]): { id: string; aliases: string[] } {
  const unique: string[] = [];
  for (const raw of ids) {
    if (!raw || raw.trim() === '') continue;
    const id = canonicalId(raw);
    if (!unique.some((u) => u.toLowerCase() === id.toLowerCase())) unique.push(id);
  }
  const primary = unique.find(isGhsa) ?? unique.find(isCve) ?? unique[0] ?? 'unknown';
  return { id: primary, aliases: unique.filter((id) => id !== primary) };
}

/** Every identifier of a finding, lower-cased, for matching. */
export function allIds(finding: Pick<Finding, 'id' | 'aliases'>): string[] {
  return [finding.id, ...finding.aliases].map((id) => id.toLowerCase());
}
