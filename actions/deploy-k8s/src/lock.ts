/**
 * Deployment lock: a coordination.k8s.io/v1 Lease per namespace and
 * application. Acquired with optimistic concurrency (create, or replace at
 * a resourceVersion), renewed while the deploy runs, released at the end.
 * A run that finds the Lease held and fresh waits (bounded), then fails
 * naming the holder.
 */
import { ActionError, sleep as defaultSleep } from '@pipeline/action-kit';
import { isRecord } from './records.js';
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
async function leaseChanged(api: KubeApi, lease: KubeObject, limitMs: number, fallbackMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
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
        { fieldSelector: `metadata.name=${lease.metadata.name}`, ...(typeof lease.metadata['resourceVersion'] === 'string' ? { resourceVersion: lease.metadata['resourceVersion'] } : {}) },
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

export async function acquireLock(options: LockOptions): Promise<HeldLock> {
  const { api, namespace, name, holder, fieldManager } = options;
  const clock = options.clock ?? Date.now;
  const wait = options.sleep ?? defaultSleep;
  const log = options.log ?? (() => undefined);
  const duration = options.leaseDurationSeconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const ref: ObjectRef = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name, namespace };
  const started = clock();
  let announced = '';

  const fresh = (spec: LeaseSpec, transitions: number): LeaseSpec => {
    const now = microTime(clock());
    return { holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: now, renewTime: now, leaseTransitions: transitions };
  };

  /** The Lease as last written by us: renewal and release try it first (one request), reading again only on a conflict. */
  let mine: KubeObject | undefined;
  for (;;) {
    const lease = await api.get(ref);
    if (!lease) {
      try {
        mine = await api.create(
          { apiVersion: ref.apiVersion, kind: 'Lease', metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'deploy-k8s' } }, spec: fresh({}, 0) },
          { fieldManager },
        );
        break;
      } catch (error: unknown) {
        if (isConflict(error)) continue; // someone created it first: look again
        throw error;
      }
    }
    const spec = specOf(lease);
    if (!heldByOther(spec, holder, clock())) {
      const transitions = (spec.leaseTransitions ?? 0) + (spec.holderIdentity && spec.holderIdentity !== holder ? 1 : 0);
      try {
        mine = await api.replace({ ...lease, spec: { ...spec, ...fresh(spec, transitions) } }, { fieldManager });
        break;
      } catch (error: unknown) {
        if (isConflict(error)) continue;
        throw error;
      }
    }
    const waited = clock() - started;
    const holderText = `'${spec.holderIdentity ?? '?'}' (last renewed ${spec.renewTime ?? 'never'}, lease duration ${spec.leaseDurationSeconds ?? '?'} s)`;
    if (waited >= options.waitMs) {
      throw new LockTimeoutError(
        `Another deployment holds the lock Lease ${namespace}/${name}: holder ${holderText}. Waited ${Math.round(waited / 1000)} s (the 'timeout' input); nothing was changed. Re-run when it has finished, or set lock: false if the holder is gone for good.`,
      );
    }
    if (announced !== spec.holderIdentity) {
      announced = spec.holderIdentity ?? '';
      log(`Lock Lease ${namespace}/${name} is held by ${holderText}; waiting up to ${Math.round((options.waitMs - waited) / 1000)} s`);
    }
    // Wake up when the Lease changes (watch), when it would expire, or at the bound, whichever is first.
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    const expiresIn = Number.isNaN(renewed) ? pollMs : renewed + (spec.leaseDurationSeconds ?? 15) * 1000 - clock() + 10;
    const limit = Math.max(1, Math.min(options.waitMs - waited, Math.max(expiresIn, 1)));
    await (options.watchChanges === false ? wait(Math.min(pollMs, limit)) : leaseChanged(api, lease, limit, Math.min(pollMs, limit), wait));
  }

  const waitedMs = clock() - started;
  let lost = false;
  const renew = async (): Promise<void> => {
    if (mine) {
      try {
        mine = await api.replace({ ...mine, spec: { ...specOf(mine), renewTime: microTime(clock()) } }, { fieldManager });
        return;
      } catch (error: unknown) {
        if (!isConflict(error)) throw error;
        mine = undefined;
      }
    }
    const lease = await api.get(ref);
    if (!lease || specOf(lease).holderIdentity !== holder) {
      if (!lost) log(`Lost the lock Lease ${namespace}/${name} (now held by ${lease ? String(specOf(lease).holderIdentity) : 'nobody'})`);
      lost = true;
      return;
    }
    mine = await api.replace({ ...lease, spec: { ...specOf(lease), renewTime: microTime(clock()) } }, { fieldManager });
  };
  const released = (lease: KubeObject): KubeObject => {
    const spec = { ...specOf(lease) };
    delete spec.holderIdentity;
    return { ...lease, spec };
  };
  const timer = setInterval(() => {
    renew().catch((error: unknown) => log(`Could not renew the lock Lease: ${error instanceof Error ? error.message : String(error)}`));
  }, Math.max(1000, (duration * 1000) / 3));
  timer.unref();

  return {
    ref,
    waitedMs,
    release: async () => {
      clearInterval(timer);
      for (let attempt = 0; attempt < 3; attempt++) {
        // First try: the Lease as we last wrote it (one request); a conflict means someone else wrote it since.
        const lease = attempt === 0 && mine ? mine : await api.get(ref).catch(() => undefined);
        if (!lease || specOf(lease).holderIdentity !== holder) return;
        try {
          await api.replace(released(lease), { fieldManager });
          return;
        } catch (error: unknown) {
          if (!isConflict(error) && !isNotFound(error)) throw error;
        }
      }
    },
  };
}
