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

/** Each output value naming a mapped image, rewritten to its local name; a note per rewrite. */
export function localizeImageOutputs(
  outputs: Record<string, string>,
  mappings: readonly ImageMapping[],
): { outputs: Record<string, string>; notes: string[] } {
  const repos = new Map(mappings.map((m) => [repositoryOf(m.from), repositoryOf(m.to)]));
  const notes: string[] = [];
  const rewritten = Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => {
      const repo = repositoryOf(value);
      const local = repos.get(repo);
      const rest = value.slice(repo.length);
      if (!local || !(rest.startsWith('@') || rest.startsWith(':'))) return [name, value];
      notes.push(
        `output ${name} is local: ${local}${rest} in the project's registry (the workflow named it ${value}; nothing was pushed there).`,
      );
      return [name, `${local}${rest}`];
    }),
  );
  return { outputs: rewritten, notes };
}
