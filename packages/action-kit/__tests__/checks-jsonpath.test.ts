import { describe, expect, it } from '@jest/globals';
import { evaluatePath, formatPath, parsePath } from '../src/checks/index.js';

describe('parsePath', () => {
  it.each([
    [
      'data.books[0].id',
      [
        { kind: 'key', key: 'data' },
        { kind: 'key', key: 'books' },
        { kind: 'index', index: 0 },
        { kind: 'key', key: 'id' },
      ],
    ],
    [
      'data.books.0.id',
      [
        { kind: 'key', key: 'data' },
        { kind: 'key', key: 'books' },
        { kind: 'name-or-index', key: '0', index: 0 },
        { kind: 'key', key: 'id' },
      ],
    ],
    ['$.data', [{ kind: 'key', key: 'data' }]],
    ['$', []],
    ['$[1]', [{ kind: 'index', index: 1 }]],
    [
      'items[-1]',
      [
        { kind: 'key', key: 'items' },
        { kind: 'index', index: -1 },
      ],
    ],
    [
      'a["b.c"][\'d e\']',
      [
        { kind: 'key', key: 'a' },
        { kind: 'key', key: 'b.c' },
        { kind: 'key', key: 'd e' },
      ],
    ],
    [
      'a["x]y"]',
      [
        { kind: 'key', key: 'a' },
        { kind: 'key', key: 'x]y' },
      ],
    ],
    [
      'a[0][1]',
      [
        { kind: 'key', key: 'a' },
        { kind: 'index', index: 0 },
        { kind: 'index', index: 1 },
      ],
    ],
    ['__typename', [{ kind: 'key', key: '__typename' }]],
    [
      'data.user-name',
      [
        { kind: 'key', key: 'data' },
        { kind: 'key', key: 'user-name' },
      ],
    ],
  ])('parses %s', (path, segments) => {
    expect(parsePath(path)).toEqual(segments);
  });

  it.each([
    ['', /empty/],
    ['a..b', /empty name at position 2/],
    ['a.', /ends with a dot/],
    ['.a', /empty name at position 0/],
    ['a[', /missing '\]'/],
    ['a[x]', /neither an index/],
    ['a["x', /unterminated quoted name/],
    ['a["x"y]', /expected '\]' after the quoted name/],
    ['a[0]b', /expected '\.' or '\['/],
    ['$x', /unexpected "x" after '\$'/],
  ])('rejects %j', (path, message) => {
    expect(() => parsePath(path)).toThrow(message);
  });

  it.each(['data.books[0].id', 'a["b.c"]', '$', 'x[-1].y', 'data.books.0'])('formats %s back to itself', (path) => {
    expect(formatPath(parsePath(path))).toBe(path);
  });
});

describe('evaluatePath', () => {
  const doc = {
    data: {
      books: [
        { id: '1', tags: [] },
        { id: '2', tags: ['a'] },
      ],
      '0': 'zero-key',
      empty: null,
      n: 0,
    },
  };
  it.each([
    ['data.books[0].id', '1'],
    ['data.books.1.id', '2'],
    ['data.books[-1].id', '2'],
    ['data.books[1].tags', ['a']],
    ['data.0', 'zero-key'],
    ['data.empty', null],
    ['data.n', 0],
    ['$', doc],
  ])('finds %s', (path, value) => {
    expect(evaluatePath(doc, parsePath(path))).toEqual({ found: true, value });
  });

  it.each([
    ['data.books[2].id', 'data.books', 'data.books has 2 items, so index 2 does not exist'],
    ['data.books[0].tags[0]', 'data.books[0].tags', 'data.books[0].tags has 0 items, so index 0 does not exist'],
    ['data.author', 'data', 'data has no key "author" (keys: "0", "books", "empty", "n")'],
    ['data.books.id', 'data.books', 'data.books is an array (2 items), not an object with key "id"'],
    ['data[0]', 'data', 'data is an object, not an array (index 0)'],
    ['data.empty.x', 'data.empty', 'data.empty is null, so it has no key "x"'],
    ['data.books[0].id.length', 'data.books[0].id', 'data.books[0].id is a string, so it has no key "length"'],
  ])('says where %s stops', (path, at, reason) => {
    expect(evaluatePath(doc, parsePath(path))).toEqual({ found: false, at, reason });
  });

  it('does not follow inherited properties', () => {
    expect(evaluatePath({}, parsePath('constructor'))).toMatchObject({ found: false });
    expect(evaluatePath({}, parsePath('__proto__'))).toMatchObject({ found: false });
  });
});
