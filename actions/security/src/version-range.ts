/**
 * Just enough of npm's semver ranges to tell which installed versions an
 * advisory's `vulnerable_versions` covers. Advisory ranges are comparator sets
 * of exact versions (">=4.0.0 <4.17.21", "<=4.17.23", "<1.2.6 || >=2.0.0 <2.0.3",
 * "*"), which is all this handles; anything else is answered `undefined`
 * (unknown), and the caller then treats the version as affected.
 * Tested against the semver package itself.
 */

interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ? match[4].split('.') : [],
  };
}

function compareIdentifiers(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  if (numeric.test(a)) return -1;
  if (numeric.test(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

const COMPARATOR = /^(<=|>=|<|>|=)?\s*(v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/**
 * True when `version` is in `range`, false when not, undefined when either
 * cannot be read. Prereleases are compared by precedence (like semver's
 * includePrerelease), which is what advisories about prereleases mean.
 */
export function inRange(version: string, range: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v) return undefined;
  const sets = range.split('||').map((set) => set.trim());
  let unknown = false;
  for (const set of sets) {
    if (set === '' || set === '*' || set === 'x') return true;
    // Join an operator separated from its version by spaces ("< 1.2.3").
    const parts = set.replace(/(<=|>=|<|>|=)\s+/g, '$1').split(/\s+/);
    let all = true;
    for (const part of parts) {
      const match = COMPARATOR.exec(part);
      const bound = match ? parseVersion(match[2] as string) : undefined;
      if (!match || !bound) {
        unknown = true;
        all = false;
        break;
      }
      const c = compareVersions(v, bound);
      const ok = { '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0, '=': c === 0, '': c === 0 }[match[1] ?? ''];
      if (!ok) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return unknown ? undefined : false;
}
