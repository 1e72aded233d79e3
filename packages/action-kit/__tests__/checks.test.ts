import { describe, expect, it } from '@jest/globals';
import {
  checkUrl,
  evaluateResponse,
  meets,
  parseThreshold,
  validateCheckList,
  type Check,
  type HttpResponse,
} from '../src/checks/index.js';

function validate(items: unknown[]): { checks: Check[]; problems: string[] } {
  const problems: string[] = [];
  return { checks: validateCheckList(items, problems), problems };
}

const one = (item: Record<string, unknown>): Check => {
  const { checks, problems } = validate([item]);
  expect(problems).toEqual([]);
  return checks[0] as Check;
};

describe('validateCheckList: what a valid check becomes', () => {
  it.each<[string, Record<string, unknown>, Partial<Check>]>([
    ['defaults', { name: 'a' }, { method: 'GET', path: '', status: [{ code: 200 }], load: true, allowErrors: false }],
    ['method in any case', { name: 'a', method: ' post ', body: 'x' }, { method: 'POST', body: 'x' }],
    [
      'status class and list',
      { name: 'a', status: ['2xx', 404, '301'] },
      { status: [{ class: 2 }, { code: 404 }, { code: 301 }] },
    ],
    [
      'a mapping body is JSON',
      { name: 'a', method: 'PUT', body: { a: 1 } },
      { body: '{"a":1}', headers: { 'content-type': 'application/json' } },
    ],
    ['contains as one or a list', { name: 'a', contains: ['x', 3] }, { contains: ['x', '3'] }],
    [
      'graphql defaults',
      { name: 'g', graphql: { query: '{ a }' } },
      { method: 'POST', path: '/graphql', body: '{"query":"{ a }"}' },
    ],
    ['load off', { name: 'a', load: false }, { load: false }],
    [
      'promql check',
      { name: 'p', promql: 'up', threshold: '== 1' },
      { load: false, promql: { query: 'up', threshold: { op: '==', value: 1 } } },
    ],
  ])('%s', (_what, item, expected) => {
    expect(one(item)).toMatchObject(expected);
  });

  it('parses JSON expectations into segments', () => {
    expect(one({ name: 'j', json: { 'data.books[0].id': '1' } }).json).toEqual([
      {
        path: 'data.books[0].id',
        segments: [
          { kind: 'key', key: 'data' },
          { kind: 'key', key: 'books' },
          { kind: 'index', index: 0 },
          { kind: 'key', key: 'id' },
        ],
        expected: '1',
      },
    ]);
  });
});

describe('validateCheckList: every problem, naming the check and the field', () => {
  it.each<[string, unknown[], RegExp]>([
    ['not a mapping', ['x'], /^checks\[0\]: each check must be a mapping with at least a name, got a string \("x"\)$/],
    ['no name', [{ path: '/' }], /^checks\[0\]: field 'name' is required/],
    [
      'unknown field',
      [{ name: 'c', url: '/x' }],
      /^checks\[0\] \("c"\): unknown field 'url'; accepted fields: name, method/,
    ],
    ['bad method', [{ name: 'c', method: 'FETCH' }], /field 'method' must be one of GET, HEAD, POST/],
    ['absolute URL', [{ name: 'c', path: 'http://x/y' }], /field 'path' .*not an absolute URL/],
    ['body on GET', [{ name: 'c', body: 'x' }], /field 'body' cannot be sent with GET/],
    ['managed header', [{ name: 'c', headers: { Host: 'x' } }], /field 'headers' cannot set Host/],
    ['status out of range', [{ name: 'c', status: 999 }], /field 'status' must be an HTTP status code/],
    ['bad json path', [{ name: 'c', json: { 'a[': 1 } }], /field 'json' has an invalid path "a\["/],
    ['allow-errors without graphql', [{ name: 'c', 'allow-errors': true }], /only applies to GraphQL checks/],
    ['bad threshold', [{ name: 'p', promql: 'up', threshold: 'about 1' }], /field 'threshold' must be an operator/],
    [
      'duplicate name',
      [{ name: 'c' }, { name: 'c' }],
      /^checks\[1\] \("c"\): name must be unique; checks\[0\] has the same name$/,
    ],
  ])('%s', (_what, items, message) => {
    const { checks, problems } = validate(items);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(checks.length).toBeLessThan(items.length === 2 ? 3 : 1);
  });

  it('collects the problems of several checks at once', () => {
    expect(
      validate([
        { name: 'a', method: 1 },
        { name: 'b', status: 'ok' },
      ]).problems,
    ).toEqual([
      expect.stringMatching(/^checks\[0\] \("a"\): field 'method'/),
      expect.stringMatching(/^checks\[1\] \("b"\): field 'status'/),
    ]);
  });
});

describe('checkUrl', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    ['empty path is the base URL', 'http://h/app', { name: 'a' }, 'http://h/app'],
    ['joined under the base path', 'http://h/app/', { name: 'a', path: 'health' }, 'http://h/app/health'],
    ['keeps the query', 'http://h/', { name: 'a', path: '/x?y=1' }, 'http://h/x?y=1'],
    [
      'GraphQL GET in the URL',
      'http://h/',
      { name: 'g', method: 'GET', graphql: { query: '{ a }' } },
      'http://h/graphql?query=%7B+a+%7D',
    ],
  ])('%s', (_what, base, item, expected) => {
    expect(checkUrl(new URL(base), one(item)).href).toBe(expected);
  });
});

describe('evaluateResponse', () => {
  const answer = (status: number, body: string): HttpResponse => ({
    status,
    headers: {},
    body,
    bodyTruncated: false,
    durationMs: 1,
  });
  const check = one({
    name: 'books',
    graphql: { query: '{ books { id } }' },
    json: { 'data.books[0].id': '1' },
    contains: 'books',
  });

  it.each<[number, string, RegExp[]]>([
    [200, '{"data":{"books":[{"id":"1"}]}}', []],
    [500, '{"data":{"books":[{"id":"1"}]}}', [/^status: expected 200, got 500/]],
    [
      200,
      '{"data":{"books":[{"id":1}]}}',
      [/^json data.books\[0\].id: expected "1" \(string\), got 1 \(number\) \(same text, different type/],
    ],
    [
      200,
      '{"errors":[{"message":"boom"}],"data":{"books":[]}}',
      [/^graphql: expected no errors, got 1: boom/, /path does not exist/],
    ],
    [200, 'books?', [/^json: expected a JSON body \(the body is not JSON/]],
    [200, '{"data":{}}', [/^contains: expected the body to contain "books"/, /path does not exist/]],
  ])('status %p body %p', (status, body, expected) => {
    const failures = evaluateResponse(check, answer(status, body));
    expect(failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(failures[i]).toMatch(pattern));
  });
});

describe('thresholds', () => {
  it.each<[unknown, unknown]>([
    ['< 0.01', { op: '<', value: 0.01 }],
    ['>=3', { op: '>=', value: 3 }],
    ['!= -2', { op: '!=', value: -2 }],
    ['< 1e-3', { op: '<', value: 0.001 }],
    ['< +Inf', { op: '<', value: Infinity }],
    [1, { op: '==', value: 1 }],
    ['=< 1', expect.stringMatching(/^must be an operator .* got "=< 1"$/)],
    [undefined, expect.stringMatching(/got nothing$/)],
  ])('parseThreshold(%p)', (raw, expected) => {
    expect(parseThreshold(raw)).toEqual(expected);
  });

  it.each<[number, string, boolean]>([
    [0.5, '< 1', true],
    [1, '< 1', false],
    [1, '<= 1', true],
    [2, '> 1', true],
    [1, '>= 2', false],
    [1, '== 1', true],
    [1, '!= 1', false],
  ])('%p meets %p: %p', (sample, threshold, expected) => {
    const parsed = parseThreshold(threshold);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(meets(sample, parsed)).toBe(expected);
  });
});
