/**
 * ResumableWatch against a FakeKube whose list can be made to fail (the API
 * server away) and whose watches the test ends: what is re-listed, when,
 * from which resourceVersion, and what the log says about the gap. The real
 * restart is apiserver-restart.e2e.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { KubeError, type KubeApi, type ListOptions, type WatchEventType, type WatchOptions } from '../src/kube.js';
import type { KubeObject } from '../src/objects.js';
import { ResumableWatch } from '../src/resumable-watch.js';
import { FakeKube } from './helpers/fake-kube.js';

interface OpenWatch {
  options: WatchOptions;
  onEvent: (type: WatchEventType, object: KubeObject) => void;
  onDone: (error?: unknown) => void;
  stopped: boolean;
}

const refused = (): KubeError =>
  new KubeError(
    'Listing Pod in ns: cannot reach the Kubernetes API server (ECONNREFUSED)',
    undefined,
    undefined,
    'ECONNREFUSED',
  );

/** FakeKube with watches the test drives, and lists that fail while `down` is above zero. */
class WatchingKube extends FakeKube {
  down = 0;
  readonly lists: ListOptions[] = [];
  readonly watches: OpenWatch[] = [];

  override list: KubeApi['list'] = async (_apiVersion, _kind, _namespace, options = {}) => {
    this.lists.push(options);
    if (this.down > 0) {
      this.down--;
      throw refused();
    }
    return { items: [pod('web-1')], resourceVersion: String(100 + this.lists.length) };
  };

  override watch: KubeApi['watch'] = async (_apiVersion, _kind, _namespace, options, onEvent, onDone) => {
    const open: OpenWatch = { options, onEvent, onDone, stopped: false };
    this.watches.push(open);
    return { stop: () => void (open.stopped = true) };
  };
}

function pod(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' } };
}

/** Lets the watch's promise chains run (the fake answers at once; sleeps advance the clock without waiting). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

function setup(remainingMs = 60_000) {
  const api = new WatchingKube();
  let now = 0;
  const log: string[] = [];
  const lists: string[][] = [];
  const events: string[] = [];
  const resumed: number[] = [];
  const sleeps: number[] = [];
  const watch = new ResumableWatch({
    api,
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: 'ns',
    selector: { labelSelector: 'app=web' },
    what: 'the pods of Deployment/web',
    onList: async (items) => void lists.push(items.map((i) => i.metadata.name)),
    onEvent: (type, object) => void events.push(`${type} ${object.metadata.name}`),
    remainingMs: () => remainingMs - now,
    clock: () => now,
    log: (m) => void log.push(m),
    onResumed: (ms) => void resumed.push(ms),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  });
  return { api, watch, log, lists, events, resumed, sleeps, advance: (ms: number) => void (now += ms) };
}

describe('ResumableWatch', () => {
  it('lists (failing fast: it retries itself), then watches from the list resourceVersion with the same selector', async () => {
    const { api, watch, lists, events } = setup();
    watch.start();
    await settle();
    expect(api.lists).toEqual([{ labelSelector: 'app=web', failFast: true }]);
    expect(lists).toEqual([['web-1']]);
    expect(api.watches.map((w) => w.options)).toEqual([{ labelSelector: 'app=web', resourceVersion: '101' }]);
    api.watches[0]?.onEvent('MODIFIED', pod('web-1'));
    api.watches[0]?.onEvent('BOOKMARK', pod('web-1'));
    expect(events).toEqual(['MODIFIED web-1']);
  });

  it('re-lists at once, silently, when the server closes a watch normally', async () => {
    const { api, watch, log, resumed } = setup();
    watch.start();
    await settle();
    api.watches[0]?.onDone();
    await settle();
    expect(api.lists).toHaveLength(2);
    expect(api.watches[1]?.options.resourceVersion).toBe('102');
    expect(log).toEqual([]);
    expect(resumed).toEqual([]);
  });

  it('after a broken watch and refused lists: backs off, re-lists, and says how long it saw nothing', async () => {
    const { api, watch, log, lists, resumed, sleeps, advance } = setup();
    watch.start();
    await settle();
    advance(5000);
    api.down = 3;
    api.watches[0]?.onDone(new Error('other side closed'));
    await settle();
    expect(api.lists).toHaveLength(5); // the first list, three refused, one that worked
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      // Full jitter over a doubling ceiling from 250 ms (capped at 2 s).
      expect(ms).toBeGreaterThanOrEqual(Math.min(2000, 250 * 2 ** i) / 2);
      expect(ms).toBeLessThanOrEqual(Math.min(2000, 250 * 2 ** i));
    });
    const blind = sleeps.reduce((a, b) => a + b, 0);
    expect(resumed).toEqual([blind]);
    expect(lists).toEqual([['web-1'], ['web-1']]);
    expect(api.watches[1]?.options.resourceVersion).toBe('105');
    expect(log).toEqual([
      'watch of the pods of Deployment/web ended (other side closed); re-listing',
      expect.stringMatching(
        /^watch of the pods of Deployment\/web lost \(Listing Pod in ns: cannot reach .*ECONNREFUSED\)\); re-listing with backoff/,
      ),
      `watch of the pods of Deployment/web resumed after ${(blind / 1000).toFixed(1)} s without events (3 failed attempt(s)); re-listed, watching from the fresh resourceVersion`,
    ]);
  });

  it('a watch that broke is reported resumed even when the next list did not fail (a restarting server held it)', async () => {
    const { api, watch, log, resumed } = setup();
    watch.start();
    await settle();
    api.watches[0]?.onDone(new Error('terminated'));
    await settle();
    expect(resumed).toEqual([0]);
    expect(log.at(-1)).toBe(
      'watch of the pods of Deployment/web resumed after 0.0 s without events (0 failed attempt(s)); re-listed, watching from the fresh resourceVersion',
    );
  });

  it('an ERROR event (410 Gone) stops that watch and resumes from a fresh list', async () => {
    const { api, watch, log, events } = setup();
    watch.start();
    await settle();
    const first = api.watches[0] as OpenWatch;
    first.onEvent('ERROR', {
      code: 410,
      reason: 'Expired',
      message: 'too old resource version',
    } as unknown as KubeObject);
    first.onEvent('MODIFIED', pod('late')); // after the error: not taken
    await settle();
    expect(first.stopped).toBe(true);
    expect(events).toEqual([]);
    expect(api.lists).toHaveLength(2);
    expect(api.watches).toHaveLength(2);
    expect(log[0]).toBe(
      'watch of the pods of Deployment/web ended (the server sent 410 Expired: too old resource version); re-listing',
    );
    first.onDone(); // the server's close of the ended watch changes nothing
    await settle();
    expect(api.lists).toHaveLength(2);
  });

  it('gives up when the time is out, and stops when told', async () => {
    const short = setup(3000);
    short.api.down = 1000;
    short.watch.start();
    await settle();
    expect(short.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3000);
    expect(short.api.lists.length).toBeLessThan(20);

    const { api, watch } = setup();
    watch.start();
    await settle();
    watch.stop();
    expect(api.watches[0]?.stopped).toBe(true);
    api.watches[0]?.onDone(new Error('closed'));
    await settle();
    expect(api.lists).toHaveLength(1);
  });
});
