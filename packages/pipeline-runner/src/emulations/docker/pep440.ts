/**
 * PEP 440 versions as docker/metadata-action's type=pep440 uses them
 * (@renovate/pep440 valid/explain/clean/major/minor/patch): the grammar of
 * the PEP's appendix, normalised the way the PEP specifies (rc/a/b letters,
 * `.postN`, `.devN`, local part with dots).
 */

const PATTERN = new RegExp(
  '^\\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

export interface Pep440 {
  epoch: number;
  release: number[];
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: string;
  isPrerelease: boolean;
  isPostrelease: boolean;
  isDevrelease: boolean;
}

function preLetter(letter: string): string {
  const l = letter.toLowerCase();
  if (l === 'alpha' || l === 'a') return 'a';
  if (l === 'beta' || l === 'b') return 'b';
  return 'rc';
}

export function parsePep440(text: string): Pep440 | undefined {
  const m = PATTERN.exec(text);
  const g = m?.groups;
  if (!g) return undefined;
  const version: Pep440 = {
    epoch: Number(g['epoch'] ?? 0),
    release: (g['release'] as string).split('.').map(Number),
    isPrerelease: g['pre'] !== undefined || g['dev'] !== undefined,
    isPostrelease: g['post'] !== undefined,
    isDevrelease: g['dev'] !== undefined,
  };
  if (g['pre'] !== undefined) version.pre = [preLetter(g['pre_l'] as string), Number(g['pre_n'] ?? 0)];
  if (g['post'] !== undefined) version.post = Number(g['post_n1'] ?? g['post_n2'] ?? 0);
  if (g['dev'] !== undefined) version.dev = Number(g['dev_n'] ?? 0);
  if (g['local'] !== undefined) version.local = g['local'].toLowerCase().replace(/[-_]/g, '.');
  return version;
}

/** The normalised form (`clean`), or undefined when the text is not PEP 440. */
export function cleanPep440(text: string): string | undefined {
  const v = parsePep440(text);
  if (!v) return undefined;
  let out = v.epoch !== 0 ? `${v.epoch}!` : '';
  out += v.release.join('.');
  if (v.pre) out += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local !== undefined) out += `+${v.local}`;
  return out;
}

export function pep440Part(text: string, index: 0 | 1 | 2): number {
  return parsePep440(text)?.release[index] ?? 0;
}
