/**
 * Parses `npm audit --json` (audit report version 2, npm 7 and later).
 *
 * npm exits 1 whenever it finds vulnerabilities, so the exit code alone says
 * nothing; the JSON does. Failures come out as JSON too:
 *   { "error": { "code": "ENOLOCK", "summary": ..., "detail": ... } }        (npm's own errors)
 *   { "message": "request to .../advisories/bulk failed, ...", ... }        (the audit endpoint failed)
 * and both are scanner errors, never "no findings".
 */
import type { Finding, ScanResult } from '../model.js';
import { tail } from '@pipeline/action-kit';
import { normaliseSeverity, primaryAndAliases } from '../model.js';
import { isObject, num, parseJson, str, strings } from './common.js';
import { inRange } from '../version-range.js';
import type { Json, JsonObject } from './common.js';

export interface NpmAuditContext {
  /** The lockfile's path relative to the repository root, for locations. */
  lockfilePath: string;
  /** The lockfile's text: gives installed versions and line numbers (optional). */
  lockfileText?: string;
}

/** The version a range's upper bound points at: "<4.17.21" -> "4.17.21", "<=4.17.23" -> ">4.17.23". */
export function fixFromRange(range: string | undefined): string | undefined {
  if (!range) return undefined;
  const last = range.split('||').pop()?.trim() ?? '';
  const lt = /<\s*(\d[^\s]*)$/.exec(last);
  if (lt && !last.includes('<=')) return lt[1];
  const lte = /<=\s*(\d[^\s]*)$/.exec(last);
  if (lte) return `>${lte[1]}`;
  return undefined;
}

/** 1-based line of `"node_modules/<name>": {` in a package-lock.json text, if present. */
export function lockfileLine(lockfileText: string | undefined, nodePath: string): number | undefined {
  if (!lockfileText) return undefined;
  const needle = `${JSON.stringify(nodePath)}:`;
  const index = lockfileText.indexOf(needle);
  if (index < 0) return undefined;
  return lockfileText.slice(0, index).split('\n').length;
}

function lockPackages(lockfileText: string | undefined): JsonObject {
  const lock = lockfileText ? parseJson(lockfileText) : undefined;
  return isObject(lock) && isObject(lock['packages']) ? lock['packages'] : {};
}

function describeNpmError(report: JsonObject, exitCode: number, stderr: string): string | undefined {
  if (isObject(report['vulnerabilities'])) return undefined;
  const message = str(report['message']);
  if (message) {
    // The audit endpoint failed: npm prints { message, method, uri, statusCode, body } (or message + empty error).
    const status = num(report['statusCode']);
    return `npm audit could not get advisories: ${message}${status ? ` (HTTP ${status})` : ''}`;
  }
  const error = report['error'];
  if (isObject(error)) {
    const code = str(error['code']);
    const text = [str(error['summary']), str(error['detail'])].filter(Boolean).join(' ');
    return `npm audit failed${code ? ` (${code})` : ''}: ${text || tail(stderr) || `exit code ${exitCode}`}`;
  }
  return undefined;
}

/** One lockfile node per installed version the advisory covers (a tree can hold several versions of a package). */
function installedVersions(
  pkg: string,
  pkgNodes: readonly string[],
  packages: JsonObject,
  range: string | undefined,
): Map<string | undefined, string> {
  const byVersion = new Map<string | undefined, string>();
  for (const node of pkgNodes) {
    const entry = packages[node];
    const version = isObject(entry) ? str(entry['version']) : undefined;
    if (version !== undefined && range !== undefined && inRange(version, range) === false) continue;
    if (!byVersion.has(version)) byVersion.set(version, node);
  }
  if (byVersion.size === 0) byVersion.set(undefined, pkgNodes[0] ?? `node_modules/${pkg}`);
  return byVersion;
}

function remediationOf(fixAvailable: Json | undefined, pkg: string): string {
  if (fixAvailable === true) return 'Fix: `npm audit fix`.';
  if (!isObject(fixAvailable)) return 'No fix available through `npm audit fix`.';
  const major =
    fixAvailable['isSemVerMajor'] === true ? ' (a semver-major change: `npm audit fix --force`)' : ' (`npm audit fix`)';
  return `Fix: install ${str(fixAvailable['name']) ?? pkg}@${str(fixAvailable['version']) ?? '?'}${major}.`;
}

export function parseNpmAudit(stdout: string, exitCode: number, stderr: string, context: NpmAuditContext): ScanResult {
  const report = parseJson(stdout);
  if (!isObject(report)) {
    return {
      scanner: 'npm-audit',
      findings: [],
      error: `npm audit exited with code ${exitCode} without a JSON report${stderr.trim() ? `: ${tail(stderr)}` : ''}`,
    };
  }
  const error = describeNpmError(report, exitCode, stderr);
  if (error) return { scanner: 'npm-audit', findings: [], error };

  const vulnerabilities = report['vulnerabilities'];
  if (report['auditReportVersion'] !== 2 || !isObject(vulnerabilities)) {
    return {
      scanner: 'npm-audit',
      findings: [],
      error: `npm audit printed a report this action does not understand (auditReportVersion ${JSON.stringify(report['auditReportVersion'] ?? null)}; npm 7 or later writes version 2)`,
    };
  }

  const packages = lockPackages(context.lockfileText);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const [name, entry] of Object.entries(vulnerabilities)) {
    if (!isObject(entry)) continue;
    const nodes = strings(entry['nodes']);
    const fixAvailable = entry['fixAvailable'];
    for (const via of Array.isArray(entry['via']) ? entry['via'] : []) {
      // Strings in `via` name another vulnerable package this one depends on; the advisory is reported there.
      if (!isObject(via)) continue;
      const pkg = str(via['name']) ?? name;
      const source =
        typeof via['source'] === 'number' || typeof via['source'] === 'string' ? String(via['source']) : undefined;
      const url = str(via['url']);
      const ghsa = url ? /GHSA(-[a-z0-9]{4}){3}/i.exec(url)?.[0] : undefined;
      const key = `${pkg}\u0000${source ?? ''}\u0000${url ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);

      const pkgNodes = nodes.filter((node) => node === `node_modules/${pkg}` || node.endsWith(`/node_modules/${pkg}`));
      const range = str(via['range']);
      const byVersion = installedVersions(pkg, pkgNodes, packages, range);
      const fixed = fixFromRange(range);
      const { id, aliases } = primaryAndAliases([ghsa, source === undefined ? undefined : `npm:${source}`]);
      const cvss = isObject(via['cvss']) ? num(via['cvss']['score']) : undefined;
      const remediation = remediationOf(fixAvailable, pkg);
      for (const [version, node] of byVersion) {
        const line = lockfileLine(context.lockfileText, node);
        findings.push({
          scanners: ['npm-audit'],
          kind: 'vulnerability',
          id,
          aliases,
          package: pkg,
          ...(version !== undefined ? { installedVersion: version } : {}),
          fixedVersions: fixed ? [fixed] : [],
          severity: normaliseSeverity(str(via['severity'])),
          scannerSeverity: { 'npm-audit': str(via['severity']) ?? 'unknown' },
          title: str(via['title']) ?? id,
          description: `Vulnerable versions: ${range ?? 'unknown'}. ${remediation}`,
          ...(url ? { url } : {}),
          ...(cvss !== undefined && cvss > 0 ? { cvssScore: cvss } : {}),
          cwe: strings(via['cwe']),
          location: { path: context.lockfilePath, ...(line ? { startLine: line, endLine: line } : {}) },
        });
      }
    }
  }
  return { scanner: 'npm-audit', findings };
}
