/**
 * The kit's shared defences (issue 13): inert untrusted text, the one
 * redaction with every spelling of a secret, workspace-confined paths and
 * globs, bounded program runs, and URL inputs that fail by name.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ExecTimeoutError,
  InputError,
  execArgs,
  headerValueProblem,
  isInert,
  maskSecret,
  parseGlob,
  parseHttpUrl,
  parsePath,
  printable,
  printableLines,
  quoteValue,
  redact,
  redactJson,
  redactedExcerpt,
  tail,
} from '../src/index.js';
import { parseWorkflowCommands, splitLines } from '../src/protocol/index.js';

const INJECTIONS = [
  'a\n::stop-commands::token',
  'b\r::set-output name=x::y',
  '::add-mask::hello',
  '  ::error::spoofed',
  'c\r\n::warning::w',
  'd ##[error]legacy',
  'e\u2028::notice::n',
];

describe('printable and printableLines', () => {
  it.each(INJECTIONS)('%j prints as no workflow command', (value) => {
    for (const text of [printable(value), printableLines(value), `File: ${printable(value)}`]) {
      expect(parseWorkflowCommands(text)).toEqual([]);
      expect(isInert(text)).toBe(true);
    }
  });

  it('keeps one value on one visible line', () => {
    expect(printable('a\nb\rc\u001b[31m')).toBe('a\\nb\\rc\\u001b[31m');
    expect(splitLines(printable('x\r\ny'))).toHaveLength(1);
  });

  it('keeps the lines of a text (a lone CR too) and leaves ordinary text alone', () => {
    expect(printableLines('one\rtwo\n::three::')).toBe('one\ntwo\n\\::three::');
    expect(printableLines('src/a.ts: 3 errors')).toBe('src/a.ts: 3 errors');
  });

  it('isInert sees what the runner would act on', () => {
    expect(isInert('x\n::error::y')).toBe(false);
    expect(isInert('##[warning]z')).toBe(false);
    expect(isInert('a :: b')).toBe(true);
  });
});

describe('redact: every spelling of a secret', () => {
  const secret = 'pl4nted-S3cret/value+x?';
  const b64 = (text: string, alphabet: BufferEncoding = 'base64'): string => Buffer.from(text).toString(alphabet);
  const spellings: Array<[string, string]> = [
    ['plain', `x${secret}y`],
    ['base64', b64(secret)],
    ['base64 at offset 1', b64(`a${secret}tail`)],
    ['base64 at offset 2', b64(`ab${secret}tail`)],
    ['base64 at offset 3', b64(`abc${secret}tail-more`)],
    ['base64url', b64(secret, 'base64url')],
    ['base64url inside', b64(`user:${secret}!`, 'base64url')],
    ['URL-encoded', `?t=${encodeURIComponent(secret)}&`],
    ['form-encoded', new URLSearchParams({ t: secret }).toString()],
    ['JSON-escaped', JSON.stringify({ t: `${secret}"` })],
    ['in a URL userinfo', 'https://ci:other@example.com/'],
  ];

  it.each(spellings)('%s', (_name, text) => {
    const out = redact(text, [secret]);
    expect(out).toContain('***');
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    // No 4 characters of the secret's base64 core survive.
    expect(out).not.toContain(b64(secret).slice(4, 16));
  });

  it('masks the pieces of a value split by LF, CRLF or a lone CR', () => {
    const value = 'first-piece-AAAA\rsecond-piece-BBBB\nthird-piece-CCCC';
    for (const shown of ['second-piece-BBBB', 'x first-piece-AAAA y', 'third-piece-CCCC']) {
      expect(redact(shown, [value])).not.toMatch(/piece/);
    }
  });

  it('uses what maskSecret registered, for every later redact()', () => {
    const registered = 'registered-Secret-9f8e7d';
    maskSecret(registered);
    expect(redact(`a ${b64(registered, 'base64url')} b ${registered}`)).toBe('a *** b ***');
  });

  it('redactJson redacts strings and keys and stays valid JSON', () => {
    const tricky = 'tr"ic\\ky-secret-value';
    const doc = { [tricky]: [`x ${tricky} y`, 3, { deep: JSON.stringify({ tricky }) }] };
    const out = redactJson(doc, [tricky]);
    const text = JSON.stringify(out);
    expect(text).not.toContain('ic\\\\ky');
    expect(JSON.parse(text)).toEqual({ '***': ['x *** y', 3, { deep: '{"tricky":"***"}' }] });
  });
});

describe('parsePath and parseGlob: confined to the workspace', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'kit-paths-'));
  mkdirSync(path.join(workspace, 'sub'));
  writeFileSync(path.join(workspace, 'sub', 'ok.yml'), 'x');
  symlinkSync('/etc', path.join(workspace, 'etc-link'));
  const options = { workspace, what: 'a checks file' };

  it('accepts paths inside, relative or absolute', () => {
    expect(parsePath('checks', 'sub/ok.yml', options)).toBe(path.join(workspace, 'sub', 'ok.yml'));
    expect(parsePath('checks', path.join(workspace, 'new', 'file.sarif'), options)).toBe(
      path.join(workspace, 'new', 'file.sarif'),
    );
  });

  it.each(['/etc/passwd', '../outside', 'etc-link/passwd', '/proc/self/environ'])('refuses %j by name', (raw) => {
    expect(() => parsePath('checks', raw, options)).toThrow(
      `Input 'checks' has an invalid value ${JSON.stringify(raw)}: expected a checks file inside the workspace (${workspace}); set allow-outside-workspace: true`,
    );
  });

  it('allows outside paths only when opted out', () => {
    expect(parsePath('checks', '/etc/passwd', { ...options, allowOutside: true })).toBe('/etc/passwd');
  });

  it('refuses a huge value with its length, not "pattern is too long"', () => {
    const huge = 'a'.repeat(130_000);
    expect(() => parsePath('working-directory', huge, { workspace })).toThrow(
      /Input 'working-directory' has an invalid value "a{117}\.\.\.": expected a path of at most 4096 characters \(got 130000\)/,
    );
    expect(() => parseGlob('line-length-include', `**/${huge}`, { workspace })).toThrow(/at most 4096 characters/);
  });

  it.each(['/**/*.x', '../**/*.ts', '!/etc/*', 'a/../../b', 'C:/x/*'])('refuses the glob %j', (glob) => {
    expect(() => parseGlob('manifests', glob, { workspace })).toThrow(/relative to the workspace/);
  });

  it.each(['**/*.ts', '!dist/**', 'k8s/*.yaml'])('accepts the glob %j', (glob) => {
    expect(parseGlob('manifests', glob, { workspace })).toBe(glob);
  });

  it('accepts an absolute glob whose fixed part is inside the workspace', () => {
    expect(parseGlob('manifests', `${workspace}/k8s/*.yaml`, { workspace })).toBe(`${workspace}/k8s/*.yaml`);
  });
});

describe('execArgs', () => {
  it('stops a program that outlives its timeout and says so', async () => {
    const started = performance.now();
    await expect(execArgs(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { timeoutMs: 300 })).rejects.toThrow(
      ExecTimeoutError,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('also stops one that ignores SIGTERM', async () => {
    const script = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
    await expect(execArgs(process.execPath, ['-e', script], { timeoutMs: 200 })).rejects.toThrow(
      /did not finish within 200ms and was stopped/,
    );
  });

  it('returns output and exit code, with input on stdin', async () => {
    const result = await execArgs(
      process.execPath,
      ['-e', 'process.stdin.pipe(process.stdout); process.exitCode = 3'],
      {
        input: 'hello',
      },
    );
    expect(result).toEqual({ exitCode: 3, stdout: 'hello', stderr: '' });
  });

  it('names a missing program and a missing working directory', async () => {
    await expect(execArgs('no-such-program-xyz', [])).rejects.toThrow(
      /Unable to locate executable file: no-such-program-xyz/,
    );
    await expect(execArgs(process.execPath, [], { cwd: '/no/such/dir' })).rejects.toThrow(
      /working directory \/no\/such\/dir does not exist/,
    );
  });
});

describe('parseHttpUrl: malformed values fail by name', () => {
  it.each([
    ['https://registry.example.com/%zz/', /Input 'registry' .*percent-encoding is correct/],
    ['https://registry.example.com/%', /percent-encoding is correct/],
    ['https://slack.com/api/\nx', /without line breaks or other control characters/],
  ])('%j', (raw, message) => {
    expect(() => parseHttpUrl('registry', raw)).toThrow(message);
  });
});

describe('quoting a value in an error: bounded, redacted before it is cut', () => {
  const secret = 'QuoteSecret-4f1c9a7e20b3';
  maskSecret(secret);

  it('quotes at most 120 characters of a 130 KB value', () => {
    const message = new InputError('base-ref', 'r'.repeat(130_000), 'a git ref').message;
    expect(message).toBe(`Input 'base-ref' has an invalid value "${'r'.repeat(117)}...": expected a git ref.`);
  });

  it('never leaves the first half of a secret that straddles the cut', () => {
    const value = `${'a'.repeat(105)}${secret}`;
    expect(quoteValue(value)).toBe(JSON.stringify(`${'a'.repeat(105)}***`));
    expect(redactedExcerpt(`${'b'.repeat(290)}${secret}`, 300)).toBe(`${'b'.repeat(290)}***`);
    expect(tail(`${secret}${'c'.repeat(2000)}`, { maxChars: 2000 })).not.toContain(secret.slice(-8));
  });

  it('escapes what JSON leaves alone: C1 controls and the Unicode line separators', () => {
    expect(quoteValue('a\u0085b\u2028c\n')).toBe('"a\\u0085b\\u2028c\\n"');
  });
});

describe('headerValueProblem: what fetch and servers refuse is an input error', () => {
  it.each([
    ['a token', 'Bearer abc.DEF-123_~+/=', undefined],
    ['a tab', 'tab\tinside', undefined],
    ['a lone CR', 'a\rb', 'holds a line break or another control character'],
    ['Latin-1', 'caf\u00e9', 'holds a character outside printable ASCII'],
    ['past U+00FF', '\u2c2b', 'holds a character outside printable ASCII'],
    ['8193 characters', 'v'.repeat(8193), 'is 8193 characters long (at most 8192)'],
  ])('%s', (_what, value, problem) => {
    expect(headerValueProblem(value)).toBe(problem);
  });
});
