/**
 * docker/metadata-action v6.2.0's version computation (src/meta.ts upstream):
 * each enabled tag, highest priority first, yields at most one value; the
 * first value is the version (`main`), the others `partial`; the first tag
 * that yields anything decides `latest` under latest=auto. Values get the
 * tag's (or the flavor's) prefix/suffix and are sanitised to [a-zA-Z0-9._-].
 */
import { formatDate } from './dates.js';
import type { Flavor, TagSpec } from './metadata-inputs.js';
import { cleanPep440, parsePep440, pep440Part } from './pep440.js';
import { parseSemver } from './semver.js';
import { isRawStatement, render } from './template.js';
import type { Helper, HelperOptions } from './template.js';
import { InputError } from './types.js';
import type { GitHubContext } from './types.js';

export interface Version {
  main: string | undefined;
  partial: string[];
  latest: boolean;
}

export interface MetaContext {
  github: GitHubContext;
  flavor: Flavor;
  /** DOCKER_METADATA_SHORT_SHA_LENGTH, default 7. */
  shortShaLength: number;
  warnings: string[];
}

const HEADS = /^refs\/heads\//;
const TAGS = /^refs\/tags\//;
const PULL = /^refs\/pull\//;

export function shortSha(sha: string, length: number): string {
  return length >= sha.length ? sha : sha.substring(0, length);
}

export function sanitizeTag(tag: string): string {
  return tag.replace(/[^a-zA-Z0-9._-]+/g, '-');
}

function dateHelper(date: Date): Helper {
  return (...args: unknown[]) => {
    const options = args.pop() as HelperOptions;
    let tz = 'UTC';
    for (const [key, value] of Object.entries(options.hash)) {
      if (key !== 'tz') throw new InputError(`Unknown ${key} attribute`);
      tz = typeof value === 'string' ? value : 'UTC';
    }
    return formatDate(date, typeof args[0] === 'string' ? args[0] : '', tz);
  };
}

function isDefaultBranch(github: GitHubContext): string {
  const branch = github.ref.replace(HEADS, '');
  if (branch.length === 0) return 'false';
  const repository = github.payload['repository'] as { default_branch?: string } | undefined;
  if ((repository?.default_branch ?? github.repo.defaultBranch) === branch) return 'true';
  // These events always run for the default branch's last commit.
  if (/create|discussion|issues|schedule/.test(github.eventName)) return 'true';
  return 'false';
}

/** The global expressions ({{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{is_default_branch}}, {{date}}, {{commit_date}}). */
export function globalHelpers(ctx: MetaContext): Record<string, Helper> {
  const { github } = ctx;
  const payload = github.payload as { base_ref?: string; pull_request?: { base?: { ref?: string } } };
  return {
    branch: () => (HEADS.test(github.ref) ? github.ref.replace(HEADS, '') : ''),
    tag: () => (TAGS.test(github.ref) ? github.ref.replace(TAGS, '') : ''),
    sha: () => shortSha(github.sha, ctx.shortShaLength),
    base_ref: () => {
      if (TAGS.test(github.ref) && payload.base_ref !== undefined) return payload.base_ref.replace(HEADS, '');
      if (PULL.test(github.ref) && payload.pull_request?.base?.ref !== undefined) return payload.pull_request.base.ref;
      return '';
    },
    is_default_branch: () => isDefaultBranch(github),
    is_not_default_branch: () => (isDefaultBranch(github) === 'false' ? 'true' : 'false'),
    date: dateHelper(github.now),
    commit_date: dateHelper(github.commitDate ?? github.now),
  };
}

export function globalExp(ctx: MetaContext, text: string): string {
  return render(text, {}, globalHelpers(ctx));
}

function setValue(ctx: MetaContext, value: string, tag: TagSpec): string {
  let out = value;
  if (tag.attrs['prefix'] !== undefined) out = `${globalExp(ctx, tag.attrs['prefix'])}${out}`;
  else if (ctx.flavor.prefix.length > 0) out = `${globalExp(ctx, ctx.flavor.prefix)}${out}`;
  if (tag.attrs['suffix'] !== undefined) out = `${out}${globalExp(ctx, tag.attrs['suffix'])}`;
  else if (ctx.flavor.suffix.length > 0) out = `${out}${globalExp(ctx, ctx.flavor.suffix)}`;
  return out;
}

type Produced = { value: string; latest: boolean } | undefined;

function autoLatest(ctx: MetaContext, whenAuto: boolean): boolean {
  return ctx.flavor.latest === 'auto' ? whenAuto : ctx.flavor.latest === 'true';
}

/** The tag's input text: its `value` attribute, else the Git tag of a tag ref; undefined when neither. */
function versionSource(ctx: MetaContext, tag: TagSpec): string | undefined {
  const value = tag.attrs['value'] ?? '';
  if (!TAGS.test(ctx.github.ref) && value.length === 0) return undefined;
  return value.length > 0 ? globalExp(ctx, value) : ctx.github.ref.replace(TAGS, '');
}

function applyMatch(ctx: MetaContext, tag: TagSpec, raw: string): string {
  const match = tag.attrs['match'] ?? '';
  if (match.length === 0) return raw;
  const m = raw.match(new RegExp(match));
  if (!m) {
    ctx.warnings.push(`${match} does not match ${raw}.`);
    return raw;
  }
  return m[1] as string;
}

function procSemver(ctx: MetaContext, tag: TagSpec): Produced {
  const source = versionSource(ctx, tag);
  if (source === undefined) return undefined;
  const raw = applyMatch(ctx, tag, source).replace(/\//g, '-');
  const sver = parseSemver(raw);
  if (!sver) {
    ctx.warnings.push(`${raw} is not a valid semver. More info: https://semver.org/`);
    return undefined;
  }
  const pattern = tag.attrs['pattern'] as string;
  // A prerelease only ever gets its full version (or {{raw}}), and never `latest`.
  if (sver.prerelease.length > 0) {
    return {
      value: setValue(ctx, render(isRawStatement(pattern) ? pattern : '{{version}}', { ...sver }), tag),
      latest: autoLatest(ctx, false),
    };
  }
  return { value: setValue(ctx, render(pattern, { ...sver }), tag), latest: autoLatest(ctx, true) };
}

function procPep440(ctx: MetaContext, tag: TagSpec): Produced {
  const source = versionSource(ctx, tag);
  if (source === undefined) return undefined;
  const raw = applyMatch(ctx, tag, source).replace(/\//g, '-');
  const parsed = parsePep440(raw);
  if (!parsed) {
    ctx.warnings.push(`${raw} does not conform to PEP 440. More info: https://www.python.org/dev/peps/pep-0440`);
    return undefined;
  }
  const pattern = tag.attrs['pattern'] as string;
  const clean = cleanPep440(raw) as string;
  if (parsed.isPrerelease || parsed.isPostrelease || parsed.isDevrelease) {
    return { value: setValue(ctx, isRawStatement(pattern) ? raw : clean, tag), latest: autoLatest(ctx, false) };
  }
  const data = {
    raw: () => raw,
    version: () => clean,
    major: () => pep440Part(raw, 0),
    minor: () => pep440Part(raw, 1),
    patch: () => pep440Part(raw, 2),
  };
  return { value: setValue(ctx, render(pattern, data), tag), latest: autoLatest(ctx, true) };
}

function procMatch(ctx: MetaContext, tag: TagSpec): Produced {
  const source = versionSource(ctx, tag);
  if (source === undefined) return undefined;
  const pattern = tag.attrs['pattern'] as string;
  const literal = /^\/(.+)\/(.*)$/.exec(pattern);
  const m = literal ? source.match(new RegExp(literal[1] as string, literal[2])) : source.match(new RegExp(pattern));
  if (!m) {
    ctx.warnings.push(`${pattern} does not match ${source}.`);
    return undefined;
  }
  const group = m[Number(tag.attrs['group'])];
  if (group === undefined) {
    ctx.warnings.push(`Group ${tag.attrs['group']} does not exist for ${pattern} pattern.`);
    return undefined;
  }
  return { value: setValue(ctx, group, tag), latest: autoLatest(ctx, true) };
}

function procRef(ctx: MetaContext, tag: TagSpec): Produced {
  const { ref } = ctx.github;
  switch (tag.attrs['event']) {
    case 'branch':
      return HEADS.test(ref)
        ? { value: setValue(ctx, ref.replace(HEADS, ''), tag), latest: autoLatest(ctx, false) }
        : undefined;
    case 'tag':
      return TAGS.test(ref)
        ? { value: setValue(ctx, ref.replace(TAGS, ''), tag), latest: autoLatest(ctx, true) }
        : undefined;
    default:
      return PULL.test(ref)
        ? { value: setValue(ctx, ref.replace(PULL, '').replace(/\/merge$/, ''), tag), latest: autoLatest(ctx, false) }
        : undefined;
  }
}

function procEdge(ctx: MetaContext, tag: TagSpec): Produced {
  if (!HEADS.test(ctx.github.ref)) return undefined;
  const branch = (tag.attrs['branch'] ?? '') || ctx.github.repo.defaultBranch;
  if (branch !== ctx.github.ref.replace(HEADS, '')) return undefined;
  return { value: setValue(ctx, 'edge', tag), latest: autoLatest(ctx, false) };
}

function procSchedule(ctx: MetaContext, tag: TagSpec): Produced {
  if (!/schedule/.test(ctx.github.eventName)) return undefined;
  const value = render(
    tag.attrs['pattern'] as string,
    {},
    { date: dateHelper(ctx.github.now), commit_date: dateHelper(ctx.github.commitDate ?? ctx.github.now) },
  );
  return { value: setValue(ctx, value, tag), latest: autoLatest(ctx, false) };
}

function procSha(ctx: MetaContext, tag: TagSpec): Produced {
  if (!ctx.github.sha) return undefined;
  const sha = tag.attrs['format'] === 'short' ? shortSha(ctx.github.sha, ctx.shortShaLength) : ctx.github.sha;
  return { value: setValue(ctx, sha, tag), latest: autoLatest(ctx, false) };
}

function produce(ctx: MetaContext, tag: TagSpec): Produced {
  switch (tag.type) {
    case 'schedule':
      return procSchedule(ctx, tag);
    case 'semver':
      return procSemver(ctx, tag);
    case 'pep440':
      return procPep440(ctx, tag);
    case 'match':
      return procMatch(ctx, tag);
    case 'ref':
      return procRef(ctx, tag);
    case 'edge':
      return procEdge(ctx, tag);
    case 'raw':
      return {
        value: setValue(ctx, globalExp(ctx, tag.attrs['value'] as string), tag),
        latest: autoLatest(ctx, false),
      };
    case 'sha':
      return procSha(ctx, tag);
  }
}

/** The version: main, partials (de-duplicated, in order) and whether `latest` is added. */
export function computeVersion(ctx: MetaContext, tags: TagSpec[]): Version {
  const version: Version = { main: undefined, partial: [], latest: false };
  let latest: boolean | undefined;
  for (const tag of tags) {
    const enabled = globalExp(ctx, tag.attrs['enable'] as string);
    if (!['true', 'false'].includes(enabled))
      throw new InputError(`Invalid value for enable attribute: ${enabled} (in ${tag.source}; accepted: true, false)`);
    if (enabled !== 'true') continue;
    const produced = produce(ctx, tag);
    if (produced === undefined || produced.value.length === 0) continue;
    const value = sanitizeTag(produced.value);
    if (version.main === undefined) version.main = value;
    else if (value !== version.main) version.partial.push(value);
    latest ??= produced.latest;
  }
  version.partial = version.partial.filter((item, index) => version.partial.indexOf(item) === index);
  version.latest = latest ?? false;
  return version;
}
