/**
 * Deployment lock: a coordination.k8s.io/v1 Lease per namespace and
 * application. Acquired with optimistic concurrency (create, or replace at
 * a resourceVersion), renewed while the deploy runs, released at the end.
 * A run that finds the Lease held and fresh waits (bounded), then fails
 * naming the holder.
 */
import { ActionError, isRecord, retry, sleep as defaultSleep } from '@pipeline/action-kit';
import { isConflict, isNotFound, type KubeApi, type WatchHandle } from './kube.js';
import type { KubeObject, ObjectRef } from './objects.js';

export interface LockOptions {
  api: KubeApi;
  namespace: string;
  name: string;
  holder: string;
  fieldManager: string;
  /** How long the lease stays valid without renewal. */
  leaseDurationSeconds?: number;
  /** Bound on waiting for another holder. */
  waitMs: number;
  pollMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
  /** Wait for the holder with the watch API (default); false polls every `pollMs`. */
  watchChanges?: boolean;
}

export interface HeldLock {
  readonly ref: ObjectRef;
  readonly waitedMs: number;
  release(): Promise<void>;
}

export class LockTimeoutError extends ActionError {
  override readonly name = 'LockTimeoutError';
}

/** MicroTime as the API server writes it (microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** Lease names: a DNS subdomain made from the application name. */
export function leaseName(application: string): string {
  const cleaned = application
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `deploy-k8s.${cleaned || 'app'}`.slice(0, 253).replace(/[^a-z0-9]+$/, '');
}

/** Is the lease held by someone (not us) whose renewal is still fresh at `nowMs`? */
export function heldByOther(spec: LeaseSpec, holder: string, nowMs: number): boolean {
  if (!spec.holderIdentity || spec.holderIdentity === holder) return false;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return renewed + (spec.leaseDurationSeconds ?? 15) * 1000 > nowMs;
}

function specOf(lease: KubeObject): LeaseSpec {
  const spec: unknown = lease['spec'];
  return isRecord(spec) ? spec : {};
}

/**
 * Resolves when the Lease changes (a watch event), or after `limitMs`. If the
 * watch cannot be opened, falls back to sleeping `fallbackMs`.
 */
async function leaseChanged(
  api: KubeApi,
  lease: KubeObject,
  limitMs: number,
  fallbackMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  let handle: WatchHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const outcome = await new Promise<'changed' | 'failed'>((resolve) => {
    const settle = (value: 'changed' | 'failed'): void => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    timer = setTimeout(() => settle('changed'), limitMs);
    api
      .watch(
        lease.apiVersion,
        'Lease',
        lease.metadata.namespace,
        {
          fieldSelector: `metadata.name=${lease.metadata.name}`,
          ...(typeof lease.metadata['resourceVersion'] === 'string'
            ? { resourceVersion: lease.metadata['resourceVersion'] }
            : {}),
        },
        (type) => {
          if (type !== 'BOOKMARK' && type !== 'ERROR') settle('changed');
        },
        (error) => settle(error ? 'failed' : 'changed'),
      )
      .then(
        (h) => {
          handle = h;
          if (settled) h.stop();
        },
        () => settle('failed'),
      );
  });
  clearTimeout(timer);
  handle?.stop();
  // No watch (for example no RBAC permission to watch Leases): poll instead of spinning.
  if (outcome === 'failed') await sleep(fallbackMs);
}

interface Acquiring {
  options: LockOptions;
  ref: ObjectRef;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  duration: number;
}

function freshSpec(a: Acquiring, transitions: number): LeaseSpec {
  const now = microTime(a.clock());
  return {
    holderIdentity: a.options.holder,
    leaseDurationSeconds: a.duration,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: transitions,
  };
}

/** Conflicts mean another run wrote the Lease between our read and our write: read again at once. */
const ON_CONFLICT = { attempts: 20, initialDelayMs: 10, maxDelayMs: 200, shouldRetry: isConflict };

/** One look at the Lease: takes it when free (the Lease as written), else returns the other holder's Lease. */
async function tryAcquire(a: Acquiring): Promise<{ mine: KubeObject } | { held: KubeObject }> {
  const { api, name, namespace, holder, fieldManager } = a.options;
  return retry(
    async () => {
      const lease = await api.get(a.ref);
      if (!lease) {
        const labels = { 'app.kubernetes.io/managed-by': 'deploy-k8s' };
        return {
          mine: await api.create(
            {
              apiVersion: a.ref.apiVersion,
              kind: 'Lease',
              metadata: { name, namespace, labels },
              spec: freshSpec(a, 0),
            },
            { fieldManager },
          ),
        };
      }
      const spec = specOf(lease);
      if (heldByOther(spec, holder, a.clock())) return { held: lease };
      const transitions =
        (spec.leaseTransitions ?? 0) + (spec.holderIdentity && spec.holderIdentity !== holder ? 1 : 0);
      return {
        mine: await api.replace({ ...lease, spec: { ...spec, ...freshSpec(a, transitions) } }, { fieldManager }),
      };
    },
    { ...ON_CONFLICT, sleep: a.sleep },
  );
}

function holderText(spec: LeaseSpec): string {
  return `'${spec.holderIdentity ?? '?'}' (last renewed ${spec.renewTime ?? 'never'}, lease duration ${spec.leaseDurationSeconds ?? '?'} s)`;
}

/** Waits for a held Lease to change or expire (bounded by what is left of `waitMs`); throws at the bound. */
async function waitForHolder(
  a: Acquiring,
  lease: KubeObject,
  waited: number,
  announce: (spec: LeaseSpec, waited: number) => void,
): Promise<void> {
  const { options } = a;
  const spec = specOf(lease);
  if (waited >= options.waitMs) {
    throw new LockTimeoutError(
      `Another deployment holds the lock Lease ${options.namespace}/${options.name}: holder ${holderText(spec)}. Waited ${Math.round(waited / 1000)} s (the 'timeout' input); nothing was changed. Re-run when it has finished, or set lock: false if the holder is gone for good.`,
    );
  }
  announce(spec, waited);
  // Wake up when the Lease changes (watch), when it would expire, or at the bound, whichever is first.
  const pollMs = options.pollMs ?? 1000;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const expiresIn = Number.isNaN(renewed)
    ? pollMs
    : renewed + (spec.leaseDurationSeconds ?? 15) * 1000 - a.clock() + 10;
  const limit = Math.max(1, Math.min(options.waitMs - waited, Math.max(expiresIn, 1)));
  await (options.watchChanges === false
    ? a.sleep(Math.min(pollMs, limit))
    : leaseChanged(options.api, lease, limit, Math.min(pollMs, limit), a.sleep));
}

/** The held lock: renewed on a timer until released. */
function holdLock(a: Acquiring, written: KubeObject, waitedMs: number): HeldLock {
  const { api, holder, fieldManager, namespace, name } = a.options;
  const log = a.options.log ?? (() => undefined);
  /** The Lease as last written by us: renewal and release try it first (one request), reading again only on a conflict. */
  let mine: KubeObject | undefined = written;
  let lost = false;
  const renewed = (lease: KubeObject): KubeObject => ({
    ...lease,
    spec: { ...specOf(lease), renewTime: microTime(a.clock()) },
  });
  let released = false;
  const renew = async (): Promise<void> => {
    if (released) return;
    if (mine) {
      try {
        mine = await api.replace(renewed(mine), { fieldManager });
        return;
      } catch (error: unknown) {
        if (!isConflict(error)) throw error;
        mine = undefined;
      }
    }
    const lease = await api.get(a.ref);
    if (released) return;
    if (!lease || specOf(lease).holderIdentity !== holder) {
      if (!lost)
        log(
          `Lost the lock Lease ${namespace}/${name} (now held by ${lease ? String(specOf(lease).holderIdentity) : 'nobody'})`,
        );
      lost = true;
      return;
    }
    mine = await api.replace(renewed(lease), { fieldManager });
  };
  // One renewal at a time: a renewal waiting out an API server restart is not joined by the next one.
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      renew()
        .catch((error: unknown) =>
          log(`Could not renew the lock Lease: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(() => (renewing = false));
    },
    Math.max(1000, (a.duration * 1000) / 3),
  );
  timer.unref();
  const release = async (attempt: number): Promise<void> => {
    // First try: the Lease as we last wrote it (one request); a conflict means someone else wrote it since.
    const lease = attempt === 1 && mine ? mine : await api.get(a.ref).catch(() => undefined);
    if (!lease || specOf(lease).holderIdentity !== holder) return;
    const spec = { ...specOf(lease) };
    delete spec.holderIdentity;
    await api.replace({ ...lease, spec }, { fieldManager });
  };
  return {
    ref: a.ref,
    waitedMs,
    release: async () => {
      released = true;
      clearInterval(timer);
      const shouldRetry = (error: unknown): boolean => isConflict(error) || isNotFound(error);
      // After three conflicts someone else keeps writing the Lease: it is no longer ours to release.
      await retry(release, { attempts: 3, initialDelayMs: 10, maxDelayMs: 100, shouldRetry, sleep: a.sleep }).catch(
        (error: unknown) => {
          if (!shouldRetry(error)) throw error;
        },
      );
    },
  };
}

export async function acquireLock(options: LockOptions): Promise<HeldLock> {
  const clock = options.clock ?? Date.now;
  const a: Acquiring = {
    options,
    ref: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: options.name, namespace: options.namespace },
    clock,
    sleep: options.sleep ?? defaultSleep,
    duration: options.leaseDurationSeconds ?? 30,
  };
  const started = clock();
  let announced = '';
  const announce = (spec: LeaseSpec, waited: number): void => {
    if (announced === spec.holderIdentity) return;
    announced = spec.holderIdentity ?? '';
    options.log?.(
      `Lock Lease ${options.namespace}/${options.name} is held by ${holderText(spec)}; waiting up to ${Math.round((options.waitMs - waited) / 1000)} s`,
    );
  };
  for (;;) {
    const attempt = await tryAcquire(a);
    if ('mine' in attempt) return holdLock(a, attempt.mine, clock() - started);
    await waitForHolder(a, attempt.held, clock() - started, announce);
  }
}
