/**
 * docker/metadata-action v6.2.0's input grammars (src/tag.ts, src/flavor.ts,
 * src/image.ts upstream): each `tags` line is a CSV record of
 * `type=...,attr=value` fields with per-type defaults and priorities, sorted
 * by priority (stable); `flavor` sets latest/prefix/suffix; `images` is
 * either a comma list of names or one `name=...,enable=...` record a line.
 */
import { parseCsv, splitFirst } from './inputs.js';
import { InputError } from './types.js';

export const TAG_TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const;
export type TagType = (typeof TAG_TYPES)[number];
export const REF_EVENTS = ['branch', 'tag', 'pr'] as const;

export const DEFAULT_PRIORITIES: Record<TagType, string> = {
  schedule: '1000',
  semver: '900',
  pep440: '900',
  match: '800',
  edge: '700',
  ref: '600',
  raw: '200',
  sha: '100',
};

export interface TagSpec {
  type: TagType;
  attrs: Record<string, string>;
  /** The line as written, for error messages. */
  source: string;
}

export interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  prefixLatest: boolean;
  suffix: string;
  suffixLatest: boolean;
}

export interface ImageSpec {
  name: string;
  enable: boolean;
}

const has = (attrs: Record<string, string>, key: string): boolean => Object.prototype.hasOwnProperty.call(attrs, key);

function firstRecord(line: string): string[] {
  return parseCsv(line)[0] ?? [];
}

function applyTypeDefaults(tag: TagSpec): void {
  const { attrs, source } = tag;
  const need = (key: string): void => {
    if (!has(attrs, key)) throw new InputError(`Missing ${key} attribute for ${source}`);
  };
  const fill = (key: string, value: string): void => {
    if (!has(attrs, key)) attrs[key] = value;
  };
  switch (tag.type) {
    case 'schedule':
      fill('pattern', 'nightly');
      break;
    case 'semver':
    case 'pep440':
      need('pattern');
      fill('value', '');
      fill('match', '');
      break;
    case 'match':
      need('pattern');
      fill('group', '0');
      if (Number.isNaN(Number(attrs['group']))) throw new InputError(`Invalid match group for ${source}`);
      fill('value', '');
      break;
    case 'edge':
      fill('branch', '');
      break;
    case 'ref':
      need('event');
      if (!(REF_EVENTS as readonly string[]).includes(attrs['event'] as string)) {
        throw new InputError(`Invalid event for ${source} (accepted: ${REF_EVENTS.join(', ')})`);
      }
      if (attrs['event'] === 'pr') fill('prefix', 'pr-');
      break;
    case 'raw':
      need('value');
      break;
    case 'sha':
      fill('prefix', 'sha-');
      fill('format', 'short');
      if (!['short', 'long'].includes(attrs['format'] as string))
        throw new InputError(`Invalid format for ${source} (accepted: short, long)`);
      break;
  }
}

/** One `tags` line (upstream Parse). */
export function parseTag(line: string): TagSpec {
  const tag: TagSpec = { type: 'raw', attrs: {}, source: line };
  let typed = false;
  for (const field of firstRecord(line)) {
    const parts = splitFirst(field);
    if (parts.length === 1) {
      tag.attrs['value'] = parts[0];
      continue;
    }
    const key = parts[0].toLowerCase();
    if (key === 'type') {
      if (!(TAG_TYPES as readonly string[]).includes(parts[1])) {
        throw new InputError(`Unknown tag type attribute: ${parts[1]} (in ${line}; accepted: ${TAG_TYPES.join(', ')})`);
      }
      tag.type = parts[1] as TagType;
      typed = true;
    } else tag.attrs[key] = parts[1];
  }
  if (!typed) tag.type = 'raw';
  applyTypeDefaults(tag);
  if (!has(tag.attrs, 'enable')) tag.attrs['enable'] = 'true';
  if (!has(tag.attrs, 'priority')) tag.attrs['priority'] = DEFAULT_PRIORITIES[tag.type];
  return tag;
}

/** All `tags` lines, defaulted when empty, sorted by priority (highest first, stable). */
export function parseTags(lines: string[]): TagSpec[] {
  const input =
    lines.length > 0 ? lines : ['type=schedule', 'type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];
  return input.map(parseTag).sort((a, b) => Number(b.attrs['priority']) - Number(a.attrs['priority']) || 0);
}

/** The `flavor` lines (upstream flavor.ts Transform). */
export function parseFlavor(lines: string[]): Flavor {
  const flavor: Flavor = { latest: 'auto', prefix: '', prefixLatest: false, suffix: '', suffixLatest: false };
  for (const line of lines) {
    let onLatestFor = '';
    for (const field of firstRecord(line)) {
      const parts = field.split('=').map((item) => item.trim());
      if (parts.length === 1) throw new InputError(`Invalid flavor entry: ${line}`);
      const key = (parts[0] as string).toLowerCase();
      const value = parts[1] as string;
      if (key === 'latest') {
        if (!['auto', 'true', 'false'].includes(value))
          throw new InputError(`Invalid latest flavor entry: ${line} (accepted: latest=auto|true|false)`);
        flavor.latest = value as Flavor['latest'];
      } else if (key === 'prefix' || key === 'suffix') {
        flavor[key] = value;
        onLatestFor = key;
      } else if (key === 'onlatest') {
        if (!['true', 'false'].includes(value))
          throw new InputError(`Invalid value for onlatest attribute: ${value} (accepted: true, false)`);
        if (onLatestFor === 'prefix') flavor.prefixLatest = value === 'true';
        if (onLatestFor === 'suffix') flavor.suffixLatest = value === 'true';
      } else throw new InputError(`Unknown flavor entry: ${line} (accepted: latest, prefix, suffix, onlatest)`);
    }
  }
  return flavor;
}

function parseImageRecord(line: string): ImageSpec {
  const image: ImageSpec = { name: '', enable: true };
  for (const field of firstRecord(line)) {
    const parts = field.split('=').map((item) => item.trim());
    if (parts.length === 1) {
      image.name = parts[0] as string;
      continue;
    }
    const key = (parts[0] as string).toLowerCase();
    if (key === 'name') image.name = parts[1] as string;
    else if (key === 'enable') {
      if (!['true', 'false'].includes(parts[1] as string))
        throw new InputError(`Invalid enable attribute value: ${line} (accepted: true, false)`);
      image.enable = parts[1] === 'true';
    } else throw new InputError(`Unknown image attribute: ${line} (accepted: name, enable)`);
  }
  if (image.name.length === 0) throw new InputError(`Image name attribute empty: ${line}`);
  return image;
}

/** The `images` lines (upstream image.ts Transform, including the old comma-list form). */
export function parseImages(lines: string[]): ImageSpec[] {
  if (lines.length === 1) {
    const fields = firstRecord(lines[0] as string).map((f) => f.split('=').map((item) => item.trim()));
    if (fields.every((parts) => parts.length === 1))
      return fields.map((parts) => ({ name: parts[0] as string, enable: true }));
  }
  return lines.map(parseImageRecord);
}
