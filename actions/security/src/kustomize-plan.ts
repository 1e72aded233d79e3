/**
 * Which kustomize directories to render before Trivy scans them, and which
 * files to leave out of the plain file scan. Pure.
 *
 * Why: Trivy checks every YAML file on its own. A strategic-merge patch is a
 * fragment (a Deployment with only `resources`, say), so it "misses" the
 * securityContext its base sets, and an overlay-only repository fails the
 * gate on findings that are not in anything deployed. The rendered output of
 * each top-level kustomization is what `kubectl apply -k` would send.
 */
import path from 'node:path';

export interface KustomizationFile {
  /** The directory, relative to the scanned directory, with forward slashes ('.' for itself). */
  dir: string;
  /** kustomization.yaml, kustomization.yml or Kustomization. */
  file: string;
  /** The parsed document (anything YAML gives). */
  doc: unknown;
}

export interface KustomizePlan {
  /** Kustomizations no other one includes: rendered and scanned as a whole. */
  roots: KustomizationFile[];
  /** Files inside the scanned directory that a kustomization names (patches, resources): not scanned alone. */
  skipFiles: string[];
}

type Doc = Record<string, unknown>;

const isDoc = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** `path:` of each entry of a list of objects (patches, patchesJson6902). */
function paths(value: unknown): string[] {
  return Array.isArray(value) ? value.filter(isDoc).flatMap((entry) => texts([entry['path']])) : [];
}

/** Every local reference of one kustomization, as written (remote and inline ones are left out). */
export function references(doc: unknown): { dirsOrFiles: string[]; files: string[] } {
  if (!isDoc(doc)) return { dirsOrFiles: [], files: [] };
  const local = (ref: string): boolean => !/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && !/^(github\.com|git@)/.test(ref);
  // An entry of patchesStrategicMerge may be the patch itself (YAML text) rather than a file name.
  const strategic = texts(doc['patchesStrategicMerge']).filter((ref) => !ref.includes('\n'));
  return {
    dirsOrFiles: [...texts(doc['resources']), ...texts(doc['bases']), ...texts(doc['components'])].filter(local),
    files: [...paths(doc['patches']), ...paths(doc['patchesJson6902']), ...strategic, ...texts(doc['crds'])].filter(
      local,
    ),
  };
}

/** A reference resolved against its kustomization's directory; undefined when it leaves the scanned directory. */
function resolve(dir: string, ref: string): string | undefined {
  const joined = path.posix.normalize(path.posix.join(dir, ref)).replace(/\/+$/, '');
  if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined)) return undefined;
  return joined === '' ? '.' : joined;
}

export function planKustomize(files: readonly KustomizationFile[]): KustomizePlan {
  const byDir = new Map(files.map((file) => [file.dir, file]));
  const included = new Set<string>();
  const skip = new Set<string>();
  for (const file of files) {
    const refs = references(file.doc);
    for (const ref of refs.dirsOrFiles) {
      const target = resolve(file.dir, ref);
      if (target === undefined) continue;
      if (byDir.has(target)) included.add(target);
      else if (/\.(ya?ml|json)$/i.test(target)) skip.add(target);
    }
    for (const ref of refs.files) {
      const target = resolve(file.dir, ref);
      if (target !== undefined) skip.add(target);
    }
  }
  const component = (file: KustomizationFile): boolean => isDoc(file.doc) && file.doc['kind'] === 'Component';
  return {
    roots: files
      .filter((file) => !included.has(file.dir) && !component(file))
      .sort((a, b) => a.dir.localeCompare(b.dir)),
    skipFiles: [...skip].sort(),
  };
}
