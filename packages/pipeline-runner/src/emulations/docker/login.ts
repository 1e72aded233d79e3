/**
 * docker/login-action@v4.1.0 for a local run: every login goes to the
 * project's local registry (the host the workflow names is redirected, as
 * its images are); a host that is not redirected, or an ECR login that needs
 * the AWS API, is refused before anything is sent. The password reaches the
 * docker CLI on stdin only and is handed to the runner's masker first.
 */
import { parse as parseYaml } from 'yaml';
import { getBooleanInput, getInput, withDefaults } from './inputs.js';
import { ALL_HOSTS, checkRegistry, isRedirected, registryHost } from './registry-mapping.js';
import { InputError, NO_ENGINE, failure, skipped } from './types.js';
import type { EmulationContext, EmulationIO, EmulationOutcome, StepInputs } from './types.js';

export const LOGIN_DEFAULTS: Record<string, string> = { logout: 'true' };

export interface Auth {
  registry: string;
  username: string;
  password: string;
  scope: string;
  ecr: string;
}

const ECR = /^(([0-9]{12})\.(dkr\.ecr|dkr-ecr)\.(.+)\.(on\.aws|amazonaws\.(com(.cn)?|eu)))(\/([^:]+)(:.+)?)?$/;
const ECR_PUBLIC = /public\.ecr\.aws|ecr-public\.aws\.com/;

export function isEcr(registry: string): boolean {
  return ECR.test(registry) || ECR_PUBLIC.test(registry);
}

const str = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

/** The action's getAuthList: one auth from the inputs, or the registry-auth YAML list. */
export function authList(raw: StepInputs): Auth[] {
  const inputs = withDefaults(raw, LOGIN_DEFAULTS);
  const [registry, username, password, scope, ecr] = ['registry', 'username', 'password', 'scope', 'ecr'].map((n) =>
    getInput(inputs, n),
  ) as [string, string, string, string, string];
  const registryAuth = getInput(inputs, 'registry-auth');
  if (registryAuth && (registry || username || password || scope || ecr))
    throw new InputError('Cannot use registry-auth with other inputs');
  if (!registryAuth) return [{ registry: registry || 'docker.io', username, password, scope, ecr: ecr || 'auto' }];
  let list: unknown;
  try {
    list = parseYaml(registryAuth);
  } catch (error) {
    throw new InputError(`input 'registry-auth' is not YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputError(
      list === null || (Array.isArray(list) && list.length === 0)
        ? 'No registry to login'
        : "input 'registry-auth' must be a YAML list of {registry, username, password}",
    );
  }
  return list.map((item: unknown) => {
    const entry = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return {
      registry: str(entry['registry']) || 'docker.io',
      username: str(entry['username']),
      password: str(entry['password']),
      scope: str(entry['scope']),
      ecr: str(entry['ecr']) || 'auto',
    };
  });
}

/** loginStandard's checks, in its order. */
export function checkCredentials(auth: Auth): void {
  if (!auth.username && !auth.password)
    throw new InputError(`Username and password required (registry ${auth.registry})`);
  if (!auth.username) throw new InputError(`Username required (registry ${auth.registry})`);
  if (!auth.password) throw new InputError(`Password required (registry ${auth.registry})`);
}

/** `docker login` for the local registry: the password goes on stdin, never into argv. */
export function loginArgv(dockerCommand: string, registry: string, username: string): string[] {
  return [dockerCommand, 'login', '--password-stdin', '--username', username, registry];
}

export function logoutArgv(dockerCommand: string, registry: string): string[] {
  return [dockerCommand, 'logout', registry];
}

/** Where each auth goes, or why it is refused (before any credential is used). */
export function routeLogin(
  auth: Auth,
  localRegistry: string,
  redirects: readonly string[],
): { target: string } | { refuse: string; skip: boolean } {
  const host = registryHost(auth.registry);
  if (/true/i.test(auth.ecr) || (auth.ecr === 'auto' && isEcr(auth.registry))) {
    return { refuse: `login to ${auth.registry} is an Amazon ECR login (AWS API); not attempted locally`, skip: true };
  }
  if (host === localRegistry || isRedirected(host, redirects)) return { target: localRegistry };
  return {
    refuse: `login to ${host} refused: that registry is not redirected to the local registry ${localRegistry} (redirected: ${redirects.join(', ')}), and a local run never sends credentials to a real registry`,
    skip: false,
  };
}

function logoutStep(targets: string[], dockerCommand: string): (io: EmulationIO) => Promise<EmulationOutcome> {
  return async (io) => {
    const warnings: string[] = [];
    for (const target of targets) {
      const res = await io.exec(logoutArgv(dockerCommand, target));
      if (res.exitCode !== 0 && res.stderr.trim()) warnings.push(res.stderr.trim());
    }
    return {
      status: 'success',
      outputs: {},
      warnings,
      notes: targets.map((t) => `logged out of the local registry ${t}`),
    };
  };
}

/** The emulation: validates, routes and logs in; the post step logs out when `logout` is true. */
export async function loginAction(
  raw: StepInputs,
  context: EmulationContext,
  io: EmulationIO,
): Promise<EmulationOutcome> {
  let auths: Auth[];
  let logout: boolean;
  try {
    auths = authList(raw);
    logout = getBooleanInput(withDefaults(raw, LOGIN_DEFAULTS), 'logout');
  } catch (error) {
    if (error instanceof InputError)
      return failure(`docker/login-action: ${error.message}`, { masks: passwordsOf(raw) });
    throw error;
  }
  const masks = auths.map((a) => a.password).filter((p) => p !== '');
  const docker = context.docker;
  if (!docker) return skipped(NO_ENGINE, { masks });
  const local = checkRegistry(docker.registry);
  const notes: string[] = [];
  const targets: string[] = [];
  for (const auth of auths) {
    const route = routeLogin(auth, local, docker.redirectHosts ?? ALL_HOSTS);
    if ('refuse' in route) return route.skip ? skipped(route.refuse, { masks }) : failure(route.refuse, { masks });
    try {
      checkCredentials(auth);
    } catch (error) {
      return failure(`docker/login-action: ${(error as Error).message}`, { masks });
    }
    if (auth.scope) notes.push(`scope ${auth.scope} ignored: the local registry has no token scopes`);
    const res = await io.exec(loginArgv(docker.dockerCommand, route.target, auth.username), { stdin: auth.password });
    if (res.exitCode !== 0)
      return failure(res.stderr.trim() || `docker login ${route.target} exited with ${res.exitCode}`, { masks, notes });
    notes.push(`emulated: login to ${registryHost(auth.registry)} redirected to the local registry ${route.target}`);
    if (!targets.includes(route.target)) targets.push(route.target);
  }
  const outcome: EmulationOutcome = { status: 'success', outputs: {}, masks, notes };
  if (logout) outcome.post = logoutStep(targets, docker.dockerCommand);
  return outcome;
}

/** Every password-like value in the raw inputs, so even a rejected step masks them. */
function passwordsOf(raw: StepInputs): string[] {
  const values = [raw['password'] ?? ''];
  const auth = raw['registry-auth'] ?? '';
  for (const m of auth.matchAll(/password\s*:\s*(.+)/g))
    values.push((m[1] as string).trim().replace(/^["']|["']$/g, ''));
  return values.filter((v) => v.trim() !== '');
}
