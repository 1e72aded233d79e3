/**
 * Parses Trivy's JSON report (`trivy fs|image --format json`, SchemaVersion 2):
 * Results[] with Vulnerabilities, Misconfigurations and Secrets per Target.
 *
 * Trivy writes the report to stdout only when the scan worked; database,
 * network and check-bundle failures end with a FATAL line on stderr, a
 * non-zero exit and no JSON: that is a scanner error, never "no findings".
 */
import type { Finding, ScanResult, ScannerName } from '../model.js';
import { tail } from '@pipeline/action-kit';
import { normaliseSeverity, primaryAndAliases } from '../model.js';
import { isObject, joinPath, num, parseJson, str, strings, unique } from './common.js';
import type { Json, JsonObject } from './common.js';

export interface TrivyContext {
  scanner: Extract<ScannerName, 'trivy-fs' | 'trivy-image'>;
  /** For trivy-fs: the scanned directory relative to the repository root ('' for the root). */
  pathPrefix: string;
  /** For trivy-image: the image reference, used in locations. */
  image?: string;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function list(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function bestCvss(vulnerability: JsonObject): number | undefined {
  const cvss = vulnerability['CVSS'];
  if (!isObject(cvss)) return undefined;
  const source = str(vulnerability['SeveritySource']);
  const preferred = source && isObject(cvss[source]) ? num(cvss[source]['V3Score']) : undefined;
  if (preferred !== undefined) return preferred;
  const scores = Object.values(cvss)
    .filter(isObject)
    .map((entry) => num(entry['V3Score']) ?? num(entry['V40Score']))
    .filter((score): score is number => score !== undefined);
  return scores.length > 0 ? Math.max(...scores) : undefined;
}

export function parseTrivy(stdout: string, exitCode: number, stderr: string, context: TrivyContext): ScanResult {
  const { scanner } = context;
  const report = parseJson(stdout);
  if (!isObject(report) || report['SchemaVersion'] === undefined) {
    const why = stderr.trim() ? tail(stderr) : stdout.trim() ? 'its output is not a Trivy JSON report' : 'no output';
    return { scanner, findings: [], error: `trivy exited with code ${exitCode} without a JSON report: ${why}` };
  }

  const locate = (target: string): string =>
    scanner === 'trivy-image'
      ? `${context.image ?? str(report['ArtifactName']) ?? 'image'}/${target.replace(/^\/+/, '')}`
      : joinPath(context.pathPrefix, target);

  const findings: Finding[] = [];
  for (const result of list(report['Results'])) {
    const path = locate(str(result['Target']) ?? '.');
    for (const vulnerability of list(result['Vulnerabilities']))
      findings.push(vulnerabilityFinding(vulnerability, scanner, path));
    for (const misconfiguration of list(result['Misconfigurations'])) {
      const finding = misconfigurationFinding(misconfiguration, scanner, path);
      if (finding) findings.push(finding);
    }
    for (const secret of list(result['Secrets'])) findings.push(secretFinding(secret, scanner, path));
  }
  return { scanner, findings };
}

function vulnerabilityFinding(vulnerability: JsonObject, scanner: ScannerName, path: string): Finding {
  const { id, aliases } = primaryAndAliases([
    str(vulnerability['VulnerabilityID']),
    ...strings(vulnerability['VendorIDs']),
  ]);
  const cvss = bestCvss(vulnerability);
  const fixed = str(vulnerability['FixedVersion']);
  const url = str(vulnerability['PrimaryURL']);
  const description = str(vulnerability['Description']);
  return {
    scanners: [scanner],
    kind: 'vulnerability',
    id,
    aliases,
    ...optional('package', str(vulnerability['PkgName'])),
    ...optional('installedVersion', str(vulnerability['InstalledVersion'])),
    fixedVersions: fixed
      ? unique(
          fixed
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean),
        )
      : [],
    severity: normaliseSeverity(str(vulnerability['Severity'])),
    scannerSeverity: { [scanner]: str(vulnerability['Severity']) ?? 'UNKNOWN' },
    title: str(vulnerability['Title']) ?? description?.split('\n')[0]?.slice(0, 200) ?? id,
    ...(description ? { description } : {}),
    ...(url ? { url } : {}),
    ...(cvss !== undefined ? { cvssScore: cvss } : {}),
    cwe: strings(vulnerability['CweIDs']),
    location: { path },
  };
}

function misconfigurationFinding(
  misconfiguration: JsonObject,
  scanner: ScannerName,
  path: string,
): Finding | undefined {
  const status = str(misconfiguration['Status']);
  if (status && status !== 'FAIL') return undefined; // PASS/EXCEPTION only appear with --include-non-failures
  const cause = isObject(misconfiguration['CauseMetadata']) ? misconfiguration['CauseMetadata'] : {};
  const startLine = num(cause['StartLine']);
  const endLine = num(cause['EndLine']);
  // Trivy 0.6x+ writes IDs as DS-0002/KSV-0017; the namespace keeps the older DS002 form (and older reports have AVDID).
  const legacy = str(misconfiguration['Namespace'])?.split('.').pop();
  const { id, aliases } = primaryAndAliases([
    str(misconfiguration['ID']),
    str(misconfiguration['AVDID']),
    legacy && /^[A-Z]+\d+$/.test(legacy) ? legacy : undefined,
  ]);
  const message = str(misconfiguration['Message']);
  const resolution = str(misconfiguration['Resolution']);
  const url = str(misconfiguration['PrimaryURL']);
  return {
    scanners: [scanner],
    kind: 'misconfiguration',
    id,
    aliases,
    fixedVersions: [],
    severity: normaliseSeverity(str(misconfiguration['Severity'])),
    scannerSeverity: { [scanner]: str(misconfiguration['Severity']) ?? 'UNKNOWN' },
    title: str(misconfiguration['Title']) ?? id,
    description: [message, resolution ? `Resolution: ${resolution}` : undefined].filter(Boolean).join(' '),
    ...(url ? { url } : {}),
    cwe: [],
    location: {
      path,
      ...(startLine && startLine > 0 ? { startLine } : {}),
      ...(endLine && endLine > 0 ? { endLine } : {}),
    },
  };
}

function secretFinding(secret: JsonObject, scanner: ScannerName, path: string): Finding {
  const startLine = num(secret['StartLine']);
  const endLine = num(secret['EndLine']);
  const { id, aliases } = primaryAndAliases([str(secret['RuleID'])]);
  return {
    scanners: [scanner],
    kind: 'secret',
    id,
    aliases,
    fixedVersions: [],
    severity: normaliseSeverity(str(secret['Severity'])),
    scannerSeverity: { [scanner]: str(secret['Severity']) ?? 'UNKNOWN' },
    title: str(secret['Title']) ?? id,
    // Trivy masks the secret in Match; it is still kept out of the description to be safe.
    description: `${str(secret['Category']) ?? 'Secret'} found: remove it from the repository and rotate it.`,
    cwe: ['CWE-798'],
    location: {
      path,
      ...(startLine && startLine > 0 ? { startLine } : {}),
      ...(endLine && endLine > 0 ? { endLine } : {}),
    },
  };
}
