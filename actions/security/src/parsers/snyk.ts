/**
 * Parses `snyk test --json`: one project object, or an array of them with
 * --all-projects. Each vulnerability is listed once per dependency path
 * (`from`); they are folded into one finding per id, package and version.
 *
 * Exit codes: 0 no issues, 1 issues found, 2 failure, 3 no supported project.
 * Failures print { "ok": false, "error": "...", "path": "..." }: a scanner error.
 */
import type { Finding, ScanResult } from '../model.js';
import { tail } from '@pipeline/action-kit';
import { normaliseSeverity, primaryAndAliases } from '../model.js';
import { isObject, joinPath, num, parseJson, str, strings } from './common.js';
import type { JsonObject } from './common.js';

export interface SnykContext {
  /** The scanned directory relative to the repository root ('' for the root). */
  pathPrefix: string;
}

export function parseSnyk(stdout: string, exitCode: number, stderr: string, context: SnykContext): ScanResult {
  const parsed = parseJson(stdout);
  const projects: JsonObject[] = Array.isArray(parsed) ? parsed.filter(isObject) : isObject(parsed) ? [parsed] : [];
  if (projects.length === 0) {
    return {
      scanner: 'snyk',
      findings: [],
      error: `snyk exited with code ${exitCode} without a JSON report${stderr.trim() ? `: ${tail(stderr)}` : ''}`,
    };
  }
  const errors = projects
    .filter((project) => !Array.isArray(project['vulnerabilities']))
    .map(
      (project) =>
        `${str(project['error']) ?? str(project['message']) ?? 'no vulnerabilities list in the report'}${str(project['path']) ? ` (${str(project['path'])})` : ''}`,
    );
  if (errors.length > 0 || exitCode >= 2) {
    return {
      scanner: 'snyk',
      findings: [],
      error: `snyk test failed (exit code ${exitCode}): ${errors.join('; ') || tail(stderr) || 'unknown error'}`,
    };
  }

  const findings = new Map<string, Finding>();
  for (const project of projects) {
    const targetFile = str(project['displayTargetFile']) ?? str(project['targetFile']);
    for (const vulnerability of Array.isArray(project['vulnerabilities']) ? project['vulnerabilities'] : []) {
      if (!isObject(vulnerability)) continue;
      if (str(vulnerability['type']) === 'license') continue; // licence policy issues are not security findings
      const snykId = str(vulnerability['id']);
      const identifiers = isObject(vulnerability['identifiers']) ? vulnerability['identifiers'] : {};
      const { id, aliases } = primaryAndAliases([
        ...strings(identifiers['GHSA']),
        ...strings(identifiers['CVE']),
        snykId,
      ]);
      const pkg = str(vulnerability['packageName']) ?? str(vulnerability['name']);
      const version = str(vulnerability['version']);
      const key = `${snykId ?? id}\u0000${pkg ?? ''}\u0000${version ?? ''}\u0000${targetFile ?? ''}`;
      if (findings.has(key)) continue;
      const cvss = num(vulnerability['cvssScore']);
      const severityWord = str(vulnerability['severityWithCritical']) ?? str(vulnerability['severity']);
      const upgrade = Array.isArray(vulnerability['upgradePath'])
        ? vulnerability['upgradePath'].find((step) => typeof step === 'string')
        : undefined;
      findings.set(key, {
        scanners: ['snyk'],
        kind: 'vulnerability',
        id,
        aliases,
        ...(pkg ? { package: pkg } : {}),
        ...(version ? { installedVersion: version } : {}),
        fixedVersions: strings(vulnerability['fixedIn']),
        severity: normaliseSeverity(severityWord),
        scannerSeverity: { snyk: severityWord ?? 'unknown' },
        title: str(vulnerability['title']) ?? id,
        ...(typeof upgrade === 'string' ? { description: `Upgrade path: ${upgrade}.` } : {}),
        ...(snykId ? { url: `https://security.snyk.io/vuln/${snykId}` } : {}),
        ...(cvss !== undefined ? { cvssScore: cvss } : {}),
        cwe: strings(identifiers['CWE']),
        ...(targetFile ? { location: { path: joinPath(context.pathPrefix, targetFile) } } : {}),
      });
    }
  }
  return { scanner: 'snyk', findings: [...findings.values()] };
}
