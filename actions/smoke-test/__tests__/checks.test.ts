import { describe, expect, it } from '@jest/globals';
import {
  CHECK_KEYS,
  checkUrl,
  ChecksError,
  defaultCheck,
  joinUrl,
  parseChecks,
  quoteBracketKeys,
  statusMatches,
} from '../src/checks.js';

function problems(text: string): string[] {
  try {
    parseChecks(text, 'inline');
  } catch (error: unknown) {
    if (error instanceof ChecksError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ChecksError');
}

describe('parseChecks', () => {
  it('reads the example from the issue (block style for the JSON path)', () => {
    const checks = parseChecks(
      `- name: ready
  path: /health/ready
- name: first book
  graphql: { query: "{ books(first: 1) { id } }" }
  json:
    data.books[0].id: "1"
`,
      'inline',
    );
    expect(checks).toHaveLength(2);
    expect(checks[0]).toEqual({
      name: 'ready',
      method: 'GET',
      path: '/health/ready',
      headers: {},
      status: [{ code: 200 }],
      contains: [],
      json: [],
      allowErrors: false,
      load: true,
    });
    const gql = checks[1];
    expect(gql).toMatchObject({
      name: 'first book',
      method: 'POST',
      path: '/graphql',
      allowErrors: false,
      graphql: { query: '{ books(first: 1) { id } }' },
    });
    expect(JSON.parse(gql?.body ?? '')).toEqual({ query: '{ books(first: 1) { id } }' });
    expect(gql?.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
    expect(gql?.json[0]).toMatchObject({ path: 'data.books[0].id', expected: '1' });
  });

  it('accepts a quoted path or a bracket-free path inside flow mappings', () => {
    const checks = parseChecks('- name: a\n  json: { "data.books[0].id": "1", data.books.0.title: Dune }\n', 'inline');
    expect(checks[0]?.json.map((j) => [j.path, j.expected])).toEqual([
      ['data.books[0].id', '1'],
      ['data.books.0.title', 'Dune'],
    ]);
  });

  it('accepts the issue example verbatim (unquoted bracket path inside { }), with a notice', () => {
    const notices: string[] = [];
    const checks = parseChecks(
      '- name: ready\n  path: /health/ready\n- name: first book\n  graphql: { query: "{ books(first: 1) { id } }" }\n  json: { data.books[0].id: "1", data.books[0].tags[1]: x }\n',
      'inline',
      notices,
    );
    expect(checks[1]?.json.map((j) => [j.path, j.expected])).toEqual([
      ['data.books[0].id', '1'],
      ['data.books[0].tags[1]', 'x'],
    ]);
    expect(checks[1]?.graphql?.query).toBe('{ books(first: 1) { id } }');
    expect(notices).toEqual([
      'checks (inline): quoted the JSON path key(s) with [ ] inside json: { ... } on line(s) 5; YAML itself needs them quoted, e.g. json: { "data.books[0].id": "1" }',
    ]);
  });

  it('explains how to fix a bracket path inside { } it cannot repair', () => {
    const found = problems('- name: a\n  json: { data.books[0].id: "1",\n    other[1]: 2 }\n');
    expect(found.join('\n')).toMatch(/hint: inside \{ \} a JSON path with brackets must be quoted/);
  });

  it('keeps YAML types: "1" is a string, 1 a number, true a boolean', () => {
    const [check] = parseChecks(
      '- name: t\n  path: /x\n  json:\n    a: "1"\n    b: 1\n    c: true\n    d: null\n    e: [1, "2"]\n',
      'inline',
    );
    expect(check?.json.map((j) => j.expected)).toEqual(['1', 1, true, null, [1, '2']]);
  });

  it('reads method, headers, object bodies, status lists and classes, contains lists, load', () => {
    const [check] = parseChecks(
      `- name: create
  method: post
  path: /books?draft=1
  headers: { X-Trace: abc, X-Num: 5 }
  body: { title: Dune }
  status: [201, "2xx", "409"]
  contains: [Dune, 42]
  load: false
`,
      'inline',
    );
    expect(check).toMatchObject({
      method: 'POST',
      path: '/books?draft=1',
      headers: { 'X-Trace': 'abc', 'X-Num': '5', 'content-type': 'application/json' },
      body: '{"title":"Dune"}',
      status: [{ code: 201 }, { class: 2 }, { code: 409 }],
      contains: ['Dune', '42'],
      load: false,
    });
  });

  it('keeps a string body as it is and does not add a content type', () => {
    const [check] = parseChecks(
      '- name: raw\n  method: PUT\n  body: "a=1&b=2"\n  headers: { content-type: application/x-www-form-urlencoded }\n',
      'inline',
    );
    expect(check).toMatchObject({ body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  });

  it('builds a GraphQL body with variables and operationName, and allows GET', () => {
    const [post, get] = parseChecks(
      `- name: one
  graphql:
    query: "query One($id: ID!) { book(id: $id) { id } }"
    variables: { id: "1" }
    operationName: One
  allow-errors: true
- name: via get
  method: GET
  graphql: { query: "{ books { id } }" }
`,
      'inline',
    );
    expect(JSON.parse(post?.body ?? '')).toEqual({
      query: 'query One($id: ID!) { book(id: $id) { id } }',
      variables: { id: '1' },
      operationName: 'One',
    });
    expect(post?.allowErrors).toBe(true);
    expect(get?.body).toBeUndefined();
    expect(get?.method).toBe('GET');
  });

  it('returns no checks for an empty document', () => {
    expect(parseChecks('', 'inline')).toEqual([]);
    expect(parseChecks('[]', 'inline')).toEqual([]);
  });

  it.each([
    ['name: a\npath: /x\n', /expected a YAML list of checks/],
    ['- just a string\n', /checks\[0\]: each check must be a mapping/],
    ['- path: /x\n', /checks\[0\]: field 'name' is required/],
    ['- name: ""\n', /checks\[0\]: field 'name' must be a non-empty string/],
    ['- name: a\n- name: a\n', /checks\[1\] \("a"\): name must be unique; checks\[0\] has the same name/],
    [
      '- name: a\n  url: /x\n',
      new RegExp(`checks\\[0\\] \\("a"\\): unknown field 'url'; accepted fields: ${CHECK_KEYS.join(', ')}`),
    ],
    ['- name: a\n  method: FETCH\n', /field 'method' must be one of GET, HEAD, POST/],
    ['- name: a\n  path: https://evil.example/x\n', /field 'path' must be a path joined to 'url'.*not an absolute URL/],
    ['- name: a\n  path: //evil.example/x\n', /field 'path' must be a path joined to 'url'/],
    ['- name: a\n  path: [1]\n', /field 'path' must be a string/],
    ['- name: a\n  headers: [x]\n', /field 'headers' must be a mapping/],
    ['- name: a\n  headers: { "bad name": x }\n', /invalid header name "bad name"/],
    ['- name: a\n  headers: { X: { y: 1 } }\n', /value of X must be a string/],
    ['- name: a\n  headers: { X: "a\\rb" }\n', /value of X holds a line break or another control character/],
    ['- name: a\n  headers: { X: "\u00e9t\u00e9" }\n', /value of X holds a character outside printable ASCII/],
    [
      '- name: a\n  headers: { Connection: close }\n',
      /field 'headers' cannot set Connection: the HTTP client manages connection, content-length/,
    ],
    ['- name: a\n  headers: { Host: other.example }\n', /cannot set Host/],
    ['- name: a\n  body: hello\n', /field 'body' cannot be sent with GET/],
    ['- name: a\n  method: POST\n  body: 5\n', /field 'body' must be a string or a mapping/],
    ['- name: a\n  status: 700\n', /field 'status' must be an HTTP status code/],
    ['- name: a\n  status: []\n', /field 'status' must be .* got an empty list/],
    ['- name: a\n  status: 6xx\n', /field 'status' must be/],
    ['- name: a\n  contains: ""\n', /field 'contains' must be a non-empty string/],
    ['- name: a\n  json: [a]\n', /field 'json' must be a mapping from a JSON path/],
    ['- name: a\n  json: { "a..b": 1 }\n', /field 'json' has an invalid path "a\.\.b": empty name/],
    ['- name: a\n  graphql: "{ books { id } }"\n', /field 'graphql' must be a mapping with query/],
    ['- name: a\n  graphql: { query: "" }\n', /field 'graphql.query' is required/],
    [
      '- name: a\n  graphql: { query: "{ a }", vars: {} }\n',
      /field 'graphql' has an unknown key 'vars'; accepted keys: query, variables, operationName/,
    ],
    ['- name: a\n  graphql: { query: "{ a }", variables: [1] }\n', /field 'graphql.variables' must be a mapping/],
    ['- name: a\n  graphql: { query: "{ a }" }\n  body: x\n', /field 'body' cannot be combined with graphql/],
    [
      '- name: a\n  graphql: { query: "{ a }" }\n  method: PUT\n',
      /must be POST \(default\) or GET for a GraphQL check/,
    ],
    ['- name: a\n  allow-errors: true\n', /field 'allow-errors' only applies to GraphQL checks/],
    ['- name: a\n  graphql: { query: "{ a }" }\n  allow-errors: "yes"\n', /field 'allow-errors' must be true or false/],
    ['- name: a\n  load: 1\n', /field 'load' must be true or false/],
    ['- name: a\n  name: b\n', /Map keys must be unique/],
  ])('rejects %j', (text, message) => {
    expect(problems(text).join('\n')).toMatch(message);
  });

  it('reports every problem at once, each naming its check', () => {
    const found = problems('- name: ok\n- name: one\n  status: abc\n  colour: red\n- path: /x\n- name: ok\n');
    expect(found).toEqual([
      `checks[1] ("one"): unknown field 'colour'; accepted fields: ${CHECK_KEYS.join(', ')}`,
      `checks[1] ("one"): field 'status' must be an HTTP status code (100-599), a class such as 2xx, or a list of them, got a string ("abc")`,
      "checks[2]: field 'name' is required (a unique, non-empty string)",
      'checks[3] ("ok"): name must be unique; checks[0] has the same name',
    ]);
  });

  it('names the source in the error message', () => {
    expect(() => parseChecks('- path: /x\n', 'smoke/checks.yml')).toThrow(
      /Input 'checks' \(smoke\/checks.yml\) is invalid:\n {2}- checks\[0\]/,
    );
  });
});

describe('quoteBracketKeys', () => {
  it.each([
    ['  json: { data.books[0].id: "1" }', '  json: { "data.books[0].id": "1" }'],
    ['- json: {a[0]: 1, b: 2, c[1].d: 3} # note', '- json: {"a[0]": 1, b: 2, "c[1].d": 3} # note'],
    ['  json: { "a[0]": 1 }', '  json: { "a[0]": 1 }'],
    ['  graphql: { query: "{ a[0]: x }" }', '  graphql: { query: "{ a[0]: x }" }'],
    ['  json:', '  json:'],
  ])('%j', (line, fixed) => {
    expect(quoteBracketKeys(line).text).toBe(fixed);
  });
});

describe('statusMatches', () => {
  it.each([
    [[{ code: 200 }], 200, true],
    [[{ code: 200 }], 201, false],
    [[{ class: 2 }], 299, true],
    [[{ class: 2 }], 300, false],
    [[{ code: 404 }, { class: 5 }], 503, true],
    [[{ code: 404 }, { class: 5 }], 400, false],
  ])('%j matches %d: %s', (matchers, status, expected) => {
    expect(statusMatches(matchers, status)).toBe(expected);
  });
});

describe('joinUrl and checkUrl', () => {
  it.each([
    ['https://svc.example', '/health/ready', 'https://svc.example/health/ready'],
    ['https://svc.example/', '/health/ready', 'https://svc.example/health/ready'],
    ['https://svc.example/api', '/graphql', 'https://svc.example/api/graphql'],
    ['https://svc.example/api/', 'graphql', 'https://svc.example/api/graphql'],
    ['https://svc.example/api?x=1', '/books?first=2', 'https://svc.example/api/books?first=2'],
    ['https://svc.example/api?x=1', '', 'https://svc.example/api?x=1'],
    ['http://127.0.0.1:8080', '/', 'http://127.0.0.1:8080/'],
  ])('%s + %s = %s', (base, path, expected) => {
    expect(joinUrl(new URL(base), path).href).toBe(expected);
  });

  it('puts a GraphQL GET query in the query string', () => {
    const [check] = parseChecks(
      '- name: q\n  method: GET\n  graphql: { query: "{ a }", variables: { id: 1 }, operationName: Q }\n',
      'inline',
    );
    const url = checkUrl(new URL('http://h/api'), check ?? defaultCheck());
    expect(url.pathname).toBe('/api/graphql');
    expect(Object.fromEntries(url.searchParams)).toEqual({ query: '{ a }', variables: '{"id":1}', operationName: 'Q' });
  });
});
