/**
 * Finding and parsing manifests. `parseManifest` is pure: it turns the text
 * of one file into objects, each tagged with its file, document index and
 * line, and reports every problem with that position.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ActionError, isInside, isRecord, plural, printable } from '@pipeline/action-kit';
import type { KubeObject } from './objects.js';

export interface SourcedObject {
  object: KubeObject;
  /** Path as shown to the user (relative to the workspace). */
  file: string;
  /** 1-based document index within the file. */
  document: number;
  /** 1-based line where the document starts. */
  line: number;
}

export interface ManifestProblem {
  file: string;
  document: number;
  line: number;
  message: string;
}

export class ManifestError extends ActionError {
  override readonly name = 'ManifestError';
  constructor(readonly problems: readonly ManifestProblem[]) {
    super(
      `${plural(problems.length, 'manifest problem')}; nothing was applied:\n` +
        problems.map((p) => `  ${p.file} (document ${p.document}, line ${p.line}): ${p.message}`).join('\n'),
    );
  }
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses one file's text (YAML or JSON, multi-document, `kind: List` expanded). */
export function parseManifest(text: string, file: string): { objects: SourcedObject[]; problems: ManifestProblem[] } {
  const objects: SourcedObject[] = [];
  const problems: ManifestProblem[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const document = i + 1;
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    const line = lineAt(start);
    const problem = (message: string, at = line): void => void problems.push({ file, document, line: at, message });
    if (doc.errors.length > 0) {
      for (const error of doc.errors)
        problem(`invalid YAML: ${error.message.split('\n')[0] ?? ''}`, lineAt(error.pos[0]));
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error: unknown) {
      // An alias bomb (each alias expanding the one before) stops here, by file and document.
      const reason = error instanceof Error ? error.message : String(error);
      problem(`cannot be expanded: ${reason} (at most 100 aliases are expanded per document)`);
      return;
    }
    if (value === null || value === undefined) return; // empty document (e.g. a trailing ---)
    const items =
      isRecord(value) &&
      typeof value['kind'] === 'string' &&
      value['kind'].endsWith('List') &&
      Array.isArray(value['items'])
        ? (value['items'] as unknown[])
        : [value];
    items.forEach((item, index) => {
      const where = items.length > 1 || item !== value ? ` (item ${index + 1} of the list)` : '';
      const checked = checkObject(item);
      if (typeof checked === 'string') problem(`${checked}${where}`);
      else objects.push({ object: checked, file, document, line });
    });
  });
  return { objects, problems };
}

/** Checks the minimum shape of an object; returns it typed or a message. */
export function checkObject(value: unknown): KubeObject | string {
  if (!isRecord(value))
    return 'a document must be a mapping (an object), not ' + (Array.isArray(value) ? 'a list' : typeof value);
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') return 'apiVersion is missing';
  if (typeof kind !== 'string' || kind === '') return 'kind is missing';
  if (!isRecord(metadata)) return `${kind}: metadata is missing`;
  if (typeof metadata['generateName'] === 'string' && metadata['name'] === undefined) {
    return `${kind}: metadata.generateName cannot be used with apply; give metadata.name`;
  }
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') return `${kind}: metadata.name is missing`;
  if (name.length > 253 || !NAME.test(name))
    return `${kind}/${name}: metadata.name must be lowercase letters, digits, '-' or '.', starting and ending with a letter or digit`;
  if (metadata['namespace'] !== undefined && typeof metadata['namespace'] !== 'string')
    return `${kind}/${name}: metadata.namespace must be a string`;
  for (const field of ['labels', 'annotations']) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isRecord(map)) return `${kind}/${name}: metadata.${field} must be a mapping`;
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string')
        return `${kind}/${name}: metadata.${field}.${k} must be a string (quote it: "${String(v)}")`;
    }
  }
  return value as KubeObject;
}

export interface ExpandedFiles {
  files: string[];
  /** Patterns that matched no file. */
  unmatched: string[];
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/** Expands files, directories (recursively: *.yaml, *.yml, *.json) and glob patterns, relative to `workspace`. */
export async function expandManifestPaths(
  patterns: readonly string[],
  workspace: string,
  allowOutside = false,
): Promise<ExpandedFiles> {
  const glob = await import('@actions/glob');
  const files: string[] = [];
  const seen = new Set<string>();
  const unmatched: string[] = [];
  const add = (file: string): void => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  for (const pattern of patterns) {
    const absolute = path.resolve(workspace, pattern);
    const info = await stat(absolute).catch(() => undefined);
    let matched: string[];
    if (info?.isFile()) {
      matched = [absolute];
    } else if (info?.isDirectory()) {
      const globber = await glob.create(path.join(absolute, '**'), {
        matchDirectories: false,
        followSymbolicLinks: allowOutside,
      });
      matched = (await globber.glob()).filter((f) => MANIFEST_EXTENSIONS.test(f)).sort();
    } else {
      const globber = await glob.create(absolute.replace(/\\/g, '/'), {
        matchDirectories: false,
        followSymbolicLinks: allowOutside,
      });
      matched = (await globber.glob()).sort();
    }
    if (matched.length === 0) unmatched.push(pattern);
    matched.forEach(add);
  }
  return { files, unmatched };
}

/** A committed symlink to a file outside the workspace is refused like the path itself. */
async function requireInside(files: readonly string[], workspace: string): Promise<void> {
  const root = await realpath(workspace).catch(() => workspace);
  for (const file of files) {
    const real = await realpath(file).catch(() => file);
    if (!isInside(root, real))
      throw new ActionError(
        `Input 'manifests': ${printable(path.relative(workspace, file))} resolves to ${printable(real)}, outside the workspace (${workspace}). Expected manifests inside the workspace; set allow-outside-workspace: true to allow others.`,
      );
  }
}

/** Reads and parses every file; throws ManifestError listing every problem at once. */
export async function loadManifests(
  patterns: readonly string[],
  workspace: string,
  allowOutside = false,
): Promise<SourcedObject[]> {
  const { files, unmatched } = await expandManifestPaths(patterns, workspace, allowOutside);
  if (!allowOutside) await requireInside(files, workspace);
  if (unmatched.length > 0) {
    throw new ActionError(
      `Input 'manifests': ${unmatched.map((p) => JSON.stringify(p)).join(', ')} matched no file (relative to ${workspace}). Expected files, directories or glob patterns of YAML/JSON manifests, one per line.`,
    );
  }
  const objects: SourcedObject[] = [];
  const problems: ManifestProblem[] = [];
  for (const file of files) {
    const shown = path.relative(workspace, file) || file;
    const parsed = parseManifest(await readFile(file, 'utf8'), shown);
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  if (problems.length > 0) throw new ManifestError(problems);
  if (objects.length === 0)
    throw new ActionError(`Input 'manifests': the files ${files.join(', ')} contain no Kubernetes objects.`);
  return objects;
}
