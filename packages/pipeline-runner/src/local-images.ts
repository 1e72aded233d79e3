/**
 * Outputs that name an image the run pushed under a local name: the report
 * shows the pullable local reference (ghcr.io/o/r@sha256:… →
 * 127.0.0.1:5000/o/r@sha256:…) and says that it is local.
 */
import type { ImageMapping } from './emulations/docker/index.js';

/** The repository part of a reference: everything before the tag or digest. */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const bare = at >= 0 ? ref.slice(0, at) : ref;
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(0, colon) : bare;
}

/** The local name of an image reference the run pushed under one (same tag or digest), else undefined. */
export function localImageRef(ref: string, mappings: readonly ImageMapping[]): string | undefined {
  const repos = new Map(mappings.map((m) => [repositoryOf(m.from), repositoryOf(m.to)]));
  const repo = repositoryOf(ref);
  const local = repos.get(repo);
  const rest = ref.slice(repo.length);
  return local && (rest.startsWith('@') || rest.startsWith(':')) ? `${local}${rest}` : undefined;
}

/** Each output value naming a mapped image, rewritten to its local name; a note per rewrite. */
export function localizeImageOutputs(
  outputs: Record<string, string>,
  mappings: readonly ImageMapping[],
): { outputs: Record<string, string>; notes: string[] } {
  const notes: string[] = [];
  const rewritten = Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => {
      const local = localImageRef(value, mappings);
      if (!local) return [name, value];
      notes.push(
        `output ${name} is local: ${local} in the project's registry (the workflow named it ${value}; nothing was pushed there).`,
      );
      return [name, local];
    }),
  );
  return { outputs: rewritten, notes };
}
