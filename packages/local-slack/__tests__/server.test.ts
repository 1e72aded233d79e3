/**
 * The stand-in's answers to raw HTTP (what any client sends), and its event
 * log: posts, updates and replies in the order Slack accepted them, with the
 * message as it looked after each. notify's e2e tests drive it with the real
 * @slack/web-api client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalSlack, validateBlocks } from '../src/index.js';

const TOKEN = 'xoxb-local-test';
let slack: LocalSlack;

beforeAll(async () => {
  slack = await LocalSlack.start({ token: TOKEN, channels: [{ id: 'C0DEPLOYS', name: 'deploys' }] });
});
afterAll(async () => slack.close());

async function call(method: string, params: Record<string, unknown>, token: string | undefined = TOKEN) {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(params),
  });
  return (await response.json()) as Record<string, unknown>;
}

const header = (text: string) => [{ type: 'header', text: { type: 'plain_text', text } }];

describe('the Web API stand-in', () => {
  it.each<[string, string, Record<string, unknown>, string | undefined, string]>([
    ['no token', 'chat.postMessage', { channel: '#deploys', text: 'x' }, '', 'not_authed'],
    ['a wrong token', 'chat.postMessage', { channel: '#deploys', text: 'x' }, 'xoxb-other', 'invalid_auth'],
    ['an unknown channel', 'chat.postMessage', { channel: '#nope', text: 'x' }, TOKEN, 'channel_not_found'],
    ['no text and no blocks', 'chat.postMessage', { channel: '#deploys' }, TOKEN, 'no_text'],
    [
      'a header over 150',
      'chat.postMessage',
      { channel: '#deploys', blocks: header('h'.repeat(151)) },
      TOKEN,
      'invalid_blocks',
    ],
    [
      'update by channel name',
      'chat.update',
      { channel: '#deploys', ts: '1.000001', text: 'x' },
      TOKEN,
      'channel_not_found',
    ],
    [
      'update of an unknown ts',
      'chat.update',
      { channel: 'C0DEPLOYS', ts: '9.999999', text: 'x' },
      TOKEN,
      'message_not_found',
    ],
  ])('refuses %s as Slack does', async (_name, method, params, token, error) => {
    expect(await call(method, params, token)).toMatchObject({ ok: false, error });
  });

  it('logs the post, its update and a thread reply in order, each with the message as it then was', async () => {
    const before = slack.events.length;
    const posted = await call('chat.postMessage', { channel: '#deploys', text: 'started', blocks: header('Started') });
    expect(posted).toMatchObject({ ok: true, channel: 'C0DEPLOYS' });
    const ts = posted['ts'] as string;
    expect(
      await call('chat.update', { channel: 'C0DEPLOYS', ts, text: 'failed', blocks: header('Failed') }),
    ).toMatchObject({
      ok: true,
      ts,
    });
    const reply = await call('chat.postMessage', { channel: 'C0DEPLOYS', thread_ts: ts, text: 'alert' });
    expect(reply).toMatchObject({ ok: true });
    expect(slack.events.slice(before).map((e) => [e.kind, e.ts === ts, e.threadTs, e.text])).toEqual([
      ['post', true, undefined, 'started'],
      ['update', true, undefined, 'failed'],
      ['reply', false, ts, 'alert'],
    ]);
    expect(slack.events[before]?.blocks).toEqual(header('Started'));
  });
});

describe('Block Kit rules', () => {
  const button = (extra: Record<string, unknown>) => ({
    type: 'button',
    text: { type: 'plain_text', text: 'Open' },
    ...extra,
  });
  it.each<[string, unknown[], string[]]>([
    [
      'a valid actions block',
      [{ type: 'actions', elements: [button({ url: 'https://x.test', style: 'primary' })] }],
      [],
    ],
    [
      'a button label over 75',
      [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) } }] }],
      ['must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]'],
    ],
    [
      'a button style Slack does not have',
      [{ type: 'actions', elements: [button({ style: 'green' })] }],
      ['must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]'],
    ],
    [
      'more than 25 actions',
      [{ type: 'actions', elements: Array.from({ length: 26 }, () => button({})) }],
      ['no more than 25 items allowed [json-pointer:/blocks/0/elements]'],
    ],
    [
      'a mrkdwn button label',
      [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'x' },
          accessory: { type: 'button', text: { type: 'mrkdwn', text: 'y' } },
        },
      ],
      ['must be one of plain_text [json-pointer:/blocks/0/accessory/text/type]'],
    ],
    [
      '51 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      ['no more than 50 items allowed [json-pointer:/blocks]'],
    ],
  ])('%s', (_name, blocks, errors) => expect(validateBlocks(blocks)).toEqual(errors));
});
