import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parseInputs, type Inputs } from '../src/inputs.js';
import { inputReader, recordingReader } from '@pipeline/action-kit/testing';

/** The action.yml defaults, as the runner passes them. */
const defaults: Record<string, string> = {
  'slack-token': '',
  channel: '',
  status: 'success',
  title: '',
  fields: '',
  environment: '',
  duration: '',
  'message-ts': '',
  'thread-ts': '',
  'mention-on-failure': '',
  'webhook-url': '',
  'slack-api-url': 'https://slack.com/api/',
  'fail-on-error': 'true',
  retries: '3',
  timeout: '30s',
};
const TOKEN = 'xoxb-1-2-NotifyInputsTokenValue';
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/SecretWebhookPart';
const env = { GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '2', GITHUB_WORKFLOW: 'CI' };

// parseInputs registers secrets (::add-mask::) on stdout; keep them to check, and out of the test log.
let written = '';
const write = process.stdout.write.bind(process.stdout);
beforeEach(() => {
  written = '';
  process.stdout.write = (chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  };
});
afterEach(() => {
  process.stdout.write = write;
});

function parse(overrides: Record<string, string> = {}): Readonly<Inputs> {
  return parseInputs(inputReader({ ...defaults, ...overrides }), env);
}

describe('notify inputs', () => {
  it('takes the action.yml defaults, with nowhere to send', () => {
    expect(parse()).toEqual({
      destination: { kind: 'none' },
      status: 'success',
      title: '',
      fields: [],
      environment: '',
      durationMs: undefined,
      messageTs: undefined,
      threadTs: undefined,
      mentions: [],
      failOnError: true,
      retries: 3,
      timeoutMs: 30_000,
      secrets: [],
      run: {
        repository: 'o/r',
        repositoryUrl: 'https://github.com/o/r',
        workflow: 'CI',
        runUrl: 'https://github.com/o/r/actions/runs/7/attempts/2',
        runLabel: 'run 7 (attempt 2)',
      },
    });
  });

  it('reads each input once', () => {
    const { read, reads } = recordingReader(defaults);
    parseInputs(read, env);
    expect([...reads].sort()).toEqual(Object.keys(defaults).sort());
  });

  it.each([
    [
      { 'slack-token': TOKEN, channel: 'C0123ABCD' },
      {
        destination: { kind: 'web-api', token: TOKEN, channel: 'C0123ABCD', apiUrl: 'https://slack.com/api/' },
        secrets: [TOKEN],
      },
    ],
    [
      { 'slack-token': TOKEN, channel: '#deploys', 'slack-api-url': ' http://127.0.0.1:8080/api/ ' },
      { destination: { kind: 'web-api', token: TOKEN, channel: '#deploys', apiUrl: 'http://127.0.0.1:8080/api/' } },
    ],
    [{ 'webhook-url': WEBHOOK }, { destination: { kind: 'webhook', url: WEBHOOK }, secrets: [WEBHOOK] }],
    [{ 'webhook-url': WEBHOOK, 'thread-ts': '1712345678.123456' }, { threadTs: '1712345678.123456' }],
    [{ status: 'rolled-back' }, { status: 'rolled-back' }],
    [{ title: '  Deploy api  ' }, { title: 'Deploy api' }],
    [
      { fields: 'version=1.2.3\nnotes<<EOF\nline 1\nline 2\nEOF' },
      {
        fields: [
          ['version', '1.2.3'],
          ['notes', 'line 1\nline 2'],
        ],
      },
    ],
    [{ environment: ' staging ' }, { environment: 'staging' }],
    [{ duration: '1m30s' }, { durationMs: 90_000 }],
    [{ 'slack-token': TOKEN, channel: 'C1', 'message-ts': '1712345678.123456' }, { messageTs: '1712345678.123456' }],
    [
      { 'mention-on-failure': 'U0123ABCD, here' },
      {
        mentions: [
          { kind: 'user', id: 'U0123ABCD' },
          { kind: 'special', name: 'here' },
        ],
      },
    ],
    [{ 'fail-on-error': 'false' }, { failOnError: false }],
    [{ retries: '0' }, { retries: 0 }],
    [{ timeout: '2m' }, { timeoutMs: 120_000 }],
  ] as [Record<string, string>, Partial<Inputs>][])('%j', (overrides, expected) => {
    expect(parse(overrides)).toMatchObject(expected);
  });

  it.each([
    [
      { status: 'done' },
      `Input 'status' has an invalid value "done": expected one of started, success, failure, cancelled, rolled-back.`,
    ],
    [
      { 'slack-token': TOKEN, 'webhook-url': WEBHOOK },
      `Input 'webhook-url' has an invalid value "***": expected empty when slack-token is set`,
    ],
    [{ 'slack-token': TOKEN }, `Input 'channel' has an invalid value "": expected a channel ID such as C0123ABCD`],
    [
      { 'slack-token': TOKEN, channel: 'C1', 'slack-api-url': 'slack.com/api' },
      `Input 'slack-api-url' has an invalid value "slack.com/api": expected an absolute http:// or https:// URL.`,
    ],
    [
      { 'slack-token': TOKEN, channel: 'C1', 'slack-api-url': 'https://u:50%zz@proxy.example/api/' },
      `Input 'slack-api-url' has an invalid value "https://***@proxy.example/api/": expected an absolute http:// or https:// URL whose percent-encoding is correct`,
    ],
    // Issue 13: a token with a line break was reported as a network failure.
    [
      { 'slack-token': `${TOKEN}\nX-Injected: 1`, channel: 'C1' },
      `Input 'slack-token' has an invalid value "***": expected a Slack token of printable ASCII on one line, without spaces`,
    ],
    [{ 'slack-token': `${TOKEN}\rX`, channel: 'C1' }, `Input 'slack-token' has an invalid value "***"`],
    // Issue 13 (fuzz): a non-ASCII token failed inside fetch ("Cannot convert argument to a ByteString"), as a network failure.
    [{ 'slack-token': 'xoxb-\u2c2b\u022c', channel: 'C1' }, `Input 'slack-token' has an invalid value "***"`],
    [
      { 'slack-token': `${TOKEN}\u00e9`, channel: 'C1' },
      `Input 'slack-token' has an invalid value "***": expected a Slack token of printable ASCII on one line, without spaces (xoxb-..., xoxp-...); this one holds a character outside printable ASCII`,
    ],
    [
      { 'webhook-url': `${WEBHOOK}\n/x` },
      `Input 'webhook-url' has an invalid value "***": expected an absolute http:// or https:// URL, without line breaks`,
    ],
    // Issue 13: retries × timeout was unbounded; the whole delivery now fits 15 minutes.
    [
      { 'webhook-url': WEBHOOK, retries: '10', timeout: '10m' },
      `Input 'timeout' has an invalid value "10m": expected a timeout that, times the 11 attempts retries: 10 allows, stays within 15 minutes (at most 81.818s here).`,
    ],
    [
      { 'slack-token': TOKEN, channel: 'C1', 'slack-api-url': 'https://slack.com/api/%E0%A4%A' },
      `Input 'slack-api-url' has an invalid value "https://slack.com/api/%E0%A4%A": expected an absolute http:// or https:// URL whose percent-encoding is correct`,
    ],
    [
      { 'webhook-url': 'hooks.slack.com/services/T000/B000/SecretWebhookPart' },
      `Input 'webhook-url' has an invalid value "***": expected an absolute http:// or https:// URL.`,
    ],
    [
      { 'webhook-url': WEBHOOK, 'message-ts': '1712345678.123456' },
      `Input 'message-ts' has an invalid value "1712345678.123456": expected empty with webhook-url`,
    ],
    [{ 'message-ts': 'yesterday' }, `Input 'message-ts' has an invalid value "yesterday": expected a Slack message ts`],
    [{ 'thread-ts': '17123' }, `Input 'thread-ts' has an invalid value "17123"`],
    [{ fields: 'a=1\na=2' }, `Input 'fields' has an invalid value "a=2": expected each key once`],
    [{ duration: 'forever' }, `Input 'duration' has an invalid value "forever"`],
    [{ 'mention-on-failure': 'everyone' }, `Input 'mention-on-failure' has an invalid value`],
    [{ 'fail-on-error': 'perhaps' }, `Input 'fail-on-error' has an invalid value "perhaps": expected true or false.`],
    [{ retries: '11' }, `Input 'retries' has an invalid value "11": expected a whole number from 0 to 10.`],
    [{ timeout: '0s' }, `Input 'timeout' has an invalid value "0s"`],
  ])('rejects %j', (overrides, message) => {
    expect(() => parse(overrides)).toThrow(message);
  });

  // Issue 13 (fuzz): a token over 8 KiB (100 KB in the fuzz suite) failed as the Slack API's HTTP 431.
  it('rejects a slack-token too long for a header, without showing it', () => {
    expect(() => parse({ 'slack-token': `xoxb-${'1'.repeat(9000)}`, channel: 'C1' })).toThrow(
      /^Input 'slack-token' has an invalid value "\*\*\*": .*; this one is 9005 characters long \(at most 8192\)/,
    );
  });

  it('masks the secrets before any other input can fail, and never shows them in an error', () => {
    for (const overrides of <Record<string, string>[]>[
      { 'slack-token': TOKEN, status: 'bad' },
      { 'webhook-url': 'ftp://hooks.example/T000/SecretWebhookPart', status: 'success' },
      {
        'slack-token': TOKEN,
        channel: 'C1',
        'slack-api-url': 'https://user:ProxyPassw0rd@proxy.example/api/',
        status: 'bad',
      },
    ]) {
      written = '';
      expect(() => parse(overrides)).toThrow();
      for (const secret of [TOKEN, 'SecretWebhookPart']) {
        const given = Object.values(overrides).some((v) => v.includes(secret));
        if (given) expect(written).toMatch(new RegExp(`::add-mask::.*${secret}`));
      }
      try {
        parse(overrides);
      } catch (error: unknown) {
        expect(String(error)).not.toMatch(/NotifyInputsTokenValue|SecretWebhookPart|ProxyPassw0rd/);
      }
    }
  });

  // Issue 13 (fuzz): credentials in slack-api-url were masked and accepted, then fetch refused the URL as a network failure.
  it('refuses a slack-api-url with user:password by name, without showing the password', () => {
    expect(() =>
      parse({ 'slack-token': TOKEN, channel: 'C1', 'slack-api-url': 'https://user:ProxyPassw0rd@proxy.example/api/' }),
    ).toThrow(
      `Input 'slack-api-url' has an invalid value "https://***@proxy.example/api/": expected a URL without user:password (the Slack client cannot send them`,
    );
  });
});
