/**
 * What notify does around the Slack clients (which call, what the answer
 * means, how a failure reads), with a fake behind the SlackClients interface.
 * The real @slack/web-api and @slack/webhook run in notify.e2e.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { WebAPIPlatformError } from '@slack/web-api';
import type { ChatPostMessageArguments, ChatUpdateArguments } from '@slack/web-api';
import { IncomingWebhookHTTPError } from '@slack/webhook';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { SlackMessage } from '../src/message.js';
import { sendWithWebApi, sendWithWebhook, SlackSendError } from '../src/slack.js';
import type { Log, SlackClients, SlackWebApi, WebApiOptions, WebApiTarget, WebhookOptions } from '../src/slack.js';

const message: SlackMessage = {
  text: 'Deploy succeeded',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'ok' } }],
};
const target: WebApiTarget = {
  token: 'xoxb-t',
  apiUrl: 'https://slack.com/api/',
  channel: '#deploys',
  retries: 2,
  timeoutMs: 5000,
};
const lines: string[] = [];
const log: Log = { debug: () => undefined, info: (m) => void lines.push(m) };

interface Fake {
  clients: SlackClients;
  calls: { method: string; args: unknown }[];
  options: (WebApiOptions | WebhookOptions)[];
}

/** A Web API that answers each call with `answer` (or throws it), after reporting `rateLimits` 429s. */
function fakeSlack(answer: (method: string, args: unknown) => unknown, rateLimits: number[] = []): Fake {
  const calls: Fake['calls'] = [];
  const options: Fake['options'] = [];
  const call = async (method: string, args: unknown, on?: (s: number) => void): Promise<never> => {
    calls.push({ method, args });
    for (const seconds of rateLimits) on?.(seconds);
    const result = answer(method, args);
    if (result instanceof Error) throw result;
    return result as never;
  };
  const clients: SlackClients = {
    webApi: async (o) => {
      options.push(o);
      const api: SlackWebApi = {
        postMessage: (args: ChatPostMessageArguments) => call('chat.postMessage', args, o.onRateLimited),
        update: (args: ChatUpdateArguments) => call('chat.update', args, o.onRateLimited),
      };
      return api;
    },
    webhook: async (o) => {
      options.push(o);
      return { send: async (payload: IncomingWebhookSendArguments) => void (await call('webhook', payload)) };
    },
  };
  return { clients, calls, options };
}

describe('sendWithWebApi', () => {
  it.each([
    [
      'a new message',
      {},
      { ts: '1.1', channel: 'C0DEPLOYS' },
      'chat.postMessage',
      { method: 'chat.postMessage', ts: '1.1', threadTs: '1.1', channelId: 'C0DEPLOYS' },
    ],
    [
      'a thread reply',
      { threadTs: '0.5' },
      { ts: '1.2', channel: 'C0DEPLOYS' },
      'chat.postMessage',
      { method: 'chat.postMessage', ts: '1.2', threadTs: '0.5', channelId: 'C0DEPLOYS' },
    ],
    [
      'a reply Slack places in a thread',
      {},
      { ts: '1.3', channel: 'C0DEPLOYS', message: { thread_ts: '0.9' } },
      'chat.postMessage',
      { method: 'chat.postMessage', ts: '1.3', threadTs: '0.9', channelId: 'C0DEPLOYS' },
    ],
    [
      'an update',
      { messageTs: '1.1' },
      { ts: '1.1', channel: 'C0DEPLOYS' },
      'chat.update',
      { method: 'chat.update', ts: '1.1', threadTs: '1.1', channelId: 'C0DEPLOYS' },
    ],
    [
      'an update answered without ts or channel',
      { messageTs: '1.1' },
      {},
      'chat.update',
      { method: 'chat.update', ts: '1.1', threadTs: '1.1', channelId: '#deploys' },
    ],
  ] as [string, Partial<WebApiTarget>, object, string, object][])(
    '%s',
    async (_what, extra, answer, method, delivery) => {
      const slack = fakeSlack(() => answer);
      await expect(sendWithWebApi(message, { ...target, ...extra }, log, slack.clients)).resolves.toEqual(delivery);
      expect(slack.calls.map((c) => c.method)).toEqual([method]);
    },
  );

  it('posts the text and blocks, without unfurling, with the token, URL and retry budget given', async () => {
    const slack = fakeSlack(() => ({ ts: '1.1' }));
    await sendWithWebApi(message, { ...target, threadTs: '0.5' }, log, slack.clients);
    expect(slack.calls[0]?.args).toEqual({
      channel: '#deploys',
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      thread_ts: '0.5',
    });
    expect(slack.options[0]).toMatchObject({
      token: 'xoxb-t',
      apiUrl: 'https://slack.com/api/',
      retries: 2,
      timeoutMs: 5000,
    });
  });

  it('refuses an "ok" answer without a message ts, naming the API without its credentials', async () => {
    const slack = fakeSlack(() => ({ channel: 'C1' }));
    await expect(
      sendWithWebApi(message, { ...target, apiUrl: 'https://u:ProxyPassw0rd@proxy.example/api/' }, log, slack.clients),
    ).rejects.toThrow(
      "Slack chat.postMessage answered ok but without a message ts; the API at https://***@proxy.example/api/ does not behave like Slack's.",
    );
  });

  it('explains a platform error with its fix', async () => {
    const slack = fakeSlack(() => new WebAPIPlatformError({ ok: false, error: 'channel_not_found' }));
    const sent = sendWithWebApi(message, target, log, slack.clients);
    await expect(sent).rejects.toBeInstanceOf(SlackSendError);
    await expect(sent).rejects.toThrow(/^Slack chat.postMessage: .*channel_not_found/);
  });

  // The real client's 429 with rejectRateLimitedCalls: true (WebClient's rate-limited error shape).
  const rateLimited = (retryAfter: number): Error =>
    Object.assign(new Error(`A rate-limit has been reached, you may retry this request in ${retryAfter} seconds`), {
      code: 'slack_webapi_rate_limited_error',
      retryAfter,
    });
  const clock = (): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } => {
    let t = 0;
    const slept: number[] = [];
    return { now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), slept };
  };

  it('waits out a Retry-After that fits the time budget, within retries, and says so', async () => {
    lines.length = 0;
    const time = clock();
    const slack = fakeSlack(() => rateLimited(3));
    const sent = sendWithWebApi(message, target, log, slack.clients, time);
    await expect(sent).rejects.toThrow(
      /kept rate-limiting the request \(HTTP 429\) after 2 retries \(Retry-After 3s\)/,
    );
    expect(slack.calls).toHaveLength(3);
    expect(time.slept).toEqual([3000, 3000]);
    expect(lines).toContain(
      'Slack rate-limited chat.postMessage (HTTP 429); waiting 3s as Retry-After asks, then retrying.',
    );
  });

  // Issue 13: Retry-After: 3600 held the step for an hour whatever timeout and retries said.
  it('does not wait for a Retry-After longer than the time left, and says why', async () => {
    const time = clock();
    const slack = fakeSlack(() => rateLimited(3600));
    const sent = sendWithWebApi(message, target, log, slack.clients, time);
    await expect(sent).rejects.toThrow(
      "Slack asked to wait 3600s (Retry-After), more than the 15s left of this delivery's time limit (timeout 5s × 3 attempts), so it was not waited for.",
    );
    expect(slack.calls).toHaveLength(1);
    expect(time.slept).toEqual([]);
  });

  it('sends after a short Retry-After', async () => {
    const time = clock();
    let calls = 0;
    const slack = fakeSlack(() => (++calls === 1 ? rateLimited(1) : { ts: '9.9', channel: 'C9' }));
    await expect(sendWithWebApi(message, target, log, slack.clients, time)).resolves.toMatchObject({ ts: '9.9' });
    expect(time.slept).toEqual([1000]);
  });
});

describe('sendWithWebhook', () => {
  it.each([
    [{}, { method: 'webhook' }],
    [{ threadTs: '0.5' }, { method: 'webhook', threadTs: '0.5' }],
  ])('%j', async (extra, delivery) => {
    const slack = fakeSlack(() => undefined);
    await expect(
      sendWithWebhook(
        message,
        { url: 'https://hooks.example/T/B/x', retries: 1, timeoutMs: 1000, ...extra },
        slack.clients,
      ),
    ).resolves.toEqual(delivery);
    expect(slack.calls[0]?.args).toMatchObject({ text: message.text, unfurl_links: false, unfurl_media: false });
  });

  it('explains a revoked webhook', async () => {
    const slack = fakeSlack(() => new IncomingWebhookHTTPError(404, 'Not Found', 'no_service'));
    await expect(
      sendWithWebhook(message, { url: 'https://hooks.example/T/B/x', retries: 1, timeoutMs: 1000 }, slack.clients),
    ).rejects.toThrow(
      'Slack incoming webhook: The webhook URL is unknown or was revoked (no_service). Fix: create a new incoming webhook',
    );
  });
});
