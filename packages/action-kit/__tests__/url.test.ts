import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { displayUrl, parseHttpUrl, redactUrlCredentials, urlSecrets } from '../src/index.js';
import type { HttpUrlOptions } from '../src/index.js';

/** What the action wrote to stdout while `body` ran: workflow commands such as ::add-mask::. */
let written: string[] = [];
const write = process.stdout.write.bind(process.stdout);
beforeEach(() => {
  written = [];
  process.stdout.write = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
});
afterEach(() => {
  process.stdout.write = write;
});
const masks = (): string[] =>
  written
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => unescapeData(l.slice('::add-mask::'.length)));
/** Workflow-command data escaping, undone as the runner does. */
const unescapeData = (data: string): string => data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

describe('parseHttpUrl', () => {
  it.each([
    ['https://example.com', {}, 'https://example.com/'],
    ['  http://127.0.0.1:8080/api?x=1  ', {}, 'http://127.0.0.1:8080/api?x=1'],
    [
      'https://ci:s3cr3t-p4ss@registry.example.com/npm/',
      { credentials: 'mask' },
      'https://ci:s3cr3t-p4ss@registry.example.com/npm/',
    ],
  ] as [string, HttpUrlOptions, string][])('accepts %j (%j)', (raw, options, href) => {
    expect(parseHttpUrl('url', raw, options).href).toBe(href);
  });

  it.each([
    [
      'example.com',
      {},
      `Input 'url' has an invalid value "example.com": expected an absolute http:// or https:// URL.`,
    ],
    [
      'ftp://example.com/x',
      {},
      `Input 'url' has an invalid value "ftp://example.com/x": expected an absolute http:// or https:// URL.`,
    ],
    ['', {}, `Input 'url' has an invalid value "": expected an absolute http:// or https:// URL.`],
    [
      'nope',
      { accepted: 'an http(s) URL such as https://r.example/' },
      `expected an http(s) URL such as https://r.example/.`,
    ],
    ['hooks.example/T000/B000/XXXXsecret', { secret: true }, `Input 'url' has an invalid value "***"`],
    // Credentials are refused with the value masked, parseable or not.
    [
      'https://ci:hunter22@example.com/',
      {},
      `Input 'url' has an invalid value "https://***@example.com/": expected a URL without user:password.`,
    ],
    ['https://ci:hun ter@example.com/', {}, `Input 'url' has an invalid value "https://***@example.com/"`],
    [
      'https://token123@example.com/',
      { credentialsHint: 'pass credentials in headers' },
      `expected a URL without user:password (pass credentials in headers).`,
    ],
    // Malformed percent-encoding: a clear InputError, not URIError, and still masked.
    [
      'https://ci:50%zz@example.com/',
      { credentials: 'mask' },
      `Input 'url' has an invalid value "https://***@example.com/": expected an absolute http:// or https:// URL whose percent-encoding is correct`,
    ],
  ] as [string, HttpUrlOptions, string][])('rejects %j (%j)', (raw, options, message) => {
    expect(() => parseHttpUrl('url', raw, options)).toThrow(message);
  });

  it('never names the credentials in any error', () => {
    for (const raw of [
      'https://ci:hunter22@example.com/',
      'https://ci:hunter22@exa mple.com/',
      'ftp://ci:hunter22@example.com/',
      'https://ci:hunter22%@example.com/',
    ]) {
      for (const credentials of ['reject', 'mask'] as const) {
        try {
          parseHttpUrl('registry', raw, { credentials });
        } catch (error: unknown) {
          expect(String(error)).not.toContain('hunter22');
          expect(error).not.toBeInstanceOf(URIError);
        }
      }
    }
  });

  it.each([
    ['https://ci:s3cr3t%2Fp4ss@r.example/', ['s3cr3t%2Fp4ss', 's3cr3t/p4ss']],
    ['https://ghp_tokenvalue@r.example/', ['ghp_tokenvalue']],
  ])('with credentials: mask, masks the secret of %j raw and decoded', (raw, expected) => {
    parseHttpUrl('registry', raw, { credentials: 'mask' });
    for (const secret of expected) expect(masks()).toContain(secret);
    expect(masks()).not.toContain('ci');
  });
});

describe('redactUrlCredentials and displayUrl', () => {
  it.each([
    ['https://ci:pw@h.example/a', 'https://***@h.example/a'],
    [
      'npm ERR! GET https://u:p@a@r.example/pkg failed, retry http://x:y@other/ too',
      'npm ERR! GET https://***@r.example/pkg failed, retry http://***@other/ too',
    ],
    ['https://h.example/a@b', 'https://h.example/a@b'],
    ['mail me@example.com', 'mail me@example.com'],
    ['no url here', 'no url here'],
    ['https://u:p\\@h.example/', 'https://u:p\\@h.example/'],
  ])('redacts %j', (text, expected) => {
    expect(redactUrlCredentials(text)).toBe(expected);
  });

  it.each([
    ['https://h.example/a?b=1', 'https://h.example/a?b=1'],
    ['https://ci:pw@h.example/a', 'https://***@h.example/a'],
    ['https://tok@h.example/', 'https://***@h.example/'],
  ])('displays %j as %j', (href, expected) => {
    expect(displayUrl(new URL(href))).toBe(expected);
    expect(displayUrl(href)).toBe(expected);
  });
});

describe('urlSecrets', () => {
  it.each([
    ['https://h.example/', []],
    ['https://ci:p%40ss@h.example/', ['p%40ss', 'p@ss']],
    ['https://ci:plain@h.example/', ['plain']],
    ['https://tok@h.example/', ['tok']],
    ['https://ci:50%zz@h.example/', ['50%zz']],
  ])('%j', (href, expected) => {
    expect(urlSecrets(new URL(href))).toEqual(expected);
  });
});
