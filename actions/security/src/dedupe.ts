/**
 * De-duplication: the same advisory reported by several scanners (npm audit
 * by GHSA, Trivy by CVE with the GHSA among its vendor ids, Snyk by its own id
 * with CVE identifiers) becomes one finding.
 *
 * Two vulnerabilities are the same when they share an identifier (case
 * insensitive) and the package (and, when both know it, the installed
 * version). Secrets and misconfigurations are the same when they share an id
 * and a location (path and start line). Sharing is transitive: if A matches B
 * and B matches C, all three merge (union-find).
 */
import type { Finding } from './model.js';
import { allIds, maxSeverity, primaryAndAliases } from './model.js';
import { unique } from './parsers/common.js';

function samePackage(a: Finding, b: Finding): boolean {
  if (a.kind !== 'vulnerability' || b.kind !== 'vulnerability') return false;
  if ((a.package ?? '').toLowerCase() !== (b.package ?? '').toLowerCase()) return false;
  if (a.installedVersion && b.installedVersion && a.installedVersion !== b.installedVersion) return false;
  return true;
}

function samePlace(a: Finding, b: Finding): boolean {
  if (a.kind !== b.kind || a.kind === 'vulnerability') return false;
  return a.location?.path === b.location?.path && (a.location?.startLine ?? 0) === (b.location?.startLine ?? 0);
}

function matchKey(finding: Finding): string {
  return finding.kind === 'vulnerability'
    ? `v\u0000${(finding.package ?? '').toLowerCase()}`
    : `${finding.kind}\u0000${finding.location?.path ?? ''}\u0000${finding.location?.startLine ?? 0}`;
}

/** Merges findings that describe the same issue; order follows first appearance. */
export function dedupe(findings: readonly Finding[]): Finding[] {
  const parent = findings.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  // Only findings in the same bucket (package, or kind+place) can match: keeps this near-linear.
  const buckets = new Map<string, number[]>();
  findings.forEach((finding, i) => {
    const key = matchKey(finding);
    buckets.set(key, [...(buckets.get(key) ?? []), i]);
  });
  for (const members of buckets.values()) {
    for (let x = 0; x < members.length; x++) {
      const a = findings[members[x] as number] as Finding;
      const idsA = new Set(allIds(a));
      for (let y = x + 1; y < members.length; y++) {
        const b = findings[members[y] as number] as Finding;
        if (!(samePackage(a, b) || samePlace(a, b))) continue;
        if (allIds(b).some((id) => idsA.has(id))) union(members[x] as number, members[y] as number);
      }
    }
  }

  const groups = new Map<number, Finding[]>();
  findings.forEach((finding, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), finding]);
  });
  return [...groups.values()].map(merge);
}

function merge(group: Finding[]): Finding {
  const [first, ...rest] = group as [Finding, ...Finding[]];
  if (rest.length === 0) return first;
  const { id, aliases } = primaryAndAliases(group.flatMap((f) => [f.id, ...f.aliases]));
  const cvss = group.map((f) => f.cvssScore).filter((s): s is number => s !== undefined);
  const url = group.map((f) => f.url).find((u) => u?.includes('/advisories/GHSA-')) ?? group.find((f) => f.url)?.url;
  const merged: Finding = {
    ...first,
    scanners: unique(group.flatMap((f) => f.scanners)),
    id,
    aliases,
    fixedVersions: unique(group.flatMap((f) => f.fixedVersions)),
    severity: group.map((f) => f.severity).reduce(maxSeverity),
    scannerSeverity: Object.assign({}, ...group.map((f) => f.scannerSeverity)) as Finding['scannerSeverity'],
    cwe: unique(group.flatMap((f) => f.cwe)),
    installedVersion: group.find((f) => f.installedVersion)?.installedVersion,
    location: group.find((f) => f.location?.startLine)?.location ?? first.location,
  };
  if (url) merged.url = url;
  if (cvss.length > 0) merged.cvssScore = Math.max(...cvss);
  if (merged.installedVersion === undefined) delete merged.installedVersion;
  if (merged.location === undefined) delete merged.location;
  return merged;
}
