import { describe, expect, it } from '@jest/globals';
import { parseChecks, type Check } from '../src/checks.js';
import {
  evaluateResponse,
  graphqlErrors,
  jsonEqual,
  oneLine,
  showValue,
  truncate,
  typeHint,
  type HttpResponse,
} from '@pipeline/action-kit/checks';
import { transportFailure } from '../src/evaluate.js';

const check = (yaml: string): Check => {
  const [parsed] = parseChecks(yaml, 'inline');
  if (!parsed) throw new Error('no check');
  return parsed;
};
const response = (status: number, body: unknown, extra: Partial<HttpResponse> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  bodyTruncated: false,
  durationMs: 1,
  ...extra,
});
const books = { data: { books: [{ id: '1', pages: 412 }] } };

describe('evaluateResponse', () => {
  it.each<[string, string, HttpResponse, string[]]>([
    ['passes a 200', '- name: a\n', response(200, { ok: true }), []],
    [
      'status mismatch with the body',
      '- name: a\n',
      response(503, { status: 'starting' }),
      ['status: expected 200, got 503; body: {"status":"starting"}'],
    ],
    [
      'status list',
      '- name: a\n  status: [200, 204]\n',
      response(404, ''),
      ['status: expected one of 200, 204, got 404; (empty body)'],
    ],
    ['status class', '- name: a\n  status: 3xx\n', response(301, ''), []],
    [
      'contains',
      '- name: a\n  contains: [hello, bye]\n',
      response(200, 'hello world'),
      ['contains: expected the body to contain "bye"; body: hello world'],
    ],
    [
      'json equal',
      '- name: a\n  json:\n    data.books[0].id: "1"\n    data.books[0].pages: 412\n',
      response(200, books),
      [],
    ],
    [
      'json number vs string',
      '- name: a\n  json:\n    data.books[0].id: 1\n',
      response(200, books),
      [
        'json data.books[0].id: expected 1 (number), got "1" (string) (same text, different type: quote the expected value in checks to compare as string)',
      ],
    ],
    [
      'json string vs number',
      '- name: a\n  json:\n    data.books[0].pages: "412"\n',
      response(200, books),
      [
        'json data.books[0].pages: expected "412" (string), got 412 (number) (same text, different type: unquote the expected value in checks to compare as number)',
      ],
    ],
    [
      'json different value',
      '- name: a\n  json:\n    data.books[0].id: "2"\n',
      response(200, books),
      ['json data.books[0].id: expected "2" (string), got "1" (string)'],
    ],
    [
      'json missing path',
      '- name: a\n  json:\n    data.books[3].id: "1"\n',
      response(200, books),
      [
        'json data.books[3].id: expected "1" (string), but the path does not exist: data.books has 1 item, so index 3 does not exist',
      ],
    ],
    ['json deep object', '- name: a\n  json:\n    data.books[0]: { pages: 412, id: "1" }\n', response(200, books), []],
    [
      'json on a non-JSON body',
      '- name: a\n  json:\n    a: 1\n',
      response(200, '<html>oops</html>'),
      ['json: expected a JSON body (the body is not JSON; content-type: text/plain); body: <html>oops</html>'],
    ],
    [
      'graphql errors fail by default',
      '- name: g\n  graphql: { query: "{ broken }" }\n',
      response(200, {
        data: null,
        errors: [{ message: 'Cannot query field "broken"', path: ['broken'] }, { message: 'second' }],
      }),
      ['graphql: expected no errors, got 2: Cannot query field "broken" (at broken) | second'],
    ],
    [
      'graphql allow-errors',
      '- name: g\n  graphql: { query: "{ x }" }\n  allow-errors: true\n  json:\n    data.x: 1\n',
      response(200, { data: { x: 1 }, errors: [{ message: 'partial' }] }),
      [],
    ],
    [
      'graphql without data',
      '- name: g\n  graphql: { query: "{ x }" }\n',
      response(200, { something: 1 }),
      ['graphql: expected a response with "data", got {"something":1} (object)'],
    ],
    [
      'graphql empty errors list is fine',
      '- name: g\n  graphql: { query: "{ x }" }\n',
      response(200, { data: { x: 1 }, errors: [] }),
      [],
    ],
  ])('%s', (_title, yaml, res, failures) => {
    expect(evaluateResponse(check(yaml), res)).toEqual(failures);
  });

  it('reports several failures of one response together', () => {
    const failures = evaluateResponse(
      check('- name: a\n  contains: nope\n  json:\n    data.books[0].id: "9"\n'),
      response(500, books),
    );
    expect(failures.map((f) => f.split(':')[0])).toEqual(['status', 'contains', 'json data.books[0].id']);
  });

  it('truncates a long body safely in the message', () => {
    const body = `${'é'.repeat(250)}😀${'z'.repeat(400)}`;
    const [failure] = evaluateResponse(check('- name: a\n'), response(500, body));
    expect(failure).toMatch(/^status: expected 200, got 500; body: é+😀z+\.\.\. \(351 more characters\)$/);
    expect(failure?.length).toBeLessThan(500);
  });

  it('says when the body was cut at the read limit', () => {
    const [failure] = evaluateResponse(
      check('- name: a\n  json:\n    a: 1\n'),
      response(200, '{"a":', { bodyTruncated: true }),
    );
    expect(failure).toMatch(/the body was cut at the read limit/);
  });
});

describe('graphqlErrors', () => {
  it.each([
    [{ data: {} }, []],
    [{ errors: null }, []],
    [{ errors: [{ message: 'm', path: ['a', 0, 'b'] }] }, ['m (at a.0.b)']],
    [{ errors: [{ code: 1 }] }, ['{"code":1}']],
    [{ errors: 'bad' }, ['errors is not a list: "bad"']],
    [[1, 2], []],
  ])('%j -> %j', (parsed, messages) => {
    expect(graphqlErrors(parsed)).toEqual(messages);
  });
});

describe('transportFailure', () => {
  it('names timeouts and connection errors with their code', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(transportFailure(timeout, 2000)).toBe('request: no response within 2000 ms (request-timeout)');
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });
    expect(transportFailure(refused, 1000)).toBe(
      'request: no response (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)',
    );
    expect(transportFailure('weird', 1)).toBe('request: no response (weird)');
  });
});

describe('text helpers', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdef', 3, 'abc... (3 more characters)'],
    ['😀😀😀', 2, '😀😀... (1 more characters)'],
    ['a\u001b[31mred\u0000', 50, 'a\\u001b[31mred\\u0000'],
    ['line\r\nnext', 50, 'line\\u000d\nnext'],
  ])('truncate(%j, %d)', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });

  it('oneLine collapses whitespace so a body cannot start a workflow command line', () => {
    expect(oneLine('a\n::error::x\n  b', 100)).toBe('a ::error::x b');
  });

  it.each([
    ['1', 1, false],
    [1, 1, true],
    [{ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [[1, 2], [2, 1], false],
    [null, {}, false],
    [[], {}, false],
    [true, 'true', false],
  ])('jsonEqual(%j, %j) = %s', (a, b, expected) => {
    expect(jsonEqual(a, b)).toBe(expected);
  });

  it('showValue and typeHint', () => {
    expect(showValue('1')).toBe('"1" (string)');
    expect(showValue([1])).toBe('[1] (array)');
    expect(showValue(null)).toBe('null');
    expect(typeHint(true, 'true')).toMatch(/: quote the expected value in checks to compare as string/);
    expect(typeHint('true', true)).toMatch(/unquote the expected value in checks to compare as boolean/);
    expect(typeHint('a', 'b')).toBe('');
    expect(typeHint(1, 2)).toBe('');
  });
});
