/**
 * A local stand-in for Slack's Web API (chat.postMessage, chat.update) and
 * an incoming webhook, on 127.0.0.1, that checks what Slack checks and
 * answers the way Slack answers, and keeps every message in the order Slack
 * would show it (posts, updates, thread replies). Slack itself cannot be
 * reached from here; the real @slack/web-api and @slack/webhook clients
 * talk to this server.
 *
 * What was checked against Slack's documentation (API reference pages for
 * chat.postMessage and chat.update, the rate-limits guide, the Block Kit
 * reference, the "Escaping text" section of the formatting guide, and the
 * incoming-webhook errors changelog of 2016-05-17), and is enforced here:
 * - Both methods are POSTs accepting application/x-www-form-urlencoded or
 *   application/json; the token goes in the `Authorization: Bearer` header
 *   (or, for form posts, a `token` parameter). No token: `not_authed`; a
 *   wrong one: `invalid_auth`. Errors are HTTP 200 with `{ok:false, error}`.
 * - @slack/web-api 8.2 sends form-encoded bodies, with `blocks` as a JSON
 *   string (read from its serializeBody); blocks that are not a JSON array
 *   are `invalid_blocks_format`.
 * - chat.postMessage: `channel` (an ID or a name) and one of `text` or
 *   `blocks` are required (`channel_not_found`, `no_text`); answers
 *   `{ok:true, channel: <ID>, ts, message:{...}}`; optional `thread_ts`.
 * - chat.update: `channel` must be an ID (names are not resolved, answered
 *   `channel_not_found`), `ts` is required and must name an existing
 *   message (`message_not_found`); answers `{ok:true, channel, ts, text, message}`.
 * - `not_in_channel` when the app is not a member, `is_archived` for an
 *   archived channel, `msg_too_long` past 40,000 characters of text.
 * - Block Kit limits (./blocks.ts): `invalid_blocks` with `errors` and
 *   `response_metadata.messages`, the shape Slack returns.
 * - Incoming webhooks take a JSON body and answer 200 "ok"; errors are plain
 *   strings with HTTP 400 (invalid_payload, no_text, invalid_blocks),
 *   404 (no_service).
 * Not modelled: per-method rate tiers, message edit windows, Enterprise Grid.
 * Subclasses (tests of clients) can inject Slack's failure answers through
 * `fault`, `delayMs` and `webhookFault`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BLOCK_LIMITS, validateBlocks } from './blocks.js';

export interface SlackChannel {
  id: string;
  name: string;
  member?: boolean;
  archived?: boolean;
}

export interface LocalSlackOptions {
  token: string;
  channels: SlackChannel[];
  /** The secret path part of the webhook URL. */
  webhookSecret?: string;
}

export interface RecordedRequest {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  contentType: string;
  body: string;
  params: Record<string, unknown>;
  status: number;
  response: unknown;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  updates: number;
}

/** One accepted change to the channel, in order: what a reader of the channel saw happen. */
export interface SlackEvent {
  kind: 'post' | 'update' | 'reply' | 'webhook';
  /** Channel ID (empty for a webhook, whose channel is fixed by the webhook). */
  channel: string;
  /** The message's ts (empty for a webhook, which returns none). */
  ts: string;
  /** For a reply: the ts of the message it replies to. */
  threadTs?: string;
  text: string;
  blocks: unknown[];
  /** When Slack accepted it (ISO 8601). */
  at: string;
}

export type Params = Record<string, unknown>;
export type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({
  status: 200,
  body: { ok: false, error, ...extra },
});

function parseParams(record: RecordedRequest): { params: Params } | { error: Answer } {
  if (record.contentType === 'application/x-www-form-urlencoded')
    return { params: Object.fromEntries(new URLSearchParams(record.body)) };
  if (record.contentType !== 'application/json') return { error: fail('invalid_form_data') };
  try {
    const parsed: unknown = JSON.parse(record.body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: fail('invalid_json') };
    return { params: parsed as Params };
  } catch {
    return { error: fail('invalid_json') };
  }
}

function tokenOf(record: RecordedRequest, params: Params): string | undefined {
  const authorization = record.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer '))
    return authorization.slice('Bearer '.length);
  if (record.contentType === 'application/x-www-form-urlencoded' && typeof params['token'] === 'string')
    return params['token'];
  return undefined;
}

function content(params: Params): { text: string; blocks: unknown[] } | Answer {
  const text = typeof params['text'] === 'string' ? params['text'] : '';
  let blocks: unknown = params['blocks'];
  if (typeof blocks === 'string') {
    try {
      blocks = JSON.parse(blocks);
    } catch {
      return fail('invalid_blocks_format');
    }
  }
  if (blocks !== undefined && !Array.isArray(blocks)) return fail('invalid_blocks_format');
  const list = (blocks ?? []) as unknown[];
  if (text === '' && list.length === 0) return fail('no_text');
  if (text.length > BLOCK_LIMITS.messageText) return fail('msg_too_long');
  const errors = validateBlocks(list);
  if (errors.length > 0)
    return fail('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
  return { text, blocks: list };
}

export class LocalSlack {
  readonly requests: RecordedRequest[] = [];
  readonly messages: StoredMessage[] = [];
  readonly events: SlackEvent[] = [];
  readonly webhookPayloads: unknown[] = [];
  private counter = 0;
  private server: http.Server | undefined;
  private port = 0;
  private readonly options: LocalSlackOptions;

  // No parameter properties: the runner loads this source with Node's type stripping.
  constructor(options: LocalSlackOptions) {
    this.options = options;
  }

  /** Starts an instance on a free loopback port. */
  static async start<T extends LocalSlack>(this: new (options: LocalSlackOptions) => T, options: LocalSlackOptions) {
    const slack = new this(options);
    await slack.listen();
    return slack;
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** The base URL to give as slack-api-url. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}/services/T0LOCAL/B0LOCAL/${this.options.webhookSecret ?? 'webhook-secret-0123456789'}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** An answer forced before the method runs (after authentication), e.g. HTTP 429. */
  protected fault(_record: RecordedRequest): Answer | undefined {
    return undefined;
  }

  /** How long to hold the answer to this request. */
  protected delayMs(_record: RecordedRequest): number {
    return 0;
  }

  /** A forced webhook answer (e.g. 410 channel_is_archived). */
  protected webhookFault(_record: RecordedRequest): { status: number; body: string } | undefined {
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record: RecordedRequest = {
        path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
        method: req.method ?? '',
        headers: req.headers,
        contentType: (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        params: {},
        status: 0,
        response: undefined,
      };
      this.requests.push(record);
      if (record.path.startsWith('/services/')) return this.answerWebhook(record, res);
      const answer = this.webApi(record);
      record.status = answer.status;
      record.response = answer.body;
      const respond = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
        res.end(JSON.stringify(answer.body));
      };
      const delay = this.delayMs(record);
      if (delay > 0) setTimeout(respond, delay).unref();
      else respond();
    });
  }

  private webApi(record: RecordedRequest): Answer {
    const match = /^\/api\/([a-zA-Z.]+)$/.exec(record.path);
    if (!match) return { status: 404, body: { ok: false, error: 'unknown_method' } };
    if (record.method !== 'POST') return fail('invalid_request');
    const parsed = parseParams(record);
    if ('error' in parsed) return parsed.error;
    const params = parsed.params;
    record.params = params;
    const token = tokenOf(record, params);
    if (!token) return fail('not_authed');
    if (token !== this.options.token) return fail('invalid_auth');
    const forced = this.fault(record);
    if (forced) return forced;
    switch (match[1]) {
      case 'chat.postMessage':
        return this.postMessage(params);
      case 'chat.update':
        return this.update(params);
      default:
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
    }
  }

  private channelFor(value: unknown, allowName: boolean): SlackChannel | Answer {
    if (typeof value !== 'string' || value === '') return fail('channel_not_found');
    const name = value.replace(/^#/, '');
    const channel = this.options.channels.find((c) => c.id === value || (allowName && c.name === name));
    if (!channel) return fail('channel_not_found');
    if (channel.archived) return fail('is_archived');
    if (channel.member === false) return fail('not_in_channel');
    return channel;
  }

  private nextTs(): string {
    this.counter++;
    return `${Math.floor(Date.now() / 1000)}.${String(this.counter).padStart(6, '0')}`;
  }

  private postMessage(params: Params): Answer {
    const channel = this.channelFor(params['channel'], true);
    if ('status' in channel) return channel;
    const body = content(params);
    if ('status' in body) return body;
    const threadTs =
      typeof params['thread_ts'] === 'string' && params['thread_ts'] !== '' ? params['thread_ts'] : undefined;
    const ts = this.nextTs();
    const thread = threadTs ? { threadTs } : {};
    this.messages.push({ channel: channel.id, ts, text: body.text, blocks: body.blocks, updates: 0, ...thread });
    this.record({ kind: threadTs ? 'reply' : 'post', channel: channel.id, ts, ...thread, ...body });
    return ok({
      channel: channel.id,
      ts,
      message: {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'B0LOCAL',
        text: body.text,
        blocks: body.blocks,
        ts,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      },
    });
  }

  private update(params: Params): Answer {
    const channel = this.channelFor(params['channel'], false);
    if ('status' in channel) return channel;
    const ts = params['ts'];
    if (typeof ts !== 'string' || ts === '')
      return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: ts'] } });
    const message = this.messages.find((m) => m.channel === channel.id && m.ts === ts);
    if (!message) return fail('message_not_found');
    const body = content(params);
    if ('status' in body) return body;
    message.text = body.text;
    message.blocks = body.blocks;
    message.updates++;
    this.record({ kind: 'update', channel: channel.id, ts, ...body });
    return ok({
      channel: channel.id,
      ts,
      text: body.text,
      message: { type: 'message', bot_id: 'B0LOCAL', text: body.text, blocks: body.blocks },
    });
  }

  private record(event: Omit<SlackEvent, 'at'>): void {
    this.events.push({ ...event, at: new Date().toISOString() });
  }

  private answerWebhook(record: RecordedRequest, res: http.ServerResponse): void {
    const reply = (status: number, text: string): void => {
      record.status = status;
      record.response = text;
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(text);
    };
    if (record.path !== new URL(this.webhookUrl).pathname) return reply(404, 'no_service');
    if (record.method !== 'POST' || record.contentType !== 'application/json') return reply(400, 'invalid_payload');
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(record.body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return reply(400, 'invalid_payload');
      payload = parsed as Record<string, unknown>;
    } catch {
      return reply(400, 'invalid_payload');
    }
    record.params = payload;
    const forced = this.webhookFault(record);
    if (forced) return reply(forced.status, forced.body);
    const text = typeof payload['text'] === 'string' ? payload['text'] : '';
    const blocks = payload['blocks'];
    if (text === '' && (!Array.isArray(blocks) || blocks.length === 0)) return reply(400, 'no_text');
    if (blocks !== undefined && validateBlocks(blocks).length > 0) return reply(400, 'invalid_blocks');
    this.webhookPayloads.push(payload);
    this.record({ kind: 'webhook', channel: '', ts: '', text, blocks: Array.isArray(blocks) ? blocks : [] });
    reply(200, 'ok');
  }
}
