// Abusive GraphQL against the real service (PostgreSQL, Redis, loopback HTTP): a fragment-spread
// bomb, non-string queries, schema probing through "Did you mean" suggestions. Timing bounds here
// are deliberately loose (before the expansion budget the bomb took 8-30 s); the figures are in
// `npm run bench:abuse`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { capturedLog, fragmentBomb, gql, startApp, type TestApp } from './helpers.ts';

const BOMB = fragmentBomb(22);
const STACK = /\n\s+at |"stack"/;

async function post(url: string, body: string, path = '/graphql') {
  const t0 = performance.now();
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text), ms: performance.now() - t0 };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

let t: TestApp;
const captured = capturedLog();
before(async () => {
  t = await startApp({ label: 'abuse', log: captured.log });
});
after(async () => {
  await t?.close();
});

describe('fragment-spread bomb', () => {
  test('is refused by the expansion budget, in about the time of an ordinary bad query', async () => {
    const typo = await timed(() => gql(t.url, '{ books { nope } }'));
    const r = await post(t.url, JSON.stringify({ query: BOMB }));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.errors.length, 1);
    assert.equal(r.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.equal(r.body.errors[0].extensions.selections, 3 * 2 ** 22 - 1);
    assert.match(r.body.errors[0].message, /more than the limit of 2000$/);
    const bound = Math.max(2000, 50 * typo);
    assert.ok(r.ms < bound, `bomb answered in ${Math.round(r.ms)} ms (bound ${bound})`);
  });

  test('liveness stays fast while bombs are being refused concurrently', async () => {
    const idle: number[] = [];
    for (let i = 0; i < 10; i++) idle.push(await timed(() => fetch(`${t.url}/health/live`)));
    let stop = false;
    const refused: string[] = [];
    const attacker = async () => {
      while (!stop) {
        const r = await post(t.url, JSON.stringify({ query: BOMB }));
        refused.push(`${r.status} ${r.body.errors?.[0]?.extensions?.code}`);
      }
    };
    const attackers = Array.from({ length: 4 }, attacker);
    const busy: number[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        busy.push(
          await timed(async () => {
            const r = await fetch(`${t.url}/health/live`);
            assert.equal(r.status, 200);
            await r.arrayBuffer();
          }),
        );
      }
    } finally {
      stop = true;
      await Promise.all(attackers);
    }
    assert.ok(refused.length >= 4, `${refused.length} bombs sent`);
    assert.deepEqual(new Set(refused), new Set(['400 QUERY_TOO_COMPLEX']));
    const worst = Math.max(...busy);
    const idleWorst = Math.max(...idle);
    const bound = Math.max(2000, 50 * idleWorst);
    assert.ok(
      worst < bound,
      `liveness under abuse: worst ${Math.round(worst)} ms over ${busy.length} probes, ` +
        `idle worst ${Math.round(idleWorst)} ms, ${refused.length} bombs refused meanwhile`,
    );
  });
});

describe('non-string query', () => {
  const ast = {
    kind: 'Document',
    definitions: [
      {
        kind: 'OperationDefinition',
        operation: 'query',
        selectionSet: { kind: 'SelectionSet', selections: [] },
      },
    ],
  };
  const cases: Array<[string, string, RegExp]> = [
    ['a number', '{"query": 5}', /^"query" must be a string .*, got number 5$/],
    ['an array', '{"query": ["{ books(first: 1) { id } }"]}', /^"query" .*, got an array$/],
    ['an AST object', JSON.stringify({ query: ast }), /^"query" .*, got an object$/],
    ['a JSON AST in a string', JSON.stringify({ query: JSON.stringify(ast) }), /GraphQL source/],
    ['a body that is not an object', '[{"query": "{ books { id } }"}]', /JSON object/],
  ];
  for (const [name, body, message] of cases) {
    test(`${name}: 400 BAD_REQUEST, no stack trace in the answer or the logs`, async () => {
      const mark = captured.lines.length;
      const r = await post(t.url, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.errors[0].extensions.code, 'BAD_REQUEST', r.text);
      assert.match(r.body.errors[0].message, message);
      assert.equal(r.body.data ?? null, null, 'nothing executed');
      assert.doesNotMatch(r.text, STACK);
      const logged = captured.lines.slice(mark).join('');
      assert.match(logged, /"statusCode":400/, 'the access log line is there');
      assert.doesNotMatch(logged, STACK);
      assert.doesNotMatch(logged, /"level":50/);
    });
  }

  test('GET with the query given twice: 400 BAD_REQUEST', async () => {
    const r = await fetch(`${t.url}/graphql?query=%7Bbooks%7Bid%7D%7D&query=x`);
    assert.equal(r.status, 400);
    const body = (await r.json()) as { errors: Array<{ message: string; extensions: object }> };
    assert.deepEqual(body.errors[0].extensions, { code: 'BAD_REQUEST' });
    assert.match(body.errors[0].message, /^"query" .*, got an array$/);
  });

  test('a string query still works, over POST and GET', async () => {
    const r = await gql(t.url, '{ books(first: 1) { id } }');
    assert.deepEqual(r.body, { data: { books: [{ id: '1' }] } });
    const g = await fetch(`${t.url}/graphql?query=%7Bbooks(first%3A1)%7Bid%7D%7D`);
    assert.deepEqual(await g.json(), { data: { books: [{ id: '1' }] } });
  });
});

describe('field suggestions', () => {
  const probes: Array<[string, string, Record<string, unknown> | undefined]> = [
    ['a field', '{ books(first: 1) { titel } }', undefined],
    ['an argument', '{ books(frist: 1) { id } }', undefined],
    ['a type', 'query($i: CreateAuthorInputt!) { books { id } }', undefined],
    [
      'an input field in variables',
      'mutation($i: CreateAuthorInput!) { createAuthor(input: $i) { id } }',
      { i: { nam: 'x' } },
    ],
  ];

  test('outside production, errors suggest names (the development aid)', async () => {
    for (const [name, query, variables] of probes) {
      const r = await gql(t.url, query, variables);
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assert.match(r.text, /Did you mean/, name);
    }
  });

  test('in production, no error suggests a name', async () => {
    const p = await startApp({
      label: 'abuse_prod',
      env: { NODE_ENV: 'production', SHUTDOWN_DELAY_MS: '0' },
    });
    try {
      for (const [name, query, variables] of probes) {
        const r = await gql(p.url, query, variables);
        assert.equal(r.status, 400, `${name}: ${r.text}`);
        assert.ok(r.body.errors!.length > 0, name);
        assert.doesNotMatch(r.text, /Did you mean|"title"|"first"/, name);
      }
    } finally {
      await p.close();
    }
  });
});
