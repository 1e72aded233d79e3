/**
 * Sending: which call to make (post, update, thread reply, webhook), what its
 * answer means, and failures turned into explained errors. The calls go
 * through the small SlackClients interface: `slackClients` is the official
 * @slack/web-api and @slack/webhook, loaded with import() only when a message
 * is really sent (the action's startup stays small); unit tests pass a fake.
 * Retries on network errors and HTTP 5xx are the Slack SDK's own. An HTTP
 * 429 comes back here: its Retry-After is waited out only when it fits the
 * delivery's time budget (timeout for each of the 1 + retries attempts), so a
 * `Retry-After: 3600` fails at once instead of holding the job for an hour.
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
import { ActionError, RetryBudgetError, displayUrl, retry, sleep } from '@pipeline/action-kit';
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

/** p-retry options shared by both clients: exponential backoff from 1 s, capped at 30 s and at `timeoutMs`. */
export function retryPolicy(
  retries: number,
  timeoutMs = 30_000,
): {
  retries: number;
  factor: number;
  minTimeout: number;
  maxTimeout: number;
  randomize: boolean;
} {
  const maxTimeout = Math.min(30_000, timeoutMs);
  return { retries, factor: 2, minTimeout: Math.min(1000, maxTimeout), maxTimeout, randomize: true };
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
      retryConfig: retryPolicy(options.retries, options.timeoutMs),
      // true: a 429 comes back to sendWithWebApi, which waits out Retry-After only when it fits the time budget.
      rejectRateLimitedCalls: true,
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
      retryConfig: retryPolicy(options.retries, options.timeoutMs),
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
  clock: Clock = realClock,
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
    onRateLimited: () => {
      sawRateLimit = true;
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
  const call = async (): Promise<Delivery> => {
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
  };
  try {
    return await withinBudget(call, target, method, log, clock);
  } catch (error: unknown) {
    if (error instanceof ActionError) throw error;
    const budget = error instanceof RetryBudgetError ? error : undefined;
    const failure = classifyFailure(budget ? budget.cause : error, sawRateLimit);
    const explained = explainFailure(failure, { ...context, sawRateLimit });
    throw new SlackSendError(budget ? `${explained} ${budgetNote(budget, target)}` : explained, failure);
  }
}

/** The most one delivery may take, every attempt and wait included: `timeout` for each of the 1 + `retries` attempts. */
export const deliveryBudgetMs = (target: { retries: number; timeoutMs: number }): number =>
  target.timeoutMs * (target.retries + 1);

function budgetNote(error: RetryBudgetError, target: WebApiTarget): string {
  return `Slack asked to wait ${Math.ceil(error.delayMs / 1000)}s (Retry-After), more than the ${Math.max(0, Math.floor(error.remainingMs / 1000))}s left of this delivery's time limit (timeout ${Math.round(target.timeoutMs / 1000)}s × ${target.retries + 1} attempts), so it was not waited for.`;
}

/** Time and sleep, injectable so that a test need not wait out a Retry-After. */
export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}
const realClock: Clock = { now: () => performance.now(), sleep };

/** Retries an HTTP 429 after its Retry-After, within `retries` and the delivery's time budget; anything else is final (the SDK retried it). */
async function withinBudget<T>(
  call: () => Promise<T>,
  target: WebApiTarget,
  method: Method,
  log: Log,
  clock: Clock,
): Promise<T> {
  const retryAfterMs = (error: unknown): number | undefined => {
    const failure = classifyFailure(error);
    return failure.kind === 'rate-limited' && failure.retryAfterSeconds !== undefined
      ? failure.retryAfterSeconds * 1000
      : undefined;
  };
  return retry(() => call(), {
    attempts: target.retries + 1,
    budgetMs: deliveryBudgetMs(target),
    shouldRetry: (error) => retryAfterMs(error) !== undefined,
    delayFor: retryAfterMs,
    onRetry: (_error, _attempt, delay) =>
      log.info(
        `Slack rate-limited ${method} (HTTP 429); waiting ${Math.round(delay / 1000)}s as Retry-After asks, then retrying.`,
      ),
    now: clock.now,
    sleep: clock.sleep,
  });
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
