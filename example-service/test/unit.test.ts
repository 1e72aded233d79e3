// Unit tests: configuration, input validation, query limits. No services needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, parse, validate, specifiedRules } from 'graphql';
import { loadConfig } from '../src/config.ts';
import { Checker, pageArgs } from '../src/graphql/validate.ts';
import { costLimitRule, depthLimitRule } from '../src/graphql/limits.ts';
import { typeDefs } from '../src/graphql/schema.ts';
import { isUnavailable } from '../src/graphql/errors.ts';

describe('config', () => {
  test('defaults match the interface', () => {
    const c = loadConfig({});
    assert.equal(c.port, 4000);
    assert.equal(c.pgPoolMax, 4);
    assert.equal(c.introspection, true);
    assert.equal(c.migrateOnStart, true, 'zero-setup: migrate the embedded database');
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://x/y' }).migrateOnStart, false);
    assert.equal(
      loadConfig({ DATABASE_URL: 'postgres://x/y', MIGRATE_ON_START: 'true' }).migrateOnStart,
      true,
    );
  });

  test('production turns introspection and GraphiQL off and waits before draining', () => {
    const c = loadConfig({ NODE_ENV: 'production' });
    assert.equal(c.introspection, false);
    assert.equal(c.graphiql, false);
    assert.equal(c.shutdownDelayMs, 5000);
  });

  test('field suggestions follow introspection unless set', () => {
    assert.equal(loadConfig({}).suggestions, true);
    assert.equal(loadConfig({ NODE_ENV: 'production' }).suggestions, false);
    assert.equal(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).suggestions, false);
    assert.equal(
      loadConfig({ NODE_ENV: 'production', GRAPHQL_SUGGESTIONS: 'true' }).suggestions,
      true,
    );
    assert.equal(loadConfig({}).maxQuerySelections, 2000);
  });

  test('20 production replicas fit in max_connections=100 with headroom', () => {
    const c = loadConfig({ NODE_ENV: 'production' });
    assert.ok(20 * c.pgPoolMax <= 100 - 10);
  });

  test('bad values are refused with the variable name', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }), /PORT/);
    assert.throws(() => loadConfig({ PG_POOL_MAX: '0' }), /PG_POOL_MAX/);
    assert.throws(() => loadConfig({ CACHE_ENABLED: 'maybe' }), /CACHE_ENABLED/);
    assert.throws(() => loadConfig({ MAX_QUERY_SELECTIONS: '0' }), /MAX_QUERY_SELECTIONS/);
  });
});

describe('input validation', () => {
  test('collects every problem', () => {
    const c = new Checker();
    c.id('authorId', 'x1');
    c.text('title', '   ', 1, 10);
    c.isbn('isbn', '12345');
    c.intRange('rating', 0, 1, 5, false);
    assert.deepEqual(
      c.problems.map((p) => p.field),
      ['authorId', 'title', 'isbn', 'rating'],
    );
    assert.throws(
      () => c.done(),
      (e: any) => e.extensions.code === 'BAD_USER_INPUT' && e.extensions.fields.length === 4,
    );
  });

  test('normalises good input', () => {
    const c = new Checker();
    assert.equal(c.isbn('isbn', '978-0-13-468599-1'), '9780134685991');
    assert.equal(c.isbn('isbn', '0-306-40615-x'), '030640615X');
    assert.equal(c.text('name', '  Ada ', 1, 10), 'Ada');
    assert.equal(c.optionalText('bio', '   ', 10), null);
    c.done();
  });

  test('page arguments', () => {
    assert.deepEqual(pageArgs(5, '10', 100), { first: 5, after: '10' });
    assert.throws(() => pageArgs(101, null, 100));
    assert.throws(() => pageArgs(-1, null, 100));
    assert.throws(() => pageArgs(5, '1; DROP TABLE books', 100));
  });
});

describe('query limits', () => {
  const schema = buildSchema(typeDefs);
  const check = (q: string, depth = 6, cost = 1000) =>
    validate(schema, parse(q), [
      ...specifiedRules,
      depthLimitRule(depth),
      costLimitRule(cost, 100),
    ]).map((e) => e.extensions?.code ?? e.message);

  test('depth counts nesting through fragments', () => {
    assert.deepEqual(check('{ book(id: "1") { author { name } } }'), []);
    assert.deepEqual(
      check(
        '{ book(id: "1") { ...F } } fragment F on Book { author { books { author { books { author { name } } } } } }',
      ),
      ['QUERY_TOO_DEEP'],
    );
  });

  test('cost multiplies by page sizes, defaults and variables', () => {
    assert.deepEqual(check('{ authors(first: 10) { books(first: 10) { id } } }'), []); // 10 * 10 = 100
    assert.deepEqual(check('{ authors(first: 40) { books(first: 30) { id } } }'), [
      'QUERY_TOO_COSTLY',
    ]); // 1200
    assert.deepEqual(check('{ authors { books { reviews { id } } } }'), ['QUERY_TOO_COSTLY']); // defaults 20^3
    assert.deepEqual(check('query($n: Int) { authors(first: $n) { books(first: 20) { id } } }'), [
      'QUERY_TOO_COSTLY',
    ]); // variable = 100
  });

  test('aliases do not escape the cost', () => {
    const many = Array.from({ length: 30 }, (_, i) => `a${i}: books(first: 50) { id }`).join(' ');
    assert.deepEqual(check(`{ ${many} }`), ['QUERY_TOO_COSTLY']);
  });
});

describe('error classification', () => {
  test('connection failures are retryable, bugs are not', () => {
    assert.equal(
      isUnavailable(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
          code: 'ECONNREFUSED',
        }),
      ),
      true,
    );
    assert.equal(
      isUnavailable(
        Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        }),
      ),
      true,
    );
    assert.equal(
      isUnavailable(
        Object.assign(new Error('relation "x" does not exist'), {
          code: '42P01',
        }),
      ),
      false,
    );
  });
});
