/**
 * The node-semver behaviour docker/metadata-action relies on: `valid()`
 * (strict grammar, a leading `v` allowed) and the parsed object its patterns
 * render ({{version}}, {{major}}, {{minor}}, {{patch}}, {{prerelease}},
 * {{build}}, {{raw}}). Numeric prerelease identifiers are numbers, as there.
 */

const NUM = '0|[1-9]\\d*';
const PRE_ID = `(?:${NUM}|\\d*[a-zA-Z-][a-zA-Z0-9-]*)`;
const STRICT = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`,
);
const MAX_LENGTH = 256;

export interface SemVer {
  raw: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: (string | number)[];
  build: string[];
}

/** semver.parse: undefined when the text is not a version. */
export function parseSemver(text: string): SemVer | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const m = STRICT.exec(text.trim());
  if (!m) return undefined;
  const [, major, minor, patch, pre, build] = m;
  const prerelease = pre === undefined ? [] : pre.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id));
  const core = `${major}.${minor}.${patch}`;
  return {
    raw: text,
    version: prerelease.length > 0 ? `${core}-${prerelease.join('.')}` : core,
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    prerelease,
    build: build === undefined ? [] : build.split('.'),
  };
}

/** semver.valid: the normalised version, or undefined. */
export function validSemver(text: string): string | undefined {
  return parseSemver(text)?.version;
}
