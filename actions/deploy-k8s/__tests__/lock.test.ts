import { describe, expect, it } from '@jest/globals';
import { acquireLock, heldByOther, leaseName, microTime } from '../src/lock.js';
import type { KubeObject } from '../src/objects.js';
import { FakeKube } from './helpers/fake-kube.js';

const ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'deploy-k8s.web', namespace: 'shop' };

function lease(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: ref.apiVersion, kind: 'Lease', metadata: { name: ref.name, namespace: ref.namespace }, spec };
}

/** A manual clock whose sleep advances time instead of waiting. */
function manualClock(start = Date.parse('2026-11-27T10:00:00Z')) {
  let now = start;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}

describe('lease helpers', () => {
  it.each([
    ['web', 'deploy-k8s.web'],
    ['Shop API_v2', 'deploy-k8s.shop-api-v2'],
    ['---', 'deploy-k8s.app'],
  ])('leaseName(%j) = %s', (app, name) => {
    expect(leaseName(app)).toBe(name);
  });

  it('writes MicroTime with microseconds, as the API server requires', () => {
    expect(microTime(Date.parse('2026-11-27T10:00:00.123Z'))).toBe('2026-11-27T10:00:00.123000Z');
  });

  it.each([
    [{ holderIdentity: 'other', renewTime: '2026-11-27T09:59:50.000000Z', leaseDurationSeconds: 30 }, true],
    [{ holderIdentity: 'other', renewTime: '2026-11-27T09:59:00.000000Z', leaseDurationSeconds: 30 }, false],
    [{ holderIdentity: 'me', renewTime: '2026-11-27T09:59:50.000000Z', leaseDurationSeconds: 30 }, false],
    [{ renewTime: '2026-11-27T09:59:50.000000Z' }, false],
    [{ holderIdentity: 'other' }, true],
  ])('heldByOther(%j) = %s', (spec, expected) => {
    expect(heldByOther(spec, 'me', Date.parse('2026-11-27T10:00:00Z'))).toBe(expected);
  });
});

describe('acquireLock', () => {
  it('creates the Lease when there is none and releases it by clearing the holder', async () => {
    const api = new FakeKube();
    const time = manualClock();
    const held = await acquireLock({
      api,
      namespace: 'shop',
      name: ref.name,
      holder: 'run-1',
      fieldManager: 'deploy-k8s',
      waitMs: 10_000,
      ...time,
    });
    expect(held.waitedMs).toBe(0);
    expect((await api.get(ref))?.['spec']).toMatchObject({
      holderIdentity: 'run-1',
      leaseDurationSeconds: 30,
      leaseTransitions: 0,
    });
    await held.release();
    expect((await api.get(ref))?.['spec']).not.toHaveProperty('holderIdentity');
  });

  it('takes over an expired Lease and counts the transition', async () => {
    const api = new FakeKube();
    api.put(
      lease({
        holderIdentity: 'crashed-run',
        renewTime: '2026-11-27T09:00:00.000000Z',
        leaseDurationSeconds: 30,
        leaseTransitions: 4,
      }),
    );
    const held = await acquireLock({
      api,
      namespace: 'shop',
      name: ref.name,
      holder: 'run-2',
      fieldManager: 'm',
      waitMs: 10_000,
      ...manualClock(),
    });
    expect((await api.get(ref))?.['spec']).toMatchObject({ holderIdentity: 'run-2', leaseTransitions: 5 });
    await held.release();
  });

  it('waits while another run holds a fresh Lease, then takes it when released', async () => {
    const api = new FakeKube();
    const time = manualClock();
    api.put(lease({ holderIdentity: 'run-1', renewTime: microTime(time.clock()), leaseDurationSeconds: 300 }));
    const messages: string[] = [];
    let polls = 0;
    const sleep = async (ms: number): Promise<void> => {
      await time.sleep(ms);
      if (++polls === 3) {
        const live = (await api.get(ref)) as KubeObject;
        api.put({ ...live, spec: { leaseDurationSeconds: 300 } });
      }
    };
    const held = await acquireLock({
      api,
      namespace: 'shop',
      name: ref.name,
      holder: 'run-2',
      fieldManager: 'm',
      waitMs: 60_000,
      clock: time.clock,
      sleep,
      log: (m) => messages.push(m),
      pollMs: 1000,
    });
    expect(held.waitedMs).toBe(3000);
    expect(messages).toEqual([
      expect.stringMatching(
        /^Lock Lease shop\/deploy-k8s\.web is held by 'run-1' \(last renewed .*, lease duration 300 s\); waiting up to 60 s$/,
      ),
    ]);
    await held.release();
  });

  it('fails after the bound, naming the holder', async () => {
    const api = new FakeKube();
    const time = manualClock();
    api.put(
      lease({
        holderIdentity: 'https://github.com/o/r/actions/runs/9',
        renewTime: microTime(time.clock()),
        leaseDurationSeconds: 3600,
      }),
    );
    await expect(
      acquireLock({
        api,
        namespace: 'shop',
        name: ref.name,
        holder: 'run-2',
        fieldManager: 'm',
        waitMs: 5000,
        ...time,
      }),
    ).rejects.toThrow(
      /^Another deployment holds the lock Lease shop\/deploy-k8s\.web: holder 'https:\/\/github\.com\/o\/r\/actions\/runs\/9' .*Waited 5 s/,
    );
  });

  it('retries when another run wins the race to create or update the Lease', async () => {
    const api = new FakeKube();
    const time = manualClock();
    let raced = false;
    api.beforeWrite = () => {
      if (raced) return;
      raced = true;
      api.put(
        lease({ holderIdentity: 'fast-run', renewTime: '2026-11-27T08:00:00.000000Z', leaseDurationSeconds: 30 }),
      );
    };
    const held = await acquireLock({
      api,
      namespace: 'shop',
      name: ref.name,
      holder: 'run-3',
      fieldManager: 'm',
      waitMs: 5000,
      ...time,
    });
    expect((await api.get(ref))?.['spec']).toMatchObject({ holderIdentity: 'run-3', leaseTransitions: 1 });
    await held.release();
  });

  it('renews the Lease while held, and does not release a Lease someone else took over', async () => {
    const api = new FakeKube();
    const time = manualClock();
    const held = await acquireLock({
      api,
      namespace: 'shop',
      name: ref.name,
      holder: 'run-4',
      fieldManager: 'm',
      waitMs: 5000,
      leaseDurationSeconds: 3,
      ...time,
    });
    time.advance(2000);
    await new Promise((resolve) => setTimeout(resolve, 1300)); // the renewal timer runs every second for a 3 s lease
    expect((await api.get(ref))?.['spec']).toMatchObject({
      holderIdentity: 'run-4',
      renewTime: microTime(time.clock()),
    });

    const live = (await api.get(ref)) as KubeObject;
    api.put({
      ...live,
      spec: { holderIdentity: 'run-5', renewTime: microTime(time.clock()), leaseDurationSeconds: 30 },
    });
    await held.release();
    expect((await api.get(ref))?.['spec']).toMatchObject({ holderIdentity: 'run-5' });
  });
});
