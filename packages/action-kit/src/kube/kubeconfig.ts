/**
 * Kubeconfig handling that needs no cluster: decoding the input (raw YAML or
 * base64), checking its shape, and finding every secret value inside it so
 * that all of them can be masked. Error messages never include the text.
 */
import { parse as parseYaml } from 'yaml';
import { ActionError, describeError } from '../errors.js';
import { isRecord } from '../record.js';
import { displayUrl, parseHttpUrl } from '../url.js';
import { printable } from '../untrusted.js';

export interface DecodedKubeconfig {
  /** The kubeconfig YAML. */
  text: string;
  /** The input exactly as given (base64 or YAML), for masking. */
  original: string;
  encoding: 'yaml' | 'base64';
}

const ACCEPTED =
  'a kubeconfig as raw YAML or base64, with clusters, users and contexts (the value is not shown because it is secret)';

export class KubeconfigError extends ActionError {
  override readonly name = 'KubeconfigError';
  constructor(source: string, problem: string) {
    super(`${source} is not a usable kubeconfig: ${problem}. Expected ${ACCEPTED}.`);
  }
}

const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/;

/** Decodes the `kubeconfig` input; throws KubeconfigError (never echoing the value). */
export function decodeKubeconfig(raw: string, source = "Input 'kubeconfig'"): DecodedKubeconfig {
  const original = raw;
  const trimmed = raw.trim();
  if (trimmed === '') throw new KubeconfigError(source, 'it is empty');
  let text = trimmed;
  let encoding: DecodedKubeconfig['encoding'] = 'yaml';
  if (!trimmed.includes(':') && BASE64.test(trimmed)) {
    const decoded = Buffer.from(
      trimmed.replace(/\s+/g, ''),
      trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64',
    ).toString('utf8');
    if (!decoded.includes(':')) throw new KubeconfigError(source, 'it looks like base64 but does not decode to YAML');
    text = decoded;
    encoding = 'base64';
  }
  checkShape(text, source);
  return { text, original, encoding };
}

interface NamedEntry {
  name?: unknown;
}

const nameOf = (entry: NamedEntry): string =>
  typeof entry.name === 'string' || typeof entry.name === 'number' ? String(entry.name) : '';

/** Checks that the YAML is a kubeconfig with at least one cluster and context. */
export function checkShape(text: string, source: string): void {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error: unknown) {
    const where = error instanceof Error && 'linePos' in error ? lineOf(error) : '';
    throw new KubeconfigError(source, `it is not valid YAML${where}`);
  }
  if (!isRecord(doc)) throw new KubeconfigError(source, 'it is not a YAML mapping');
  if (doc['kind'] !== undefined && doc['kind'] !== 'Config')
    throw new KubeconfigError(source, `its kind is ${JSON.stringify(doc['kind'])}, not Config`);
  const clusters = doc['clusters'];
  if (!Array.isArray(clusters) || clusters.length === 0) throw new KubeconfigError(source, 'it has no clusters');
  const contexts = doc['contexts'];
  if (!Array.isArray(contexts) || contexts.length === 0) throw new KubeconfigError(source, 'it has no contexts');
  for (const cluster of clusters as unknown[]) {
    const server = isRecord(cluster) && isRecord(cluster['cluster']) ? cluster['cluster']['server'] : undefined;
    const name = isRecord(cluster) ? nameOf(cluster) || '?' : '?';
    const problem = serverProblem(server);
    if (problem) throw new KubeconfigError(source, `cluster '${printable(name)}' ${problem}`);
  }
}

const shownServer = (server: string): string => {
  const shown = printable(displayUrl(server));
  return shown.length > 200 ? `${shown.slice(0, 197)}...` : shown;
};

/** Why a cluster's server address is unusable, by the kit's one URL rule, or undefined when it is fine. */
function serverProblem(server: unknown): string | undefined {
  if (typeof server !== 'string') return 'has no http(s) server address';
  try {
    parseHttpUrl('kubeconfig', server, { credentials: 'reject' });
    return undefined;
  } catch (error: unknown) {
    if (/user:password/.test(describeError(error))) {
      // The client refuses such a URL anyway; the credentials belong under users[].user.
      return `has user:password in its server address (${shownServer(server)}): put the credentials under users[].user (token, username/password or a client certificate)`;
    }
    return 'has no http(s) server address';
  }
}

function lineOf(error: Error): string {
  const pos = (error as Error & { linePos?: { line: number }[] }).linePos?.[0];
  return pos ? ` (line ${pos.line})` : '';
}

/** Names of the contexts in a kubeconfig (not secret), for error messages. */
export function contextNames(text: string): string[] {
  const doc: unknown = parseYaml(text);
  if (!isRecord(doc) || !Array.isArray(doc['contexts'])) return [];
  return (doc['contexts'] as unknown[])
    .map((c) => (isRecord(c) && typeof c['name'] === 'string' ? c['name'] : ''))
    .filter((n) => n !== '');
}

const SECRET_KEYS = new Set([
  'token',
  'password',
  'client-key-data',
  'client-certificate-data',
  'client-key',
  'id-token',
  'refresh-token',
  'access-token',
  'client-secret',
  'secret',
  'value',
]);

/**
 * Every secret-looking value in a kubeconfig: users' tokens, passwords,
 * client keys (and the decoded PEM of *-data fields), auth-provider config
 * and exec env values. Used to mask them one by one, in addition to the
 * whole text and its lines.
 */
export function secretValues(text: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return [];
  }
  const found = new Set<string>();
  const users = isRecord(doc) && Array.isArray(doc['users']) ? (doc['users'] as unknown[]) : [];
  const visit = (node: unknown, key: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, key);
      return;
    }
    if (isRecord(node)) {
      for (const [k, v] of Object.entries(node)) visit(v, k);
      return;
    }
    if (typeof node !== 'string' || key === undefined || node.length < 4) return;
    if (SECRET_KEYS.has(key) || key.endsWith('-token') || key.endsWith('-secret')) {
      found.add(node);
      if (key.endsWith('-data')) {
        const pem = Buffer.from(node, 'base64').toString('utf8');
        if (pem.includes('-----BEGIN')) found.add(pem.trim());
      }
    }
  };
  for (const user of users) if (isRecord(user)) visit(user['user'], undefined);
  return [...found];
}

/**
 * Every value to mask for a kubeconfig text (or input): as given, trimmed,
 * base64-decoded, and each secret inside. Works on values too broken to
 * use, so that even those never show.
 */
export function kubeconfigMasks(raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed === '') return [];
  const texts = [trimmed];
  // Node's base64 decoder reads the url-safe alphabet too.
  if (!trimmed.includes(':')) texts.push(Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8'));
  return [...new Set([raw, ...texts, ...texts.flatMap((text) => secretValues(text))])];
}
