// Unit tests: the checks that run before GraphQL validation (expansion budget, parsed documents
// only, request parameter types). No services needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import {
  expandedSelections,
  isParsedDocument,
  selectionBudgetError,
} from '../src/graphql/expansion.ts';
import { requestShapeProblem } from '../src/graphql/request-shape.ts';
import { fragmentBomb } from './helpers.ts';

describe('expanded selections', () => {
  const cases: Array<[string, string, number]> = [
    ['one field', '{ books { id } }', 2],
    ['aliases count', '{ a: books { id } b: books { id title } }', 5],
    ['inline fragments count', '{ books { ... on Book { id } } }', 3],
    // spread (1) + F's two selections, per spread
    ['a spread inlines its fragment', '{ books { ...F ...F } } fragment F on Book { id title }', 7],
    [
      'nested spreads multiply',
      '{ ...A } fragment A on Query { ...B ...B } fragment B on Query { books { id } }',
      1 + (2 + 2 * 2),
    ],
    ['every operation counts', 'query X { books { id } } query Y { books { id } }', 4],
    ['unused fragments do not count', '{ books { id } } fragment F on Book { id title isbn }', 2],
    ['an unknown fragment counts its spread only', '{ ...Nope }', 1],
    [
      'a cycle ends (the spec rule reports it)',
      '{ ...A } fragment A on Query { ...B } fragment B on Query { __typename ...A }',
      1 + 1 + 2,
    ],
    ['a self-spread ends', '{ ...A } fragment A on Query { __typename ...A }', 3],
  ];
  for (const [name, query, expected] of cases) {
    test(name, () => assert.equal(expandedSelections(parse(query)), expected));
  }

  test('the 22-deep fragment bomb is counted, not expanded', () => {
    const bomb = fragmentBomb(22);
    assert.ok(bomb.length < 1024, `${bomb.length} bytes`);
    // level k (F_k ... F_22) expands to 3 * 2^(22-k) - 2 selections; plus the operation's spread
    assert.equal(expandedSelections(parse(bomb)), 3 * 2 ** 22 - 1);
  });

  test('a bomb too big for a float saturates at 2^53-1', () => {
    assert.equal(expandedSelections(parse(fragmentBomb(1200))), Number.MAX_SAFE_INTEGER);
  });

  test('the budget error names the count, the limit and a public code', () => {
    assert.equal(selectionBudgetError(parse('{ books { id } }'), 2), undefined);
    const err = selectionBudgetError(parse('{ books { id title } }'), 2);
    assert.equal(err?.extensions.code, 'QUERY_TOO_COMPLEX');
    assert.match(err?.message ?? '', /expands to 3 selections .* limit of 2$/);
  });
});

describe('parsed documents only', () => {
  test("graphql's parser output passes", () => {
    assert.equal(isParsedDocument(parse('{ books { id } }')), true);
  });

  test('a JSON AST, or anything else, is refused', () => {
    const json = JSON.parse(JSON.stringify(parse('{ books { id } }')));
    for (const doc of [json, { ...json, loc: undefined }, 5, '{ a }', null, [], {}]) {
      assert.equal(isParsedDocument(doc), false, JSON.stringify(doc)?.slice(0, 60));
    }
  });
});

describe('request parameter types', () => {
  const ok: unknown[] = [
    { query: '{ a }' },
    { query: '{ a }', operationName: null, variables: null },
    { query: '{ a }', operationName: 'A', variables: { x: 1 } },
    { query: '{ a }', variables: '{"x":1}' }, // GET: a JSON string
    {}, // no query: Mercurius answers that itself
  ];
  for (const params of ok) {
    test(`accepts ${JSON.stringify(params)}`, () =>
      assert.equal(requestShapeProblem(params), undefined));
  }
  const bad: Array<[unknown, RegExp]> = [
    [{ query: 5 }, /^"query" must be a string of GraphQL source text, got number 5$/],
    [{ query: ['{ a }'] }, /^"query" must be .*, got an array$/],
    [{ query: { kind: 'Document' } }, /^"query" must be .*, got an object$/],
    [{ query: true }, /got boolean true$/],
    [{ query: null }, /got null$/],
    [{ query: '{ a }', operationName: 5 }, /^"operationName" must be a string or null/],
    [{ query: '{ a }', variables: [1] }, /^"variables" must be an object or null, got an array$/],
    [{ query: '{ a }', variables: 5 }, /got number 5$/],
    [[{ query: '{ a }' }], /^The request must be a JSON object .*, got an array$/],
    ['{ a }', /got a string$/],
    [null, /got null$/],
  ];
  for (const [params, message] of bad) {
    test(`refuses ${JSON.stringify(params)}`, () =>
      assert.match(requestShapeProblem(params) ?? '', message));
  }
});
