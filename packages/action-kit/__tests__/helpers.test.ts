import { describe, expect, it } from '@jest/globals';
import { isHeaderName, isRecord, mapLimit, plural, tail } from '../src/index.js';

describe('isRecord', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [Object.create(null), true],
    [[], false],
    [null, false],
    [undefined, false],
    ['{}', false],
    [1, false],
  ])('%j is a record: %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});

describe('plural', () => {
  it.each([
    [0, 'finding', undefined, '0 findings'],
    [1, 'finding', undefined, '1 finding'],
    [2, 'finding', undefined, '2 findings'],
    [1, 'entry', 'entries', '1 entry'],
    [3, 'entry', 'entries', '3 entries'],
    [1, 'retry', 'retries', '1 retry'],
  ] as [number, string, string | undefined, string][])('%d %s', (n, word, many, expected) => {
    expect(plural(n, word, many)).toBe(expected);
  });
});

describe('tail', () => {
  const lines = (n: number): string => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n');
  it.each([
    ['', {}, ''],
    ['\n \n\t\n', {}, ''],
    ['one\n', {}, 'one'],
    ['a  \r\n\r\nb\t\n\n', {}, 'a\nb'],
    [lines(12), {}, lines(12).split('\n').slice(2).join('\n')],
    [lines(12), { lines: 2 }, 'line 11\nline 12'],
    [lines(3), { lines: 0 }, 'line 3'],
    ['x'.repeat(30), { maxChars: 10 }, `...${'x'.repeat(10)}`],
    ['first\nsecond', { maxChars: 6 }, '...second'],
  ] as [string, { lines?: number; maxChars?: number }, string][])('%j %j', (text, options, expected) => {
    expect(tail(text, options)).toBe(expected);
  });
});

describe('isHeaderName', () => {
  it.each([
    ['Authorization', true],
    ['X-Request-ID', true],
    ["x!#$%&'*+.^_`|~9", true],
    ['', false],
    ['Bad Header', false],
    ['Host:', false],
    ['a=b', false],
    ['ümlaut', false],
    ['x\r\nInjected', false],
  ])('%j: %s', (name, expected) => {
    expect(isHeaderName(name)).toBe(expected);
  });
});

describe('mapLimit', () => {
  const tick = async (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it.each([
    [[], 3, 0],
    [[1], 3, 1],
    [[1, 2, 3, 4, 5, 6, 7], 3, 3],
    [[1, 2, 3], 1, 1],
    [[1, 2], 8, 2],
  ])('maps %j with limit %d, at most %d in flight, results in order', async (items, limit, most) => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit(items, limit, async (n, index) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      // Later items finish first, so ordering cannot come from completion order.
      for (let i = 0; i < 10 - n; i++) await tick();
      inFlight--;
      return `${index}:${n * 10}`;
    });
    expect(results).toEqual(items.map((n, i) => `${i}:${n * 10}`));
    expect(peak).toBe(most);
  });

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    const run = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('two failed');
      return n;
    });
    await expect(run).rejects.toThrow('two failed');
    await tick();
    await tick();
    expect(started).toEqual([1, 2, 3]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses limit %d', async (limit) => {
    await expect(mapLimit([1], limit, async (n) => n)).rejects.toThrow(RangeError);
  });
});
