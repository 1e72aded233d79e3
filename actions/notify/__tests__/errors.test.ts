import { describe, expect, it } from '@jest/globals';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { classifyFailure, explainFailure } from '../src/errors.js';
import type { Failure, FailureContext } from '../src/errors.js';

const post: FailureContext = {
  method: 'chat.postMessage',
  channel: '#deploys',
  apiUrl: 'https://slack.com/api/',
  retries: 3,
};
const update: FailureContext = {
  method: 'chat.update',
  channel: '#deploys',
  messageTs: '1712345678.000100',
  apiUrl: 'https://slack.com/api/',
  retries: 3,
};
const hook: FailureContext = { method: 'webhook', retries: 1 };

describe("classifyFailure reads the Slack SDKs' real error objects", () => {
  it.each<[string, unknown, Failure]>([
    [
      'platform error',
      new WebAPIPlatformError({ ok: false, error: 'invalid_auth' }),
      { kind: 'platform', error: 'invalid_auth', details: [] },
    ],
    [
      'platform error with scopes',
      new WebAPIPlatformError({
        ok: false,
        error: 'missing_scope',
        needed: 'chat:write',
        provided: 'channels:read',
      } as never),
      { kind: 'platform', error: 'missing_scope', needed: 'chat:write', provided: 'channels:read', details: [] },
    ],
    [
      'invalid_blocks with details',
      new WebAPIPlatformError({
        ok: false,
        error: 'invalid_blocks',
        errors: ['no more than 50 items allowed [json-pointer:/blocks]'],
        response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
      } as never),
      {
        kind: 'platform',
        error: 'invalid_blocks',
        details: [
          'no more than 50 items allowed [json-pointer:/blocks]',
          '[ERROR] no more than 50 items allowed [json-pointer:/blocks]',
        ],
      },
    ],
    [
      'HTTP error',
      new WebAPIHTTPError(503, 'Service Unavailable', {}, 'upstream down'),
      { kind: 'http', status: 503, body: 'upstream down' },
    ],
    ['rate limited (rejected)', new WebAPIRateLimitedError(30), { kind: 'rate-limited', retryAfterSeconds: 30 }],
    [
      'network error with a cause code',
      new WebAPIRequestError(
        Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
        }),
      ),
      { kind: 'network', detail: 'fetch failed: ECONNREFUSED' },
    ],
    [
      'rate limit retries exhausted',
      new Error('A rate limit was exceeded (url: chat.postMessage, retry-after: 1)'),
      { kind: 'rate-limited' },
    ],
    [
      'rate limit retries exhausted, wrapped as a request error',
      new WebAPIRequestError(
        new Error('A rate limit was exceeded (url: http://127.0.0.1/api/chat.postMessage, retry-after: 1)'),
      ),
      { kind: 'rate-limited' },
    ],
    [
      'webhook HTTP error',
      new IncomingWebhookHTTPError(410, 'Gone', 'channel_is_archived'),
      { kind: 'webhook-http', status: 410, body: 'channel_is_archived' },
    ],
    [
      'webhook network error',
      new IncomingWebhookRequestError(new Error('socket hang up')),
      { kind: 'network', detail: 'socket hang up' },
    ],
    ['anything else', new Error('boom'), { kind: 'unknown', detail: 'boom' }],
    ['not an error', 'just a string', { kind: 'unknown', detail: 'just a string' }],
  ])('%s', (_name, error, expected) => {
    expect(classifyFailure(error)).toEqual(expected);
  });

  it('treats a plain error after HTTP 429s as rate limiting', () => {
    expect(classifyFailure(new Error('whatever'), true)).toEqual({ kind: 'rate-limited' });
  });
});

describe('explainFailure says what went wrong and the fix', () => {
  const platform = (error: string, extra: Partial<Extract<Failure, { kind: 'platform' }>> = {}): Failure => ({
    kind: 'platform',
    error,
    details: [],
    ...extra,
  });
  it.each<[string, Failure, FailureContext, RegExp[]]>([
    [
      'invalid_auth',
      platform('invalid_auth'),
      post,
      [
        /^Slack chat.postMessage: Slack rejected slack-token \(invalid_auth\)/,
        /Fix: use the Bot User OAuth Token \(xoxb-/,
      ],
    ],
    ['not_authed', platform('not_authed'), post, [/No token reached Slack \(not_authed\)/, /forks/]],
    [
      'channel_not_found on post',
      platform('channel_not_found'),
      post,
      [/cannot find channel '#deploys' \(channel_not_found\)/, /use the channel ID/],
    ],
    [
      'channel_not_found on update',
      platform('channel_not_found'),
      update,
      [/chat.update needs the channel ID/, /channel-id output/],
    ],
    [
      'not_in_channel',
      platform('not_in_channel'),
      post,
      [/not a member of channel '#deploys' \(not_in_channel\)/, /\/invite @your-app/, /chat:write.public/],
    ],
    [
      'missing_scope',
      platform('missing_scope', { needed: 'chat:write', provided: 'users:read' }),
      post,
      [/missing_scope: needs chat:write, has users:read/, /reinstall/],
    ],
    ['msg_too_long', platform('msg_too_long'), post, [/too long \(msg_too_long\)/, /shorten the fields/]],
    [
      'invalid_blocks',
      platform('invalid_blocks', { details: ['must be less than 3001 characters [json-pointer:/blocks/2/text/text]'] }),
      post,
      [/invalid_blocks: must be less than 3001 characters \[json-pointer:\/blocks\/2\/text\/text\]/, /bug in notify/],
    ],
    [
      'message_not_found',
      platform('message_not_found'),
      update,
      [/No message with ts 1712345678.000100 in channel '#deploys'/, /ts output/],
    ],
    ['ratelimited body', platform('ratelimited'), post, [/rate-limited/, /post once and update it with message-ts/]],
    [
      'unknown code',
      platform('some_new_error', { details: ['[ERROR] detail'] }),
      post,
      [/Slack answered error 'some_new_error' \(\[ERROR\] detail\)/],
    ],
    [
      'rate limit exhausted',
      { kind: 'rate-limited' },
      post,
      [/Slack \(the API at https:\/\/slack\.com\/api\/\) kept rate-limiting the request \(HTTP 429\) after 3 retries/],
    ],
    [
      'HTTP 503',
      { kind: 'http', status: 503, body: 'down' },
      post,
      [/answered HTTP 503 \(down\) after 3 retries/, /check slack-api-url/],
    ],
    [
      'network',
      { kind: 'network', detail: 'fetch failed: ECONNREFUSED' },
      post,
      [/could not reach the Slack API at https:\/\/slack.com\/api\/ \(fetch failed: ECONNREFUSED\) after 3 retries/],
    ],
    [
      'webhook network',
      { kind: 'network', detail: 'ENOTFOUND' },
      hook,
      [/^Slack incoming webhook: could not reach the webhook URL \(ENOTFOUND\) after 1 retry\./],
    ],
    [
      'webhook 404',
      { kind: 'webhook-http', status: 404, body: 'no_service' },
      hook,
      [/unknown or was revoked \(no_service\)/, /create a new incoming webhook/, /\(HTTP 404\)$/],
    ],
    [
      'webhook 410',
      { kind: 'webhook-http', status: 410, body: 'channel_is_archived' },
      hook,
      [/archived \(channel_is_archived\)/],
    ],
    ['webhook 429', { kind: 'webhook-http', status: 429, body: '' }, hook, [/rate-limited the webhook \(HTTP 429\)/]],
    [
      'webhook 500',
      { kind: 'webhook-http', status: 500, body: 'rollup_error' },
      hook,
      [/answered HTTP 500 \(rollup_error\) after 1 retry; retry later/],
    ],
  ])('%s', (_name, failure, ctx, patterns) => {
    const text = explainFailure(failure, ctx);
    for (const pattern of patterns) expect(text).toMatch(pattern);
  });
});
