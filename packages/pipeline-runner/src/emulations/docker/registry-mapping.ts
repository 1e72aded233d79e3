/**
 * Image references the workflow pushes (ghcr.io/<owner>/<repo>, any other
 * registry host, or Docker Hub's implicit one) go to the project's local
 * registry under the same repository path, so a local run never sends an
 * image or a credential to a real registry. The grammar is Docker's
 * (distribution/reference): lowercase path components, tag, digest.
 */
import { InputError } from './types.js';
import type { ImageMapping } from './types.js';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;

export interface ImageReference {
  /** Registry host[:port]; docker.io when the reference names none. */
  domain: string;
  /** Repository path; Docker Hub's one-component names get library/. */
  path: string;
  tag?: string;
  digest?: string;
}

function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  // Docker's rule: the first component is a registry if it has '.' or ':', is localhost, or has uppercase.
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    const path = name;
    return ['docker.io', slash < 0 ? `library/${path}` : path];
  }
  return [first, name.slice(slash + 1)];
}

/** Parses a reference as the Docker CLI and buildx do; errors name the reference and the rule. */
export function parseReference(ref: string): ImageReference {
  if (ref === '')
    throw new InputError(
      'invalid reference format: repository name must have at least one component (got an empty image name)',
    );
  let rest = ref;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw new InputError(
        `invalid reference format: ${JSON.stringify(ref)}: digest must be <algorithm>:<hex, 32+ digits>`,
      );
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      throw new InputError(
        `invalid reference format: ${JSON.stringify(ref)}: tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`,
      );
  }
  const [domain, path] = splitDomain(rest);
  if (!DOMAIN.test(domain))
    throw new InputError(
      `invalid reference format: ${JSON.stringify(ref)}: ${JSON.stringify(domain)} is not a registry host[:port]`,
    );
  const components = path.split('/');
  if (components.some((c) => !PATH_COMPONENT.test(c))) {
    if (components.every((c) => PATH_COMPONENT.test(c.toLowerCase()))) {
      throw new InputError(
        `invalid reference format: repository name (${path}) must be lowercase (in ${JSON.stringify(ref)})`,
      );
    }
    throw new InputError(
      `invalid reference format: ${JSON.stringify(ref)}: repository path components must be lowercase letters and digits separated by '.', '_', '__' or '-'`,
    );
  }
  if (rest.length > NAME_MAX)
    throw new InputError(
      `invalid reference format: ${JSON.stringify(ref)}: repository name must not be more than ${NAME_MAX} characters`,
    );
  const parsed: ImageReference = { domain, path };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

export function formatReference(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The local registry's address must be loopback host:port (the project's registry, nothing else). */
export function checkRegistry(registry: string): string {
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(registry)) {
    throw new InputError(
      `local registry ${JSON.stringify(registry)} must be a loopback host:port such as 127.0.0.1:5000`,
    );
  }
  return registry;
}

/** Registry hosts redirected to the local registry; '*' (the default) is every host. */
export type Redirects = readonly string[];
export const ALL_HOSTS: Redirects = ['*'];

export function isRedirected(host: string, redirects: Redirects = ALL_HOSTS): boolean {
  return redirects.includes('*') || redirects.includes(host);
}

/** The reference rewritten to the local registry (unchanged when it already is local). */
export function mapImage(ref: string, registry: string, redirects: Redirects = ALL_HOSTS): ImageMapping {
  const parsed = parseReference(ref);
  if (parsed.domain === checkRegistry(registry)) return { from: ref, to: ref };
  if (!isRedirected(parsed.domain, redirects)) {
    throw new InputError(
      `${ref}: registry ${parsed.domain} is not redirected to the local registry (redirected: ${redirects.join(', ')}); the local run never pushes to a real registry`,
    );
  }
  return { from: ref, to: formatReference({ ...parsed, domain: registry }) };
}

/** All references mapped, each distinct mapping listed once for the report. */
export function mapImages(
  refs: readonly string[],
  registry: string,
  redirects: Redirects = ALL_HOSTS,
): { refs: string[]; mappings: ImageMapping[] } {
  const mappings: ImageMapping[] = [];
  const out = refs.map((ref) => {
    const mapping = mapImage(ref, registry, redirects);
    if (mapping.from !== mapping.to && !mappings.some((m) => m.from === mapping.from)) mappings.push(mapping);
    return mapping.to;
  });
  return { refs: out, mappings };
}

/** The registry host a login-action `registry` value names (docker.io for Docker Hub's spellings). */
export function registryHost(registry: string): string {
  const value = registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (value === '' || value === 'docker.io' || value === 'index.docker.io' || value === 'registry-1.docker.io')
    return 'docker.io';
  return value.split('/')[0] as string;
}

/** The pullable local reference for the report's image-ref (name@digest or name:tag). */
export function localImageRef(ref: string, registry: string, redirects: Redirects = ALL_HOSTS): string {
  return mapImage(ref, registry, redirects).to;
}
