// Faults under a running service: Redis stopped, PostgreSQL stopped and restarted.
// Uses the test run's private services (see global-setup.ts); every test restores them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NESTED, gql, startApp, type TestApp } from './helpers.ts';
import { createClient } from 'redis';
import { servicesCtl, servicesEnv } from './services.ts';

const apps: TestApp[] = [];
after(async () => {
  await Promise.allSettled(apps.map((a) => a.close()));
  await servicesCtl('start'); // whatever happened, leave both services up
});

async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < end);
  return last;
}

describe('Redis stopped', () => {
  test('keeps answering correctly from PostgreSQL, reports degraded, recovers without stale data', async () => {
    const t = await startApp({ label: 'redisdown' });
    apps.push(t);
    const baseline = await gql(t.url, NESTED);
    await gql(t.url, NESTED); // now cached
    const q = '{ book(id: "3") { title } }';
    assert.equal((await gql(t.url, q)).body.data!.book.title, 'Rolling Updates Volume 1');

    await servicesCtl('stop', 'redis');
    try {
      const ready = await until(
        () =>
          fetch(`${t.url}/health/ready`).then(async (r) => ({
            status: r.status,
            body: (await r.json()) as any,
          })),
        (r) => r.body.status === 'degraded',
        5000,
      );
      assert.equal(ready.status, 200, 'a cache outage must not take pods out of service');
      assert.deepEqual(ready.body.degraded, ['redis']);
      assert.equal(ready.body.checks.redis.status, 'down');
      assert.equal(ready.body.checks.postgres.status, 'ok');

      const t0 = performance.now();
      const during = await gql(t.url, NESTED);
      assert.ok(performance.now() - t0 < 2000, 'no waiting on the dead cache');
      assert.deepEqual(during.body, baseline.body, 'same answer, from PostgreSQL');

      const m = await gql(
        t.url,
        'mutation { updateBook(id: "3", input: { title: "Written While Redis Was Down" }) { title } }',
      );
      assert.equal(m.body.data!.updateBook.title, 'Written While Redis Was Down', m.text);
      assert.equal((await gql(t.url, q)).body.data!.book.title, 'Written While Redis Was Down');

      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /service_degraded 1/);
      assert.match(metrics, /cache_up\{kind="redis"\} 0/);
    } finally {
      await servicesCtl('start', 'redis');
    }
    const back = await until(
      () => fetch(`${t.url}/health/ready`).then(async (r) => (await r.json()) as any),
      (b) => b.status === 'ok',
      10_000,
    );
    assert.equal(back.status, 'ok');
    // after reconnection the version is bumped: nothing cached before the outage is served
    assert.equal((await gql(t.url, q)).body.data!.book.title, 'Written While Redis Was Down');
    assert.equal((await gql(t.url, q)).body.data!.book.title, 'Written While Redis Was Down');
  });
});

describe('PostgreSQL stopped and restarted under the service', () => {
  test('readiness 503 naming postgres, clear retryable errors, then reconnects and answers again', async () => {
    const t = await startApp({
      label: 'pgrestart',
      env: { CACHE_ENABLED: 'false', PG_CONNECT_TIMEOUT_MS: '1000' },
    });
    apps.push(t);
    const before = await gql(t.url, NESTED);
    assert.equal(before.status, 200);

    await servicesCtl('stop', 'postgres');
    try {
      const ready = await fetch(`${t.url}/health/ready`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as any;
      assert.deepEqual(body.failed, ['postgres']);
      assert.equal(body.status, 'unavailable');

      const during = await gql(t.url, NESTED);
      assert.equal(during.body.errors![0].extensions!.code, 'SERVICE_UNAVAILABLE', during.text);
      assert.doesNotMatch(during.text, /ECONNREFUSED|127\.0\.0\.1|SELECT/);
      const live = await fetch(`${t.url}/health/live`);
      assert.equal(live.status, 200, 'liveness is the process only: no restart storm');
    } finally {
      await servicesCtl('start', 'postgres');
    }
    const after = await until(
      () => gql(t.url, NESTED),
      (r) => r.status === 200 && !r.body.errors,
      15_000,
    );
    assert.deepEqual(after.body, before.body);

    // a restart while the pool holds idle connections: they are dropped and replaced
    await servicesCtl('restart', 'postgres');
    const again = await until(
      () => gql(t.url, NESTED),
      (r) => r.status === 200 && !r.body.errors,
      15_000,
    );
    assert.deepEqual(again.body, before.body);
    assert.equal((await fetch(`${t.url}/health/ready`)).status, 200);
  });
});

describe('cache coherence across pods', () => {
  test('a write on one pod is seen by the next read on another (shared Redis, in-process tiers)', async () => {
    const a = await startApp({
      label: 'podA',
      env: { CACHE_KEY_PREFIX: 'pods:' },
    });
    apps.push(a);
    const b = await startApp({
      label: 'podB',
      databaseUrl: a.databaseUrl,
      env: { CACHE_KEY_PREFIX: 'pods:' },
    });
    apps.push(b);
    const q = '{ book(id: "5") { title } author(id: "1") { books(first: 8) { title } } }';
    for (const t of [a, b, a, b]) await gql(t.url, q); // both pods have it in both tiers
    assert.equal(await countQueriesOf(b, () => gql(b.url, q)), 0, 'pod B answers from its cache');
    const m = await gql(
      a.url,
      'mutation { updateBook(id: "5", input: { title: "Seen Everywhere" }) { title } }',
    );
    assert.equal(m.body.data!.updateBook.title, 'Seen Everywhere');
    const r = await gql(b.url, q);
    assert.equal(r.body.data!.book.title, 'Seen Everywhere');
    assert.equal(r.body.data!.author.books[4].title, 'Seen Everywhere');
  });

  test('Redis wiped under the service (FLUSHALL): no version is reused, writes stay visible', async () => {
    const t = await startApp({ label: 'flush' });
    apps.push(t);
    const q = '{ book(id: "6") { title } }';
    await gql(t.url, q);
    await gql(t.url, q);
    const redis = createClient({ url: servicesEnv().REDIS_URL });
    await redis.connect();
    try {
      await redis.flushAll();
    } finally {
      await redis.close();
    }
    await gql(
      t.url,
      'mutation { updateBook(id: "6", input: { title: "After The Flush" }) { title } }',
    );
    for (let i = 0; i < 3; i++)
      assert.equal((await gql(t.url, q)).body.data!.book.title, 'After The Flush');
  });
});

async function countQueriesOf(t: TestApp, fn: () => Promise<unknown>): Promise<number> {
  const before = t.db.queryCount;
  await fn();
  return t.db.queryCount - before;
}
