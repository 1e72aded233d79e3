/**
 * Image references and the `images` replacement rules. Pure functions.
 *
 * A rule `name=new-image` replaces the image of every container and init
 * container whose repository is `name`: compared after Docker Hub
 * normalisation (`nginx` = `docker.io/library/nginx`), and also when `name`
 * is a trailing path of the repository at a `/` boundary
 * (`example-service` matches `ghcr.io/acme/example-service:1.0`).
 */

export interface ImageReference {
  /** Repository without tag or digest, as written (e.g. ghcr.io/acme/app). */
  repository: string;
  tag?: string;
  digest?: string;
}

// Repository: lowercase path components, optional registry host[:port]; tag; digest.
const REPOSITORY =
  /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Parses an image reference; returns undefined when it is not one. */
export function parseImage(image: string): ImageReference | undefined {
  let rest = image.trim();
  if (rest === '' || /\s/.test(rest)) return undefined;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (!REPOSITORY.test(rest)) return undefined;
  return { repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** docker.io normalisation: `nginx` -> `docker.io/library/nginx`, `acme/app` -> `docker.io/acme/app`. */
export function normalizeRepository(repository: string): string {
  const parts = repository.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return first === 'index.docker.io' ? ['docker.io', ...parts.slice(1)].join('/') : repository;
  if (parts.length === 1) return `docker.io/library/${repository}`;
  return `docker.io/${repository}`;
}

/** Does the rule name `name` select the image `image`? */
export function imageMatches(name: string, image: string): boolean {
  const ref = parseImage(image);
  if (!ref) return false;
  const wanted = parseImage(name)?.repository ?? name;
  if (ref.repository === wanted) return true;
  if (normalizeRepository(ref.repository) === normalizeRepository(wanted)) return true;
  return ref.repository.endsWith(`/${wanted}`);
}

export interface ImageRule {
  name: string;
  image: string;
}

export interface ImageChange {
  /** e.g. spec.template.spec.containers[0] */
  path: string;
  container: string;
  from: string;
  to: string;
  rule: string;
}

/** Where the pod spec sits inside an object of a workload kind, or undefined. */
export function podSpecOf(
  object: Record<string, unknown>,
): { spec: Record<string, unknown>; path: string } | undefined {
  const kind = object['kind'];
  const get = (o: unknown, key: string): unknown =>
    o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  let spec: unknown;
  let path: string;
  if (kind === 'Pod') {
    spec = object['spec'];
    path = 'spec';
  } else if (kind === 'CronJob') {
    spec = get(get(get(get(object['spec'], 'jobTemplate'), 'spec'), 'template'), 'spec');
    path = 'spec.jobTemplate.spec.template.spec';
  } else {
    spec = get(get(object['spec'], 'template'), 'spec');
    path = 'spec.template.spec';
  }
  return spec && typeof spec === 'object' && !Array.isArray(spec)
    ? { spec: spec as Record<string, unknown>, path }
    : undefined;
}

interface Container {
  name?: unknown;
  image?: unknown;
}

/** Images of every container and init container of an object (empty for non-workloads). */
export function imagesOf(object: Record<string, unknown>): string[] {
  const pod = podSpecOf(object);
  if (!pod) return [];
  const images: string[] = [];
  for (const field of ['initContainers', 'containers']) {
    const list = pod.spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list as Container[]) if (typeof c?.image === 'string') images.push(c.image);
  }
  return images;
}

/**
 * Applies the rules to an object in place; returns what changed. The first
 * matching rule wins for each container.
 */
export function replaceImages(object: Record<string, unknown>, rules: readonly ImageRule[]): ImageChange[] {
  const pod = podSpecOf(object);
  if (!pod || rules.length === 0) return [];
  const changes: ImageChange[] = [];
  for (const field of ['initContainers', 'containers']) {
    const list = pod.spec[field];
    if (!Array.isArray(list)) continue;
    (list as Container[]).forEach((container, index) => {
      if (!container || typeof container.image !== 'string') return;
      const rule = rules.find((r) => imageMatches(r.name, container.image as string));
      if (!rule) return;
      if (container.image !== rule.image) {
        changes.push({
          path: `${pod.path}.${field}[${index}]`,
          container: typeof container.name === 'string' ? container.name : `#${index}`,
          from: container.image,
          to: rule.image,
          rule: rule.name,
        });
      }
      container.image = rule.image;
    });
  }
  return changes;
}
