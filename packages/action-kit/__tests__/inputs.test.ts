import { describe, expect, it } from '@jest/globals';
import {
  InputError,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseEnumList,
  parseInteger,
  parseKeyValueMap,
  parseList,
  parseNumber,
} from '../src/index.js';

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['1', true],
    ['false', false],
    ['off', false],
    [' false ', false],
  ])('%j -> %j', (raw, expected) => expect(parseBoolean('wait', raw)).toBe(expected));

  it('uses the fallback only for an empty value', () => {
    expect(parseBoolean('wait', '', true)).toBe(true);
    expect(() => parseBoolean('wait', '')).toThrow(InputError);
  });

  it('names the input, the value and what is accepted', () => {
    expect(() => parseBoolean('rollback-on-failure', 'maybe')).toThrow(
      `Input 'rollback-on-failure' has an invalid value "maybe": expected true or false.`,
    );
  });
});

describe('parseInteger', () => {
  it.each([
    ['80', 80],
    [' 120 ', 120],
    ['+3', 3],
  ])('%j -> %d', (raw, expected) => expect(parseInteger('n', raw, { min: 1, max: 200 })).toBe(expected));

  it.each(['0', '201', '1.5', 'eighty', '1e3', ''])('rejects %j with the range in the message', (raw) => {
    expect(() => parseInteger('max-line-length', raw, { min: 1, max: 200 })).toThrow(
      /Input 'max-line-length' has an invalid value ".*": expected a whole number from 1 to 200\./,
    );
  });
});

describe('parseNumber', () => {
  it('accepts fractions within range', () =>
    expect(parseNumber('max-error-rate', '0.01', { min: 0, max: 1 })).toBe(0.01));
  it('rejects out of range', () =>
    expect(() => parseNumber('max-error-rate', '2', { min: 0, max: 1 })).toThrow(/from 0 to 1/));
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['45', 45_000],
    ['1.5s', 1500],
  ])('%j -> %d ms', (raw, ms) => expect(parseDuration('timeout', raw)).toBe(ms));

  it.each(['5 minutes', 'm5', '5x', '-5s', '5m junk', 's'])('rejects %j', (raw) => {
    expect(() => parseDuration('timeout', raw)).toThrow(
      /Input 'timeout' has an invalid value .*: expected a duration such as 500ms, 90s, 5m/,
    );
  });

  it('enforces bounds', () => {
    expect(() => parseDuration('timeout', '2h', { maxMs: 3_600_000 })).toThrow(/between 0ms and 1h/);
  });
});

describe('parseEnum', () => {
  const levels = ['error', 'warning', 'never'] as const;
  it('accepts a listed value', () => expect(parseEnum('fail-on', 'warning', levels)).toBe('warning'));
  it('lists the accepted values', () =>
    expect(() => parseEnum('fail-on', 'warnings', levels)).toThrow(`expected one of error, warning, never.`));
});

describe('parseList / parseEnumList', () => {
  it('splits on commas and newlines, drops blanks and comments', () => {
    expect(parseList('x', 'a, b\n# note\nc,,\n  d  \n')).toEqual(['a', 'b', 'c', 'd']);
  });
  it('keeps glob alternatives in braces whole', () => {
    expect(parseList('x', '**/*.{ts,js}, !dist/**')).toEqual(['**/*.{ts,js}', '!dist/**']);
  });
  it('keeps commas inside lines in newline mode', () => {
    expect(parseList('x', 'a,b\nc', { separator: 'newline' })).toEqual(['a,b', 'c']);
  });
  it('validates each item and removes duplicates', () => {
    expect(parseEnumList('checks', 'eslint,prettier,eslint', ['prettier', 'eslint'])).toEqual(['eslint', 'prettier']);
    expect(() => parseEnumList('checks', 'eslint,stylelint', ['prettier', 'eslint'])).toThrow(
      `Input 'checks' has an invalid value "stylelint": expected a comma-separated list of prettier, eslint.`,
    );
  });
});

describe('parseKeyValueMap', () => {
  it('splits on the first = and trims', () => {
    expect([...parseKeyValueMap('fields', 'env = staging\nurl=https://x/?a=b\n\n')]).toEqual([
      ['env', 'staging'],
      ['url', 'https://x/?a=b'],
    ]);
  });
  it.each(['novalue', '=v', ' = v'])('rejects %j', (raw) => {
    expect(() => parseKeyValueMap('fields', raw)).toThrow(/one key=value pair per line/);
  });
  it('rejects duplicate keys', () =>
    expect(() => parseKeyValueMap('fields', 'a=1\na=2')).toThrow(/key 'a' appears twice/));
});
