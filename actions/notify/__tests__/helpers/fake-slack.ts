/**
 * A local stand-in for Slack's Web API (chat.postMessage, chat.update) and
 * an incoming webhook, on 127.0.0.1, that checks what Slack checks and
 * answers the way Slack answers. Slack itself cannot be reached from here;
 * the real @slack/web-api and @slack/webhook clients talk to this server.
 *
 * What was checked against Slack's documentation (API reference pages for
 * chat.postMessage and chat.update, the rate-limits guide, the Block Kit
 * reference for header/section/context blocks, the "Escaping text" section
 * of the formatting guide, and the incoming-webhook errors changelog of
 * 2016-05-17), and is enforced here:
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
 * - Block Kit: at most 50 blocks; header text is plain_text of 1-150
 *   characters; section text 1-3000 characters, or 1-10 fields of at most
 *   2000 characters each; context 1-10 elements of at most 3000 characters;
 *   block_id at most 255. Violations are `invalid_blocks` with `errors` and
 *   `response_metadata.messages` entries "... [json-pointer:/blocks/N/...]",
 *   the shape Slack returns.
 * - Rate limiting is HTTP 429 with a `Retry-After` header in seconds and
 *   body `{ok:false, error:"ratelimited"}`.
 * - Incoming webhooks take a JSON body and answer 200 "ok"; errors are plain
 *   strings with HTTP 400 (invalid_payload, no_text, invalid_blocks),
 *   403 (action_prohibited, invalid_token), 404 (no_service,
 *   channel_not_found), 410 (channel_is_archived).
 * Not modelled: per-method rate tiers, message edit windows, Enterprise Grid.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChannel {
  id: string;
  name: string;
  member?: boolean;
  archived?: boolean;
}

export interface FakeSlackOptions {
  token: string;
  channels: FakeChannel[];
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

type Params = Record<string, unknown>;
type Answer = { status: number; body: unknown; headers?: Record<string, string> };

const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({
  status: 200,
  body: { ok: false, error, ...extra },
});

const LIMIT = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  field: 2000,
  contextElements: 10,
  contextText: 3000,
  blockId: 255,
  messageText: 40_000,
};

/** Returns Slack-style error strings for blocks that break Block Kit rules; empty when valid. */
export function validateBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const errors: string[] = [];
  if (blocks.length > LIMIT.blocks) errors.push(`no more than ${LIMIT.blocks} items allowed [json-pointer:/blocks]`);
  const textObject = (value: unknown, pointer: string, max: number, types: readonly string[]): void => {
    if (typeof value !== 'object' || value === null) {
      errors.push(`must be a text object [json-pointer:${pointer}]`);
      return;
    }
    const object = value as Record<string, unknown>;
    if (!types.includes(String(object['type'])))
      errors.push(`must be one of ${types.join(', ')} [json-pointer:${pointer}/type]`);
    const text = object['text'];
    if (typeof text !== 'string' || text.length === 0)
      errors.push(`must be more than 0 characters [json-pointer:${pointer}/text]`);
    else if (text.length > max) errors.push(`must be less than ${max + 1} characters [json-pointer:${pointer}/text]`);
  };
  blocks.forEach((raw: unknown, i) => {
    const at = `/blocks/${i}`;
    if (typeof raw !== 'object' || raw === null) {
      errors.push(`must be an object [json-pointer:${at}]`);
      return;
    }
    const block = raw as Record<string, unknown>;
    if (
      block['block_id'] !== undefined &&
      (typeof block['block_id'] !== 'string' || block['block_id'].length > LIMIT.blockId)
    ) {
      errors.push(`must be less than ${LIMIT.blockId + 1} characters [json-pointer:${at}/block_id]`);
    }
    switch (block['type']) {
      case 'header':
        textObject(block['text'], `${at}/text`, LIMIT.header, ['plain_text']);
        break;
      case 'section': {
        const fields = block['fields'];
        if (block['text'] === undefined && fields === undefined)
          errors.push(`must provide text or fields [json-pointer:${at}]`);
        if (block['text'] !== undefined)
          textObject(block['text'], `${at}/text`, LIMIT.sectionText, ['plain_text', 'mrkdwn']);
        if (fields !== undefined) {
          if (!Array.isArray(fields) || fields.length === 0)
            errors.push(`must be a non-empty array [json-pointer:${at}/fields]`);
          else {
            if (fields.length > LIMIT.fields)
              errors.push(`no more than ${LIMIT.fields} items allowed [json-pointer:${at}/fields]`);
            fields.forEach((field: unknown, j) =>
              textObject(field, `${at}/fields/${j}`, LIMIT.field, ['plain_text', 'mrkdwn']),
            );
          }
        }
        break;
      }
      case 'context': {
        const elements = block['elements'];
        if (!Array.isArray(elements) || elements.length === 0)
          errors.push(`must be a non-empty array [json-pointer:${at}/elements]`);
        else {
          if (elements.length > LIMIT.contextElements)
            errors.push(`no more than ${LIMIT.contextElements} items allowed [json-pointer:${at}/elements]`);
          elements.forEach((element: unknown, j) =>
            textObject(element, `${at}/elements/${j}`, LIMIT.contextText, ['plain_text', 'mrkdwn']),
          );
        }
        break;
      }
      case 'divider':
        break;
      default:
        errors.push(`unsupported block type ${JSON.stringify(block['type'])} [json-pointer:${at}/type]`);
    }
  });
  return errors;
}

export class FakeSlack {
  readonly requests: RecordedRequest[] = [];
  readonly messages: StoredMessage[] = [];
  readonly webhookPayloads: unknown[] = [];
  /** The next `count` Web API requests get HTTP 429 with this Retry-After. */
  rateLimit = { count: 0, retryAfterSeconds: 1 };
  /** The next `count` Web API requests get this HTTP status (e.g. 503). */
  serverError = { count: 0, status: 503 };
  /** The next `count` Web API requests are answered only after `ms` milliseconds. */
  stall = { count: 0, ms: 0 };
  /** Forces the webhook's answer (e.g. 410 channel_is_archived). */
  webhookFailure: { status: number; body: string } | undefined;
  private counter = 0;
  private server!: http.Server;
  private port = 0;

  private readonly options: FakeSlackOptions;

  private constructor(options: FakeSlackOptions) {
    this.options = options;
  }

  static async start(options: FakeSlackOptions): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.server = http.createServer((req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** The base URL to give as slack-api-url. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}/services/T0FAKE/B0FAKE/${this.options.webhookSecret ?? 'webhook-secret-0123456789'}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const record: RecordedRequest = {
        path,
        method: req.method ?? '',
        headers: req.headers,
        contentType,
        body,
        params: {},
        status: 0,
        response: undefined,
      };
      this.requests.push(record);
      if (path.startsWith('/services/')) {
        this.answerWebhook(record, res);
        return;
      }
      const answer = this.webApi(record);
      record.status = answer.status;
      record.response = answer.body;
      const respond = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
        res.end(JSON.stringify(answer.body));
      };
      if (this.stall.count > 0) {
        this.stall.count--;
        setTimeout(respond, this.stall.ms).unref();
      } else {
        respond();
      }
    });
  }

  private webApi(record: RecordedRequest): Answer {
    const match = /^\/api\/([a-zA-Z.]+)$/.exec(record.path);
    if (!match) return { status: 404, body: { ok: false, error: 'unknown_method' } };
    if (record.method !== 'POST') return fail('invalid_request');

    let params: Params;
    if (record.contentType === 'application/x-www-form-urlencoded') {
      params = Object.fromEntries(new URLSearchParams(record.body));
    } else if (record.contentType === 'application/json') {
      try {
        const parsed: unknown = JSON.parse(record.body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('invalid_json');
        params = parsed as Params;
      } catch {
        return fail('invalid_json');
      }
    } else {
      return fail('invalid_form_data');
    }
    record.params = params;

    const authorization = record.headers.authorization;
    const bearer =
      typeof authorization === 'string' && authorization.startsWith('Bearer ')
        ? authorization.slice('Bearer '.length)
        : undefined;
    const token =
      bearer ??
      (record.contentType === 'application/x-www-form-urlencoded' && typeof params['token'] === 'string'
        ? params['token']
        : undefined);
    if (!token) return fail('not_authed');
    if (token !== this.options.token) return fail('invalid_auth');

    if (this.rateLimit.count > 0) {
      this.rateLimit.count--;
      return {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': String(this.rateLimit.retryAfterSeconds) },
      };
    }
    if (this.serverError.count > 0) {
      this.serverError.count--;
      return { status: this.serverError.status, body: { ok: false, error: 'fatal_error' } };
    }

    switch (match[1]) {
      case 'chat.postMessage':
        return this.postMessage(params);
      case 'chat.update':
        return this.update(params);
      default:
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
    }
  }

  private content(params: Params): { text: string; blocks: unknown[] } | Answer {
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
    if (text.length > LIMIT.messageText) return fail('msg_too_long');
    const errors = validateBlocks(list);
    if (errors.length > 0)
      return fail('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    return { text, blocks: list };
  }

  private channelFor(value: unknown, allowName: boolean): FakeChannel | Answer {
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
    const content = this.content(params);
    if ('status' in content) return content;
    const threadTs =
      typeof params['thread_ts'] === 'string' && params['thread_ts'] !== '' ? params['thread_ts'] : undefined;
    const ts = this.nextTs();
    const stored: StoredMessage = {
      channel: channel.id,
      ts,
      text: content.text,
      blocks: content.blocks,
      updates: 0,
      ...(threadTs ? { threadTs } : {}),
    };
    this.messages.push(stored);
    return ok({
      channel: channel.id,
      ts,
      message: {
        type: 'message',
        subtype: 'bot_message',
        bot_id: 'B0FAKE',
        text: content.text,
        blocks: content.blocks,
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
    const content = this.content(params);
    if ('status' in content) return content;
    message.text = content.text;
    message.blocks = content.blocks;
    message.updates++;
    return ok({
      channel: channel.id,
      ts,
      text: content.text,
      message: { type: 'message', bot_id: 'B0FAKE', text: content.text, blocks: content.blocks },
    });
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
    if (this.webhookFailure) return reply(this.webhookFailure.status, this.webhookFailure.body);
    const text = typeof payload['text'] === 'string' ? payload['text'] : '';
    const blocks = payload['blocks'];
    if (text === '' && (!Array.isArray(blocks) || blocks.length === 0)) return reply(400, 'no_text');
    if (blocks !== undefined && validateBlocks(blocks).length > 0) return reply(400, 'invalid_blocks');
    this.webhookPayloads.push(payload);
    reply(200, 'ok');
  }
}
