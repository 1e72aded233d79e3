/**
 * Generators of malformed input values that every input gets, whatever it
 * is for: huge strings, line breaks carrying workflow commands, unicode,
 * shell metacharacters, numbers out of range, YAML bombs, paths outside the
 * workspace. kind-values.ts adds the hostile values of each kind of input.
 */
import fc from 'fast-check';
import type { FuzzServers } from './servers.js';
import type { PlantedSecret } from './secrets.js';

/** Every injected workflow command carries this right after its `::`, so the oracle can tell it from the action's own. */
export const MARKER = 'fzinj';

export type InputKind =
  'text' | 'url' | 'path' | 'glob' | 'secret' | 'number' | 'duration' | 'boolean' | 'yaml' | 'kubeconfig' | 'headers';

export interface ValueContext {
  servers: FuzzServers;
  /** A file a shell payload would create: it must never exist. */
  canary: string;
  /** A directory outside the workspace and runner temp: nothing may be written there. */
  outside: string;
  /** A valid value for this input, to prefix payloads with (so parsers get past the first character). */
  valid: string;
}

export interface FuzzValue {
  category: string;
  value: string;
  /** Secrets this value carries (a URL's password): they must not be seen either. */
  secrets: PlantedSecret[];
}

export const v = (category: string, value: string, secrets: PlantedSecret[] = []): FuzzValue => ({
  category,
  value: value.replaceAll('\0', ''), // an environment variable cannot hold NUL
  secrets,
});

export const injections = [
  `::warning::${MARKER} warning`,
  `::error file=${MARKER}.ts,line=1::${MARKER} error`,
  `::set-output name=${MARKER}::${MARKER}`,
  `::add-mask::${MARKER}`,
  `::stop-commands::${MARKER}stop`,
  `::group::${MARKER} group`,
  `::add-path::${MARKER}`,
  `::save-state name=${MARKER}::${MARKER}`,
  `##[warning]${MARKER} legacy`,
  `##[set-output name=${MARKER};]${MARKER}`,
  `  ::notice title=${MARKER}::${MARKER} indented`,
];

function injection(valid: string): fc.Arbitrary<FuzzValue> {
  return fc
    .tuple(fc.constantFrom(...injections), fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\u2028', '%0A'), fc.boolean())
    .map(([command, breakChars, prefixed]) =>
      v('injection', prefixed ? `${valid}${breakChars}${command}` : `${command}${breakChars}${valid}`),
    );
}

/** The longest prefix of `text` of at most `bytes` UTF-8 bytes. */
function truncateBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes
    ? text
    : buffer
        .subarray(0, bytes)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
}

function huge(valid: string): fc.Arbitrary<FuzzValue> {
  // Linux refuses one environment string over 128 KiB (bytes, with the name): 130,000 bytes is just under.
  return fc
    .tuple(
      fc.constantFrom(65_000, 130_000),
      fc.constantFrom('a', '/**/x', 'é', '*{a,b}', `${valid},`, '\n', '[[[[', '%'),
    )
    .map(([size, unit]) => v('huge', truncateBytes(unit.repeat(Math.ceil(size / Math.max(1, unit.length))), size)));
}

const unicode: fc.Arbitrary<FuzzValue> = fc
  .oneof(
    fc.constantFrom(
      '\u202Eevil\u202C',
      'zero\u200Bwidth',
      '\uFEFFbom',
      'e\u0301\u0301\u0301',
      '😀😀😀',
      '\uD800lone',
      '８０',
      '٣',
      'NaN\u00A0',
      '\u0085next',
      'tab\there',
      '\u001b[31mred\u001b[0m',
      '\u0007bell',
    ),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  )
  .map((value) => v('unicode', value));

function shell(canary: string): fc.Arbitrary<FuzzValue> {
  return fc
    .constantFrom(
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `; touch ${canary} #`,
      `| touch ${canary}`,
      `&& touch ${canary}`,
      `'"; touch ${canary}; echo "'`,
      `\n touch ${canary}`,
      `\${IFS}touch\${IFS}${canary}`,
      `--exec=touch ${canary}`,
      `-rf /`,
      `-- --help`,
    )
    .map((value) => v('shell', value));
}

export const numbers: fc.Arbitrary<FuzzValue> = fc
  .oneof(
    fc.constantFrom(
      '-1',
      '0',
      '-0',
      '1e309',
      '1e-309',
      '99999999999999999999',
      '9007199254740993',
      'NaN',
      'Infinity',
      '-Infinity',
      '0x10',
      '1_000',
      '1.5',
      ' 80 ',
      '1e3',
      '+5',
      '5.',
      '.5',
      '2147483648',
    ),
    // Negative, or past any safe integer: a large valid count (load-requests) would only make a long run.
    fc.integer({ min: -(2 ** 31), max: -1 }).map(String),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }).map(String),
    fc.double().map(String),
  )
  .map((value) => v('number', value));

export const yamlBombs: fc.Arbitrary<FuzzValue> = fc
  .constantFrom(
    billionLaughs(9),
    billionLaughs(12),
    '- &a [*a]',
    '*undefined',
    'a: *b\nb: &b 1',
    '<<: *nowhere',
    'key: [unclosed',
    '!!js/function "function(){}"',
    '!<tag:yaml.org,2002:js/undefined> x',
    '- a\n-\n- b: [',
    '{"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": 1}}}}}}}}}'.repeat(3),
    '['.repeat(5000),
    '---\n...\n---\n',
    '~',
    'null',
    '[]',
    '{}',
    '"just a string"',
    '123',
  )
  .map((value) => v('yaml', value));

/** The classic alias bomb: each level is a list of nine aliases of the previous one. */
export function billionLaughs(levels: number): string {
  const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n');
}

export function paths(outside: string): fc.Arbitrary<FuzzValue> {
  return fc
    .constantFrom(
      '/proc/self/environ',
      '/etc/passwd',
      '../../../../../../etc/passwd',
      '../../../../../../proc/self/environ',
      `${outside}/written.out`,
      `${outside}/../outside-sibling.out`,
      '/etc',
      '/dev/zero',
      '/dev/stdin',
      '.',
      '..',
      '',
      ' ',
      'dir/',
      'a/../../b',
      'x'.repeat(5000),
      `${'a/'.repeat(300)}b`,
      'file:///etc/passwd',
      '~/.ssh/id_rsa',
    )
    .map((value) => v('path', value));
}

const typeConfusion: fc.Arbitrary<FuzzValue> = fc
  .constantFrom('true', 'false', '[]', '{}', 'null', 'undefined', '__proto__', 'constructor', '{"__proto__":{"x":1}}')
  .map((value) => v('type', value));

/** What every input gets, whatever its kind. */
export function generalValues(ctx: ValueContext): fc.Arbitrary<FuzzValue> {
  return fc.oneof(
    { arbitrary: injection(ctx.valid), weight: 4 },
    { arbitrary: huge(ctx.valid), weight: 2 },
    { arbitrary: unicode, weight: 2 },
    { arbitrary: shell(ctx.canary), weight: 2 },
    { arbitrary: numbers, weight: 1 },
    { arbitrary: yamlBombs, weight: 1 },
    { arbitrary: paths(ctx.outside), weight: 1 },
    { arbitrary: typeConfusion, weight: 1 },
  );
}
