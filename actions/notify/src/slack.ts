/**
 * Sending: which call to make (post, update, thread reply, webhook), what its
 * answer means, and failures turned into explained errors. The calls go
 * through the small SlackClients interface: `slackClients` is the official
 * @slack/web-api and @slack/webhook, loaded with import() only when a message
 * is really sent (the action's startup stays small); unit tests pass a fake.
 * Retries on network errors and HTTP 5xx, and waiting out HTTP 429 for as
 * long as Slack's Retry-After says, are the Slack SDK's own; we only choose a
 * retry budget that fits a CI step.
 */
import type {
  ChatPostMessageArguments,
  ChatPostMessageResponse,
  ChatUpdateArguments,
  ChatUpdateResponse,
  Logger,
  LogLevel,
} from '@slack/web-api';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import { ActionError, displayUrl } from '@pipeline/action-kit';
import { classifyFailure, explainFailure } from './errors.js';
import type { Failure, FailureContext } from './errors.js';
import type { SlackMessage } from './message.js';

export type Method = 'chat.postMessage' | 'chat.update' | 'webhook';

export interface Delivery {
  method: Method;
  /** Empty for webhooks: they do not return the message's ts. */
  ts?: string;
  threadTs?: string;
  channelId?: string;
}

export interface Log {
  debug(message: string): void;
  info(message: string): void;
}

export class SlackSendError extends ActionError {
  override readonly name = 'SlackSendError';
  constructor(
    message: string,
    readonly failure: Failure,
  ) {
    super(message);
  }
}

/** p-retry options shared by both clients: exponential backoff from 1 s, capped at 30 s. */
export function retryPolicy(retries: number): {
  retries: number;
  factor: number;
  minTimeout: number;
  maxTimeout: number;
  randomize: boolean;
} {
  return { retries, factor: 2, minTimeout: 1000, maxTimeout: 30_000, randomize: true };
}

/** The two Web API methods notify calls. */
export interface SlackWebApi {
  postMessage(args: ChatPostMessageArguments): Promise<Pick<ChatPostMessageResponse, 'ts' | 'channel' | 'message'>>;
  update(args: ChatUpdateArguments): Promise<Pick<ChatUpdateResponse, 'ts' | 'channel'>>;
}

export interface SlackWebhook {
  send(payload: IncomingWebhookSendArguments): Promise<void>;
}

export interface WebApiOptions {
  token: string;
  apiUrl: string;
  retries: number;
  timeoutMs: number;
  log: Log;
  /** Called when Slack answers HTTP 429 and the client is about to wait and retry. */
  onRateLimited: (retryAfterSeconds: number) => void;
}

export interface WebhookOptions {
  url: string;
  retries: number;
  timeoutMs: number;
}

/** How notify reaches Slack. */
export interface SlackClients {
  webApi(options: WebApiOptions): Promise<SlackWebApi>;
  webhook(options: WebhookOptions): Promise<SlackWebhook>;
}

/** The real clients: @slack/web-api's WebClient and @slack/webhook's IncomingWebhook. */
export const slackClients: SlackClients = {
  async webApi(options) {
    const { WebClient, WebClientEvent } = await import('@slack/web-api');
    const client = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      logger: sdkLogger(options.log),
      retryConfig: retryPolicy(options.retries),
      // false: the client pauses for Retry-After seconds and retries (within `retries`), as Slack asks.
      rejectRateLimitedCalls: false,
      timeout: options.timeoutMs,
      // Method names only: nothing may send the token to another host.
      allowAbsoluteUrls: false,
    });
    client.on(WebClientEvent.RATE_LIMITED, options.onRateLimited);
    return { postMessage: (args) => client.chat.postMessage(args), update: (args) => client.chat.update(args) };
  },
  async webhook(options) {
    const { IncomingWebhook } = await import('@slack/webhook');
    const webhook = new IncomingWebhook(options.url, {
      timeout: options.timeoutMs,
      retryConfig: retryPolicy(options.retries),
    });
    return {
      send: async (payload) => {
        await webhook.send(payload);
      },
    };
  },
};

export interface WebApiTarget {
  token: string;
  apiUrl: string;
  channel: string;
  messageTs?: string | undefined;
  threadTs?: string | undefined;
  retries: number;
  timeoutMs: number;
}

/** The SDK's logger interface, routed to the step log (debug lines only visible with step debugging). */
function sdkLogger(log: Log): Logger {
  const join = (parts: unknown[]): string =>
    parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...parts: unknown[]) => log.debug(`[slack] ${join(parts)}`),
    info: (...parts: unknown[]) => log.info(`[slack] ${join(parts)}`),
    // The SDK warns on every failed attempt, retried or not; the final outcome is reported by us.
    warn: (...parts: unknown[]) => log.info(`[slack] ${join(parts)}`),
    error: (...parts: unknown[]) => log.info(`[slack] ${join(parts)}`),
    setLevel: () => undefined,
    getLevel: () => 'debug' as LogLevel,
    setName: () => undefined,
  };
}

/** Posts `message`, or updates `messageTs` when given; a thread reply when `threadTs` is given. */
export async function sendWithWebApi(
  message: SlackMessage,
  target: WebApiTarget,
  log: Log,
  clients: SlackClients = slackClients,
): Promise<Delivery> {
  const method: Method = target.messageTs ? 'chat.update' : 'chat.postMessage';
  const apiUrl = displayUrl(target.apiUrl);
  let sawRateLimit = false;
  const client = await clients.webApi({
    token: target.token,
    apiUrl: target.apiUrl,
    retries: target.retries,
    timeoutMs: target.timeoutMs,
    log,
    onRateLimited: (retryAfterSeconds) => {
      sawRateLimit = true;
      log.info(
        `Slack rate-limited ${method} (HTTP 429); the client waits ${retryAfterSeconds}s as Retry-After asks, then retries.`,
      );
    },
  });
  const context: FailureContext = {
    method,
    channel: target.channel,
    apiUrl,
    retries: target.retries,
    ...(target.messageTs ? { messageTs: target.messageTs } : {}),
    ...(target.threadTs ? { threadTs: target.threadTs } : {}),
  };
  try {
    if (target.messageTs) {
      const result = await client.update({
        channel: target.channel,
        ts: target.messageTs,
        text: message.text,
        blocks: message.blocks,
      });
      const ts = result.ts ?? target.messageTs;
      const threadTs = target.threadTs ?? ts;
      return { method, ts, threadTs, channelId: result.channel ?? target.channel };
    }
    const result = await client.postMessage({
      channel: target.channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
    });
    const ts = result.ts;
    if (!ts)
      throw new ActionError(
        `Slack ${method} answered ok but without a message ts; the API at ${apiUrl} does not behave like Slack's.`,
      );
    return {
      method,
      ts,
      threadTs: target.threadTs ?? result.message?.thread_ts ?? ts,
      channelId: result.channel ?? target.channel,
    };
  } catch (error: unknown) {
    if (error instanceof ActionError) throw error;
    const failure = classifyFailure(error, sawRateLimit);
    throw new SlackSendError(explainFailure(failure, { ...context, sawRateLimit }), failure);
  }
}

export interface WebhookTarget {
  url: string;
  threadTs?: string | undefined;
  retries: number;
  timeoutMs: number;
}

export async function sendWithWebhook(
  message: SlackMessage,
  target: WebhookTarget,
  clients: SlackClients = slackClients,
): Promise<Delivery> {
  const webhook = await clients.webhook({ url: target.url, retries: target.retries, timeoutMs: target.timeoutMs });
  try {
    await webhook.send({
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
    });
  } catch (error: unknown) {
    const failure = classifyFailure(error);
    throw new SlackSendError(explainFailure(failure, { method: 'webhook', retries: target.retries }), failure);
  }
  return target.threadTs ? { method: 'webhook', threadTs: target.threadTs } : { method: 'webhook' };
}
