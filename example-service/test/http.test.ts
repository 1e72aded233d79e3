// Interface, safety and observability: bad input gets clear errors with the right status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { gql, startApp, type TestApp } from './helpers.ts';

let t: TestApp;
before(async () => {
  t = await startApp({
    label: 'http',
    env: {
      MAX_QUERY_DEPTH: '6',
      MAX_QUERY_COST: '2000',
      BODY_LIMIT_BYTES: '4096',
    },
  });
});
after(async () => {
  await t?.close();
});

describe('interface', () => {
  test('liveness is the process only', async () => {
    const r = await fetch(`${t.url}/health/live`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ok' });
  });

  test('readiness checks PostgreSQL and Redis', async () => {
    const r = await fetch(`${t.url}/health/ready`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as any;
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.postgres.status, 'ok');
    assert.equal(body.checks.redis.status, 'ok');
  });

  test('x-request-id is echoed, or generated when absent', async () => {
    const echoed = await gql(t.url, '{ book(id: "1") { id } }', undefined, {
      'x-request-id': 'abc-123',
    });
    assert.equal(echoed.headers.get('x-request-id'), 'abc-123');
    const generated = await gql(t.url, '{ book(id: "1") { id } }');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const hostile = await gql(t.url, '{ book(id: "1") { id } }', undefined, {
      'x-request-id': 'a b<script>',
    });
    assert.notEqual(hostile.headers.get('x-request-id'), 'a b<script>');
  });

  test('metrics: HTTP, GraphQL, pool and cache series with bounded labels', async () => {
    await gql(t.url, '{ book(id: "1") { id } }');
    await fetch(`${t.url}/no/such/route/${Math.random()}`);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(
      text,
      /http_requests_total\{method="POST",route="\/graphql",status_code="200"\} \d+/,
    );
    assert.match(
      text,
      /http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/graphql",status_code="200"\}/,
    );
    assert.match(text, /route="unmatched",status_code="404"/);
    assert.doesNotMatch(text, /no\/such\/route/);
    assert.match(
      text,
      /graphql_operation_duration_seconds_count\{operation_type="query",outcome="success"\} \d+/,
    );
    assert.match(text, /db_pool_connections\{state="max"\} \d+/);
    assert.match(text, /cache_up\{kind="redis"\} 1/);
    assert.match(text, /service_degraded 0/);
    assert.match(text, /process_cpu_seconds_total/);
  });

  test('unknown routes are JSON 404s', async () => {
    const r = await fetch(`${t.url}/nope`);
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as any).errors[0].extensions.code, 'NOT_FOUND');
  });
});

describe('bad input and limits', () => {
  test('malformed GraphQL: 400 with a parse error', async () => {
    const r = await gql(t.url, '{ books(first: 1) { id ');
    assert.equal(r.status, 400);
    assert.match(r.body.errors![0].message, /Syntax Error/);
  });

  test('unknown field: 400 validation error', async () => {
    const r = await gql(t.url, '{ books { nope } }');
    assert.equal(r.status, 400);
    assert.match(r.body.errors![0].message, /Cannot query field "nope"/);
  });

  test('malformed JSON body: 400', async () => {
    const r = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    assert.equal(r.status, 400);
    assert.ok(((await r.json()) as any).errors[0].message);
  });

  test('too deep: 400 QUERY_TOO_DEEP', async () => {
    const r = await gql(
      t.url,
      '{ book(id: "1") { author { books(first: 1) { author { books(first: 1) { ' +
        'author { books(first: 1) { id } } } } } } } }',
    );
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.errors![0].extensions!.code, 'QUERY_TOO_DEEP');
  });

  test('too costly: 400 QUERY_TOO_COSTLY', async () => {
    const r = await gql(t.url, '{ authors(first: 100) { books(first: 100) { id } } }');
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.errors![0].extensions!.code, 'QUERY_TOO_COSTLY');
    const viaFragments = await gql(
      t.url,
      'query { authors(first: 50) { ...A } } fragment A on Author { books(first: 50) { id title } }',
    );
    assert.equal(viaFragments.body.errors![0].extensions!.code, 'QUERY_TOO_COSTLY');
  });

  test('oversized body: 413, nothing executed', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authors');
    const big = `mutation { createAuthor(input: { name: "x", bio: "${'y'.repeat(8000)}" }) { id } }`;
    const r = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: big }),
    });
    assert.equal(r.status, 413);
    assert.equal(((await r.json()) as any).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM authors');
    assert.equal(after[0].n, before[0].n);
  });

  test('introspection is allowed outside production', async () => {
    const r = await gql(t.url, '{ __schema { queryType { name } } }');
    assert.equal(r.status, 200);
  });

  test('errors never leak SQL or stack traces', async () => {
    // Break the schema under the running service: the resolver error must be masked.
    const admin = new pg.Client({ connectionString: t.databaseUrl });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE reviews RENAME TO reviews_gone');
      await t.cache.invalidate();
      const r = await gql(t.url, '{ book(id: "1") { id reviews(first: 1) { id } } }');
      assert.equal(r.body.errors![0].message, 'Internal server error');
      assert.equal(r.body.errors![0].extensions!.code, 'INTERNAL_SERVER_ERROR');
      assert.doesNotMatch(r.text, /relation|reviews_gone|SELECT|at .*\.ts|stack/i);
    } finally {
      await admin.query('ALTER TABLE reviews_gone RENAME TO reviews');
      await admin.end();
    }
  });
});

describe('statement timeout', () => {
  test('a query stuck behind a lock is cancelled by statement_timeout and reported as retryable', async () => {
    const t2 = await startApp({
      label: 'stmt',
      env: { PG_STATEMENT_TIMEOUT_MS: '300', CACHE_ENABLED: 'false' },
    });
    const locker = new pg.Client({ connectionString: t2.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE books IN ACCESS EXCLUSIVE MODE');
      const t0 = performance.now();
      const r = await gql(t2.url, '{ books(first: 1) { id } }');
      const ms = performance.now() - t0;
      assert.ok(ms < 3000, `answered in ${Math.round(ms)} ms`);
      assert.equal(r.body.errors![0].extensions!.code, 'SERVICE_UNAVAILABLE', r.text);
      assert.doesNotMatch(r.text, /statement timeout|canceling/i);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      await t2.close();
    }
  });
});

describe('production mode', () => {
  test('introspection is off, rate limit answers 429 with Retry-After', async () => {
    const p = await startApp({
      label: 'prod',
      env: {
        NODE_ENV: 'production',
        RATE_LIMIT_MAX: '5',
        RATE_LIMIT_WINDOW_MS: '60000',
        SHUTDOWN_DELAY_MS: '0',
      },
    });
    try {
      const intro = await gql(p.url, '{ __schema { queryType { name } } }');
      assert.equal(intro.status, 400);
      assert.match(intro.body.errors![0].message, /introspection/i);
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await fetch(`${p.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ book(id: \\"1\\") { id } }"}',
        });
        statuses.push(last.status);
        await last.arrayBuffer();
      }
      assert.deepEqual(statuses.slice(-2), [429, 429]);
      assert.ok(Number(last!.headers.get('retry-after')) > 0);
      const ready = await fetch(`${p.url}/health/ready`);
      assert.equal(ready.status, 200, 'probes are never rate limited');
      const gi = await fetch(`${p.url}/graphiql`);
      assert.equal(gi.status, 404);
    } finally {
      await p.close();
    }
  });
});
