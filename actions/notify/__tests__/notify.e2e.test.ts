/**
 * End to end: the built dist/index.js run as the runner runs it, with the
 * real @slack/web-api and @slack/webhook clients talking to the local
 * Slack stand-in (@pipeline/local-slack, with the failures of helpers/fake-slack.ts; Slack itself is unreachable here).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import type { Logger, LogLevel } from '@slack/web-api';
import { runAction } from '@pipeline/action-kit/testing';
import type { ActionRun } from '@pipeline/action-kit/testing';
import { FakeSlack } from './helpers/fake-slack.js';
import type { StoredMessage } from './helpers/fake-slack.js';

const ACTION = 'actions/notify';
const TOKEN = 'xoxb-1111111111-2222222222-NotifyTestTokenValue';
const WEBHOOK_SECRET = 'XyZsecretWebhookPart0123456789';

let slack: FakeSlack;

beforeAll(async () => {
  slack = await FakeSlack.start({
    token: TOKEN,
    webhookSecret: WEBHOOK_SECRET,
    channels: [
      { id: 'C0DEPLOYS', name: 'deploys' },
      { id: 'C0PRIVATE', name: 'private', member: false },
      { id: 'C0ARCHIVE', name: 'old', archived: true },
    ],
  });
});

afterAll(async () => {
  await slack.close();
});

const apiInputs = (inputs: Record<string, string>): Record<string, string> => ({
  'slack-token': TOKEN,
  channel: '#deploys',
  'slack-api-url': slack.apiUrl,
  ...inputs,
});

/** Everything a person or a later step could see, except the ::add-mask:: registrations themselves. */
function visible(result: ActionRun): string {
  const stdout = result.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [stdout, result.stderr, result.summary, JSON.stringify(result.outputs)].join('\n');
}

/** `secret` was registered with ::add-mask:: and neither it nor any of `parts` shows anywhere. */
function expectSecretHidden(result: ActionRun, secret: string, parts: string[] = []): void {
  expect(result.masks).toContain(secret);
  for (const value of [secret, ...parts]) expect(visible(result)).not.toContain(value);
}

const message = (ts: string | undefined): StoredMessage => {
  const found = slack.messages.find((m) => m.ts === ts);
  if (!found) throw new Error(`no message ${ts} in the fake; have ${slack.messages.map((m) => m.ts).join(', ')}`);
  return found;
};

type Text = { type: string; text: string };
type Block = { type: string; text?: Text; fields?: Text[]; elements?: Text[] };
const blocksOf = (m: StoredMessage): Block[] => m.blocks as Block[];

describe('posting and updating through the Web API', () => {
  it('posts "started", then updates the same message to "success" (same ts)', async () => {
    const before = slack.requests.length;
    const started = await runAction(ACTION, {
      inputs: apiInputs({ status: 'started', title: 'Deploy example-service', environment: 'staging' }),
    });
    expect(started.exitCode).toBe(0);
    const { ts, 'thread-ts': threadTs, 'channel-id': channelId } = started.outputs;
    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(threadTs).toBe(ts);
    expect(channelId).toBe('C0DEPLOYS');

    // What the real client sent, as the fake saw it.
    const request = slack.requests[before];
    expect(request?.path).toBe('/api/chat.postMessage');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.contentType).toBe('application/x-www-form-urlencoded');
    expect(request?.params['channel']).toBe('#deploys');
    expect(request?.params['unfurl_links']).toBe('false');
    expect(typeof request?.params['blocks']).toBe('string');

    const posted = message(ts);
    expect(posted.text).toBe(
      ':hourglass_flowing_sand: Deploy example-service started (example-org/example-repo@main 0123456)',
    );
    expect(blocksOf(posted)[0]?.text?.text).toBe(':hourglass_flowing_sand: Deploy example-service started');
    expect(started.summary).toContain('### Slack notification posted');
    expect(started.summary).toContain(`| started | Deploy example-service | C0DEPLOYS | ${ts} |`);

    const success = await runAction(ACTION, {
      inputs: apiInputs({
        status: 'success',
        title: 'Deploy example-service',
        environment: 'staging',
        channel: channelId as string,
        'message-ts': ts as string,
        fields: 'version=1.4.2\nsmoke=12/12 passed',
      }),
    });
    expect(success.exitCode).toBe(0);
    expect(success.outputs).toEqual({ ts, 'thread-ts': ts, 'channel-id': 'C0DEPLOYS' });
    expect(slack.requests.at(-1)?.path).toBe('/api/chat.update');
    const updated = message(ts);
    expect(updated.updates).toBe(1);
    expect(slack.messages.filter((m) => m.ts === ts)).toHaveLength(1);
    expect(updated.text).toContain(':white_check_mark: Deploy example-service succeeded');
    const blocks = blocksOf(updated);
    expect(blocks.flatMap((b) => b.fields ?? []).map((f) => f.text)).toEqual([
      '*version*\n1.4.2',
      '*smoke*\n12/12 passed',
    ]);
    const context = blocks.find((b) => b.type === 'context')?.elements?.map((e) => e.text) ?? [];
    expect(context).toContain('*Environment:* staging');
    expect(context.some((text) => /^\*Duration:\* \d+(ms|s)$/.test(text))).toBe(true);
    expect(success.summary).toContain('### Slack notification updated');
    expectSecretHidden(success, TOKEN);
  });

  it('replies in a thread and reports the thread', async () => {
    const root = await runAction(ACTION, { inputs: apiInputs({ status: 'started' }) });
    const rootTs = root.outputs['ts'] as string;
    const reply = await runAction(ACTION, {
      inputs: apiInputs({ status: 'failure', 'thread-ts': rootTs, 'mention-on-failure': 'U0ONCALL1, S0SRETEAM, here' }),
    });
    expect(reply.exitCode).toBe(0);
    expect(reply.outputs['thread-ts']).toBe(rootTs);
    expect(reply.outputs['ts']).not.toBe(rootTs);
    const stored = message(reply.outputs['ts']);
    expect(stored.threadTs).toBe(rootTs);
    expect(stored.text.startsWith('<@U0ONCALL1> <!subteam^S0SRETEAM> <!here> :x: test failed')).toBe(true);
    expect(blocksOf(stored)[1]?.text?.text).toBe(
      '*Status:* Failed\n*Attention:* <@U0ONCALL1> <!subteam^S0SRETEAM> <!here>',
    );
    expect(reply.summary).toContain('### Slack notification replied in thread');
  });

  it('delivers hostile, multi-line and emoji values escaped and intact', async () => {
    const fields = [
      'inject=<!channel> <@U999> <https://evil.example|click>',
      'amp=Q&A > 3 < 4',
      `quotes=He said "ship it" and 'done'`,
      'path=C:\\deploy\\new \\n literal',
      'log<<EOF',
      '  first line',
      '🚀 second line :tada:',
      'EOF',
    ].join('\n');
    const result = await runAction(ACTION, {
      inputs: apiInputs({
        status: 'success',
        fields,
        title: 'Release <v2> & "friends" 🚀',
        environment: 'prod & <eu>',
      }),
    });
    expect(result.exitCode).toBe(0);
    const blocks = blocksOf(message(result.outputs['ts']));
    expect(blocks[0]?.text?.text).toBe(':white_check_mark: Release <v2> & "friends" 🚀 succeeded');
    expect(blocks.flatMap((b) => b.fields ?? []).map((f) => f.text)).toEqual([
      '*inject*\n&lt;!channel&gt; &lt;@U999&gt; &lt;https://evil.example|click&gt;',
      '*amp*\nQ&amp;A &gt; 3 &lt; 4',
      `*quotes*\nHe said "ship it" and 'done'`,
      '*path*\nC:\\deploy\\new \\n literal',
      '*log*\n  first line\n🚀 second line :tada:',
    ]);
    expect(blocks.find((b) => b.type === 'context')?.elements?.map((e) => e.text)).toContain(
      '*Environment:* prod &amp; &lt;eu&gt;',
    );
  });

  it('keeps an oversized message within Block Kit limits, so Slack accepts it', async () => {
    // One environment variable holds at most 128 KiB on Linux: 600 short fields plus one 45,000-character value.
    const fields = [
      `huge=${'<&>'.repeat(15_000)}`,
      ...Array.from({ length: 600 }, (_, i) => `key${i}=<v${i}> & more`),
    ].join('\n');
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'success', fields, title: 'T'.repeat(400) }),
    });
    expect(result.exitCode).toBe(0);
    const blocks = blocksOf(message(result.outputs['ts']));
    expect(blocks).toHaveLength(50);
    expect((blocks[0]?.text?.text ?? '').length).toBeLessThanOrEqual(150);
    const texts = blocks.flatMap((b) => b.fields ?? []).map((f) => f.text);
    expect(texts[0]?.length).toBeLessThanOrEqual(2000);
    expect(texts[0]?.endsWith('…')).toBe(true);
    expect(texts[1]).toBe('*key0*\n&lt;v0&gt; &amp; more');
    expect(texts.at(-1)).toBe('*…*\n_132 more fields not shown_');
  });
});

describe('job summary', () => {
  it('a summary that cannot be written is a warning, never a failure', async () => {
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'success' }),
      env: { GITHUB_STEP_SUMMARY: '/proc/no-such-dir/summary.md' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['ts']).toMatch(/^\d+\.\d{6}$/);
    expect(result.annotations.find((a) => a.level === 'warning')?.message).toMatch(/^Could not write the job summary/);
  });
});

describe('Slack errors become explained failures', () => {
  it('invalid_auth: fails with the fix and never shows the token', async () => {
    const wrong = 'xoxb-9999999999-WRONGTOKENVALUE-zzzz';
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'success', 'slack-token': wrong }),
      env: { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /^Slack chat.postMessage: Slack rejected slack-token \(invalid_auth\)\. Fix: use the Bot User OAuth Token/,
    );
    expect(slack.requests.at(-1)?.headers.authorization).toBe(`Bearer ${wrong}`);
    expect(result.outputs).toEqual({});
    expectSecretHidden(result, wrong);
  });

  it.each([
    ['#nowhere', 'chat.postMessage', /cannot find channel '#nowhere' \(channel_not_found\)\. Fix: use the channel ID/],
    ['#private', 'chat.postMessage', /not a member of channel '#private' \(not_in_channel\)\. Fix: invite it/],
    ['C0ARCHIVE', 'chat.postMessage', /Channel 'C0ARCHIVE' is archived \(is_archived\)/],
  ])('channel %s', async (channel, method, expected) => {
    const result = await runAction(ACTION, { inputs: apiInputs({ status: 'success', channel }) });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(new RegExp(`^Slack ${method.replace('.', '\\.')}: `));
    expect(result.failure).toMatch(expected);
  });

  it('an update addressed by channel name explains that chat.update needs the ID', async () => {
    const posted = await runAction(ACTION, { inputs: apiInputs({ status: 'started' }) });
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'success', channel: '#deploys', 'message-ts': posted.outputs['ts'] as string }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /^Slack chat\.update: .*\(channel_not_found\)\. Fix: chat\.update needs the channel ID .*channel-id output/,
    );
  });

  it('an update of an unknown ts says message_not_found with the fix', async () => {
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'success', channel: 'C0DEPLOYS', 'message-ts': '1000000000.000001' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /No message with ts 1000000000\.000001 in channel 'C0DEPLOYS' \(message_not_found\)/,
    );
  });

  it('fail-on-error: false turns a Slack error into a warning and a summary, and the step succeeds', async () => {
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'failure', channel: '#nowhere', 'fail-on-error': 'false' }),
    });
    expect(result.exitCode).toBe(0);
    expect(result.failure).toBeUndefined();
    const warning = result.annotations.find((a) => a.level === 'warning');
    expect(warning?.message).toMatch(/channel_not_found.*fail-on-error is false/);
    expect(result.summary).toContain('### Slack notification not sent');
    expect(result.summary).toContain('channel_not_found');
    expect(result.outputs).toEqual({});
    expectSecretHidden(result, TOKEN);
  });
});

describe("retries and rate limits are the SDK's", () => {
  it('waits out one HTTP 429 with Retry-After: 1 and succeeds', async () => {
    const before = slack.requests.length;
    slack.rateLimit = { count: 1, retryAfterSeconds: 1 };
    const started = performance.now();
    const result = await runAction(ACTION, { inputs: apiInputs({ status: 'success' }) });
    const elapsed = performance.now() - started;
    expect(result.exitCode).toBe(0);
    const attempts = slack.requests.slice(before);
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(result.stdout).toContain(
      'Slack rate-limited chat.postMessage (HTTP 429); waiting 1s as Retry-After asks, then retrying.',
    );
    expect(message(result.outputs['ts']).channel).toBe('C0DEPLOYS');
  });

  it('gives up with an explanation when Slack keeps rate-limiting', async () => {
    slack.rateLimit = { count: 5, retryAfterSeconds: 1 };
    const result = await runAction(ACTION, { inputs: apiInputs({ status: 'success', retries: '1' }) });
    slack.rateLimit = { count: 0, retryAfterSeconds: 1 };
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /^Slack chat\.postMessage: Slack \(the API at http:\/\/127\.0\.0\.1:\d+\/api\/\) kept rate-limiting the request \(HTTP 429\) after 1 retry \(Retry-After 1s\)\. Fix: send fewer messages/,
    );
  });

  // Issue 13: Retry-After: 3600 held the step for an hour whatever timeout and retries said.
  it('does not wait for a Retry-After longer than timeout × attempts, and says so at once', async () => {
    slack.rateLimit = { count: 5, retryAfterSeconds: 3600 };
    const result = await runAction(ACTION, { inputs: apiInputs({ status: 'success', retries: '2', timeout: '5s' }) });
    slack.rateLimit = { count: 0, retryAfterSeconds: 1 };
    expect(result.exitCode).toBe(1);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(result.failure).toMatch(
      /Slack asked to wait 3600s \(Retry-After\), more than the 1[0-5]s left of this delivery's time limit \(timeout 5s × 3 attempts\), so it was not waited for\.$/,
    );
  });

  it('retries an HTTP 503 and succeeds', async () => {
    const before = slack.requests.length;
    slack.serverError = { count: 1, status: 503 };
    const result = await runAction(ACTION, { inputs: apiInputs({ status: 'success', retries: '1' }) });
    expect(result.exitCode).toBe(0);
    expect(slack.requests.slice(before).map((r) => r.status)).toEqual([503, 200]);
  });

  it('gives up on a request that outlives timeout', async () => {
    slack.stall = { count: 1, ms: 5000 };
    const started = performance.now();
    const result = await runAction(ACTION, { inputs: apiInputs({ status: 'success', timeout: '1s', retries: '0' }) });
    slack.stall = { count: 0, ms: 0 };
    expect(result.exitCode).toBe(1);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(result.failure).toMatch(/could not reach the Slack API at .* \(.*timeout.*\) after 0 retries/i);
  });

  it('explains an unreachable API', async () => {
    const port = await closedPort();
    const result = await runAction(ACTION, {
      inputs: apiInputs({ status: 'success', 'slack-api-url': `http://127.0.0.1:${port}/api/`, retries: '0' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      new RegExp(
        `could not reach the Slack API at http://127\\.0\\.0\\.1:${port}/api/ \\(.*ECONNREFUSED\\) after 0 retries\\. Fix: check slack-api-url`,
      ),
    );
    expectSecretHidden(result, TOKEN);
  });
});

describe('incoming webhook', () => {
  it('posts the same blocks as JSON; no ts comes back', async () => {
    const before = slack.webhookPayloads.length;
    const result = await runAction(ACTION, {
      inputs: {
        status: 'rolled-back',
        'webhook-url': slack.webhookUrl,
        'mention-on-failure': 'channel',
        title: 'Deploy',
      },
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({});
    const request = slack.requests.at(-1);
    expect(request?.contentType).toBe('application/json');
    const payload = slack.webhookPayloads[before] as { text: string; blocks: Block[] };
    expect(payload.text).toBe('<!channel> :rewind: Deploy was rolled back (example-org/example-repo@main 0123456)');
    expect(payload.blocks[0]?.text?.text).toBe(':rewind: Deploy was rolled back');
    expect(result.summary).toContain('### Slack notification posted through the incoming webhook');
    expectSecretHidden(result, slack.webhookUrl, [WEBHOOK_SECRET]);
  });

  it('explains an archived channel and never shows the URL', async () => {
    slack.webhookFailure = { status: 410, body: 'channel_is_archived' };
    const result = await runAction(ACTION, {
      inputs: { status: 'success', 'webhook-url': slack.webhookUrl, retries: '0' },
      env: { ACTIONS_STEP_DEBUG: 'true' },
    });
    slack.webhookFailure = undefined;
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(
      /^Slack incoming webhook: The webhook's channel is archived \(channel_is_archived\)\. Fix: .* \(HTTP 410\)$/,
    );
    expectSecretHidden(result, slack.webhookUrl, [WEBHOOK_SECRET]);
  });

  it('explains a revoked webhook (404 no_service)', async () => {
    const revoked = slack.webhookUrl.replace(WEBHOOK_SECRET, 'RevokedSecretPart9876543210');
    const result = await runAction(ACTION, { inputs: { status: 'success', 'webhook-url': revoked, retries: '0' } });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(/unknown or was revoked \(no_service\)/);
    expectSecretHidden(result, revoked, ['RevokedSecretPart9876543210']);
  });
});

describe('inputs', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'bad status',
      { status: 'done', 'slack-token': TOKEN, channel: 'C0DEPLOYS' },
      /^Input 'status' has an invalid value "done": expected one of started, success, failure, cancelled, rolled-back\.$/,
    ],
    [
      'token without channel',
      { status: 'success', 'slack-token': TOKEN },
      /^Input 'channel' has an invalid value "": expected a channel ID such as C0123ABCD/,
    ],
    [
      'token and webhook',
      { status: 'success', 'slack-token': TOKEN, channel: 'C0DEPLOYS', 'webhook-url': 'https://hooks.example/T/B/x' },
      /^Input 'webhook-url' has an invalid value "\*\*\*": expected empty when slack-token is set/,
    ],
    [
      'update through a webhook',
      { status: 'success', 'webhook-url': 'https://hooks.example/T/B/x', 'message-ts': '1712345678.000100' },
      /^Input 'message-ts' .* incoming webhooks cannot update messages/,
    ],
    [
      'bad mention',
      { status: 'failure', 'slack-token': TOKEN, channel: 'C0DEPLOYS', 'mention-on-failure': '@octocat' },
      /^Input 'mention-on-failure' has an invalid value "@octocat"/,
    ],
    [
      'bad fields',
      { status: 'success', 'slack-token': TOKEN, channel: 'C0DEPLOYS', fields: 'just text' },
      /^Input 'fields' has an invalid value "just text"/,
    ],
    ['nowhere to send', { status: 'success' }, /^Neither slack-token nor webhook-url is set/],
  ])('%s fails before anything is sent', async (_name, inputs, expected) => {
    const before = slack.requests.length;
    const result = await runAction(ACTION, { inputs });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toMatch(expected);
    expect(slack.requests.length).toBe(before);
    expect(visible(result)).not.toContain(TOKEN);
  });

  it('nowhere to send with fail-on-error: false is a warning (e.g. fork pull requests without secrets)', async () => {
    const result = await runAction(ACTION, { inputs: { status: 'success', 'fail-on-error': 'false' } });
    expect(result.exitCode).toBe(0);
    expect(result.annotations.find((a) => a.level === 'warning')?.message).toMatch(
      /^Neither slack-token nor webhook-url is set/,
    );
  });
});

describe('the fake checks what Slack checks', () => {
  it('answers not_authed without a token and accepts JSON bodies', async () => {
    const anonymous = new WebClient(undefined, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: quiet,
    });
    await expect(anonymous.chat.postMessage({ channel: 'C0DEPLOYS', text: 'hi' })).rejects.toMatchObject({
      data: { ok: false, error: 'not_authed' },
    });

    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        channel: 'C0DEPLOYS',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
    });
  });

  it('rejects a message without text or blocks, and more than 50 blocks', async () => {
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    await expect(client.chat.postMessage({ channel: 'C0DEPLOYS', text: '' })).rejects.toMatchObject({
      data: { error: 'no_text' },
    });
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' as const }));
    await expect(client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'x', blocks })).rejects.toMatchObject({
      data: { error: 'invalid_blocks', errors: ['no more than 50 items allowed [json-pointer:/blocks]'] },
    });
    const long = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'y'.repeat(3001) } }];
    await expect(client.chat.postMessage({ channel: 'C0DEPLOYS', text: 'x', blocks: long })).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
      },
    });
  });
});

/** The SDK logs platform errors to the console itself; these tests expect them. */
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => 'error' as LogLevel,
  setName: () => undefined,
};

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
