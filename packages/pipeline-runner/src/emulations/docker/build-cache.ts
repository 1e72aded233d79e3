/**
 * cache-from / cache-to entries for a local build. `type=gha` needs GitHub's
 * cache service, so it becomes a BuildKit local cache under the project's
 * cache directory, one directory per gha `scope`. BuildKit's local exporter
 * never deletes old blobs from its destination, so the export goes to
 * `<dir>.new` and replaces `<dir>` only after a successful build (the
 * documented move workaround); an import whose directory has no index.json
 * yet is left out. Registry caches follow the image mapping.
 */
import path from 'node:path';
import { parseCsv, splitFirst } from './inputs.js';
import { mapImage } from './registry-mapping.js';
import type { Redirects } from './registry-mapping.js';
import type { ImageMapping } from './types.js';

export interface CacheEntry {
  type: string;
  attrs: [string, string][];
}

export interface CacheMove {
  from: string;
  to: string;
}

export interface CachePlan {
  args: string[];
  /** Directories to swap after a successful build. */
  moves: CacheMove[];
  notes: string[];
  mappings: ImageMapping[];
}

/** Attributes gha understands that a local cache has no use for. */
const GHA_ONLY = new Set(['scope', 'url', 'url_v2', 'token', 'timeout', 'repository', 'ghtoken', 'version']);
const SAAS_TYPES = new Set(['s3', 'azblob']);

export function parseCacheEntry(entry: string): CacheEntry {
  const record = parseCsv(entry)[0] ?? [];
  const parsed: CacheEntry = { type: 'registry', attrs: [] };
  for (const field of record) {
    const parts = splitFirst(field.trim());
    // A lone value is a registry ref, as in buildx.
    if (parts.length === 1) parsed.attrs.push(['ref', parts[0]]);
    else if (parts[0] === 'type') parsed.type = parts[1];
    else parsed.attrs.push([parts[0], parts[1]]);
  }
  return parsed;
}

function serialize(entry: CacheEntry): string {
  const quote = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [`type=${entry.type}`, ...entry.attrs.map(([k, v]) => quote(`${k}=${v}`))].join(',');
}

export function ghaScopeDir(cacheDir: string, entry: CacheEntry): string {
  const scope = entry.attrs.find(([k]) => k === 'scope')?.[1] ?? 'buildkit';
  return path.join(cacheDir, scope.replace(/[^A-Za-z0-9._-]+/g, '-'));
}

/** The local directories `type=gha` imports would read (to check for index.json first). */
export function ghaImportDirs(cacheFrom: readonly string[], cacheDir: string): string[] {
  return cacheFrom
    .map(parseCacheEntry)
    .filter((e) => e.type === 'gha')
    .map((e) => ghaScopeDir(cacheDir, e));
}

function mapRegistryRef(
  entry: CacheEntry,
  registry: string,
  redirects: Redirects,
  mappings: ImageMapping[],
): CacheEntry {
  return {
    type: entry.type,
    attrs: entry.attrs.map(([k, v]): [string, string] => {
      if (k !== 'ref') return [k, v];
      const m = mapImage(v, registry, redirects);
      if (m.from !== m.to) mappings.push(m);
      return [k, m.to];
    }),
  };
}

function localFromGha(entry: CacheEntry, dir: string, direction: 'from' | 'to'): CacheEntry {
  const kept = entry.attrs.filter(([k]) => !GHA_ONLY.has(k));
  const location: [string, string] = direction === 'from' ? ['src', dir] : ['dest', `${dir}.new`];
  return { type: 'local', attrs: [location, ...kept] };
}

/** The --cache-from/--cache-to flags for the local builder. `existing`: directories whose index.json exists. */
export interface CacheTarget {
  cacheDir: string;
  registry: string;
  redirects: Redirects;
}

export function planCache(
  cacheFrom: readonly string[],
  cacheTo: readonly string[],
  target: CacheTarget,
  existing: ReadonlySet<string>,
): CachePlan {
  const { cacheDir, registry, redirects } = target;
  const plan: CachePlan = { args: [], moves: [], notes: [], mappings: [] };
  const each = (entries: readonly string[], flag: '--cache-from' | '--cache-to'): void => {
    for (const raw of entries) {
      const entry = parseCacheEntry(raw);
      if (entry.type === 'gha') {
        const dir = ghaScopeDir(cacheDir, entry);
        if (flag === '--cache-from' && !existing.has(dir)) {
          plan.notes.push(`cache-from ${raw}: no local cache in ${dir} yet (first build), not imported`);
          continue;
        }
        const local = localFromGha(entry, dir, flag === '--cache-from' ? 'from' : 'to');
        if (flag === '--cache-to') plan.moves.push({ from: `${dir}.new`, to: dir });
        plan.notes.push(
          `emulated: ${flag.slice(2)} ${raw} → ${serialize(local)} (GitHub's cache service is not reachable locally)`,
        );
        plan.args.push(flag, serialize(local));
      } else if (SAAS_TYPES.has(entry.type)) {
        plan.notes.push(`${flag.slice(2)} ${raw}: ${entry.type} needs a cloud service; left out of the local build`);
      } else if (entry.type === 'registry') {
        plan.args.push(flag, serialize(mapRegistryRef(entry, registry, redirects, plan.mappings)));
      } else plan.args.push(flag, raw);
    }
  };
  each(cacheFrom, '--cache-from');
  each(cacheTo, '--cache-to');
  return plan;
}
