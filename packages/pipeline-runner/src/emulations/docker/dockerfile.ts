/**
 * The base images a Dockerfile pulls (its FROM lines, with global ARG
 * defaults and build-args substituted, stage names and `scratch` left out),
 * so the report can say which ones the local builder resolved to a local
 * stand-in instead of the public image.
 */
import { parseReference } from './registry-mapping.js';

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*#/.test(raw) && current === '') continue;
    if (raw.endsWith('\\')) {
      current += `${raw.slice(0, -1)} `;
      continue;
    }
    lines.push(current + raw);
    current = '';
  }
  if (current !== '') lines.push(current);
  return lines;
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const value = vars[name];
      return value !== undefined && value !== '' ? value : (fallback ?? '');
    },
  );
}

/** The external images of the FROM lines, in order, without duplicates. */
export function baseImages(dockerfile: string, buildArgs: Record<string, string> = {}): string[] {
  const globals: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  for (const line of logicalLines(dockerfile)) {
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instruction = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (instruction === 'ARG' && !seenFrom) {
      for (const decl of args.split(/\s+/)) {
        const [name, ...rest] = decl.split('=');
        if (!name) continue;
        globals[name] = buildArgs[name] ?? (rest.length > 0 ? rest.join('=').replace(/^"(.*)"$/, '$1') : '');
      }
    }
    if (instruction !== 'FROM') continue;
    seenFrom = true;
    const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const image = substitute(words[0] ?? '', { ...globals });
    const alias = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
    if (
      image !== '' &&
      image.toLowerCase() !== 'scratch' &&
      !stages.has(image.toLowerCase()) &&
      !images.includes(image)
    )
      images.push(image);
    if (alias) stages.add(alias.toLowerCase());
  }
  return images;
}

/** docker.io/library/node:24 for node:24, with :latest when no tag or digest is given. */
export function normalizeImage(ref: string): string {
  try {
    const parsed = parseReference(ref);
    const suffix = parsed.digest ? `@${parsed.digest}` : `:${parsed.tag ?? 'latest'}`;
    return `${parsed.domain}/${parsed.path}${parsed.tag && parsed.digest ? `:${parsed.tag}` : ''}${suffix}`;
  } catch {
    return ref;
  }
}

/** The base images that are local stand-ins (by normalised name and tag). */
export function standInsUsed(images: readonly string[], standIns: readonly string[]): string[] {
  const known = new Set(standIns.map(normalizeImage));
  return images.filter((image) => known.has(normalizeImage(image)));
}
