import { describe, expect, it } from '@jest/globals';
import { formatDate } from '../../../src/emulations/docker/dates.js';
import { getBooleanInput, parseCsv, parseList } from '../../../src/emulations/docker/inputs.js';
import { cleanPep440 } from '../../../src/emulations/docker/pep440.js';
import { parseSemver, validSemver } from '../../../src/emulations/docker/semver.js';
import { isRawStatement, render } from '../../../src/emulations/docker/template.js';

describe('list inputs, as the actions toolkit reads them', () => {
  it.each<[string, string, Parameters<typeof parseList>[1], string[]]>([
    ['one item a line and a comma', 'a,b\nc', {}, ['a', 'b', 'c']],
    [
      'ignoreComma keeps a line whole',
      'type=ref,event=branch\ntype=sha',
      { ignoreComma: true },
      ['type=ref,event=branch', 'type=sha'],
    ],
    ['quoted commas stay in one item', '"type=raw,value=a,b"', { ignoreComma: true }, ['type=raw,value=a,b']],
    ['a quoted comma list splits without ignoreComma', '"a,b"', {}, ['a', 'b']],
    ['doubled quotes', 'say ""hi""', { ignoreComma: true }, ['say ""hi""']],
    ['a quote inside a field is kept (relaxed)', 'a"b', {}, ['a"b']],
    ['comment lines only at the start', '#x\nv#1', { ignoreComma: true, comment: '#' }, ['v#1']],
    ['CRLF and blank lines', 'a\r\n\r\nb\r\n', {}, ['a', 'b']],
    ['items trimmed', '  a  ,  b ', {}, ['a', 'b']],
    ['trimWhitespace false keeps spaces', ' KEY=v ', { ignoreComma: true, trimWhitespace: false }, [' KEY=v ']],
    [
      'quote false: quotes are plain characters',
      'type=image,"name=a,b"',
      { ignoreComma: true, quote: false },
      ['type=image,"name=a,b"'],
    ],
    ['empty input', '', {}, []],
  ])('%s', (_name, input, options, expected) => {
    expect(parseList(input, options)).toEqual(expected);
  });

  it('strict CSV rejects a quote inside an unquoted field, naming where', () => {
    expect(() => parseCsv('type=raw,value=a"b')).toThrow(
      'Invalid Opening Quote: a quote is found on field 1 at line 1, value is "value=a"',
    );
  });

  it.each<[string, boolean | RegExp]>([
    ['true', true],
    ['False', false],
    ['TRUE', true],
    ['yes', /Input does not meet YAML 1.2 "Core Schema" specification: push \(got "yes"\)/],
    ['', /got ""/],
  ])('boolean input %j', (value, expected) => {
    if (typeof expected === 'boolean') expect(getBooleanInput({ push: value }, 'push')).toBe(expected);
    else expect(() => getBooleanInput({ push: value }, 'push')).toThrow(expected);
  });
});

describe('templates (the Handlebars subset)', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['{{major}}.{{minor}}', { major: 1, minor: 0 }, '1.0'],
    ['v{{ major }}', { major: 3 }, 'v3'],
    ['{{prerelease}}', { prerelease: ['rc', 1] }, 'rc,1'],
    ['{{missing}}x', {}, 'x'],
    ['{{a.b}}', { a: { b: 'deep' } }, 'deep'],
    ['{{q}}', { q: 'a=b&c' }, 'a&#x3D;b&amp;c'],
    ['{{{q}}}', { q: 'a=b&c' }, 'a=b&c'],
    ['{{fn}}', { fn: () => 'called' }, 'called'],
    ['\\{{raw}}', { raw: 'x' }, '{{raw}}'],
    ['{{! a comment }}ok', {}, 'ok'],
  ])('%s', (template, data, expected) => {
    expect(render(template, data)).toBe(expected);
  });

  it('helpers get their arguments and hash', () => {
    expect(render("{{{h 'x' 2 k='v'}}}", {}, { h: (...args: unknown[]) => JSON.stringify(args) })).toBe(
      '["x",2,{"hash":{"k":"v"}}]',
    );
  });

  it.each([
    ['{{#if x}}y{{/if}}', /blocks and partials/],
    ['{{unclosed', /'\{\{' is not closed/],
    ["{{nohelper 'x'}}", /Missing helper: "nohelper"/],
  ])('%s is an error', (template, message) => {
    expect(() => render(template, {})).toThrow(message);
  });

  it.each<[string, boolean]>([
    ['{{raw}}', true],
    ['{{ raw }}', true],
    ['v{{raw}}', false],
    ['{{version}}', false],
  ])('isRawStatement(%j)', (template, expected) => {
    expect(isRawStatement(template)).toBe(expected);
  });
});

describe('semver and PEP 440', () => {
  it.each<[string, string | undefined]>([
    ['v1.2.3', '1.2.3'],
    ['1.2.3-rc.1+b5', '1.2.3-rc.1'],
    ['1.2', undefined],
    ['01.2.3', undefined],
    ['=1.2.3', undefined],
    ['release-1', undefined],
  ])('valid(%j)', (text, expected) => {
    expect(validSemver(text)).toBe(expected);
  });

  it('prerelease identifiers: numbers stay numbers', () => {
    expect(parseSemver('v2.0.8-beta.67')).toMatchObject({
      major: 2,
      minor: 0,
      patch: 8,
      prerelease: ['beta', 67],
      raw: 'v2.0.8-beta.67',
    });
  });

  it.each<[string, string | undefined]>([
    ['v1.0.0', '1.0.0'],
    ['1.0-RC1', '1.0rc1'],
    ['1.0.0-alpha.2', '1.0.0a2'],
    ['2.1.post3', '2.1.post3'],
    ['1.0-1', '1.0.post1'],
    ['1!2.0.dev4+Local_1', '1!2.0.dev4+local.1'],
    ['1.0.0-foo', undefined],
  ])('pep440 clean(%j)', (text, expected) => {
    expect(cleanPep440(text)).toBe(expected);
  });
});

describe('dates', () => {
  const at = new Date('2026-03-04T05:06:07.089Z');
  it.each<[string, string, string]>([
    ['YYYYMMDD', 'UTC', '20260304'],
    ['YYYY-MM-DDTHH:mm:ss.SSS[Z]', 'UTC', '2026-03-04T05:06:07.089Z'],
    ['YY.M.D H:m:s', 'UTC', '26.3.4 5:6:7'],
    ['HH:mm Z', 'America/New_York', '00:06 -05:00'],
    ['hh A DDDD', 'UTC', '05 AM 063'],
    ['X', 'UTC', '1772600767'],
  ])('%s in %s', (format, tz, expected) => {
    expect(formatDate(at, format, tz)).toBe(expected);
  });

  it('rejects an unknown time zone and moment tokens this subset lacks', () => {
    expect(() => formatDate(at, 'YYYY', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(() => formatDate(at, 'MMM', 'UTC')).toThrow(/token 'MMM'/);
  });
});
