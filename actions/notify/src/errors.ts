/**
 * Turns what the Slack clients throw into one sentence that says what went
 * wrong and how to fix it. classifyFailure reads the SDK error objects by
 * their documented shape (code, data, statusCode, body, original), so this
 * module needs no import of the SDK; explainFailure is a pure table.
 */
import { isRecord, plural, redactedExcerpt } from '@pipeline/action-kit';

export type Failure =
  | { kind: 'platform'; error: string; needed?: string; provided?: string; details: string[] }
  | { kind: 'http'; status: number; body: string }
  | { kind: 'network'; detail: string }
  | { kind: 'rate-limited'; retryAfterSeconds?: number }
  | { kind: 'webhook-http'; status: number; body: string }
  | { kind: 'unknown'; detail: string };

export interface FailureContext {
  method: 'chat.postMessage' | 'chat.update' | 'webhook';
  channel?: string;
  messageTs?: string;
  threadTs?: string;
  apiUrl?: string;
  retries: number;
  /** True when the client reported at least one HTTP 429 during the call. */
  sawRateLimit?: boolean;
}

/** The message @slack/web-api 8 uses for a 429 it is about to retry (WebClient.makeRequest). */
const RATE_LIMIT_MESSAGE = /^A rate limit was exceeded/;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function causeDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && isRecord(current); depth++) {
    const code = str(current['code']);
    const message = str(current['message']);
    if (code && !code.startsWith('slack_')) parts.push(code);
    else if (message && !/^A request error occurred/.test(message)) parts.push(message);
    current = current['cause'] ?? current['original'];
  }
  const unique = [...new Set(parts)];
  return unique.length > 0 ? unique.join(': ') : 'no response';
}

/** Reads an error thrown by @slack/web-api or @slack/webhook. */
export function classifyFailure(error: unknown, sawRateLimit = false): Failure {
  if (!isRecord(error)) return { kind: 'unknown', detail: String(error) };
  const code = str(error['code']);
  switch (code) {
    case 'slack_webapi_platform_error': {
      const data = isRecord(error['data']) ? error['data'] : {};
      const metadata = isRecord(data['response_metadata']) ? data['response_metadata'] : {};
      const details = [...asList(data['errors']), ...asList(metadata['messages'])].filter(
        (d): d is string => typeof d === 'string',
      );
      const failure: Failure = {
        kind: 'platform',
        error: str(data['error']) ?? 'unknown_error',
        details: [...new Set(details)],
      };
      const needed = str(data['needed']);
      const provided = str(data['provided']);
      if (needed) failure.needed = needed;
      if (provided) failure.provided = provided;
      return failure;
    }
    case 'slack_webapi_rate_limited_error': {
      const retryAfter = error['retryAfter'];
      return typeof retryAfter === 'number'
        ? { kind: 'rate-limited', retryAfterSeconds: retryAfter }
        : { kind: 'rate-limited' };
    }
    case 'slack_webapi_http_error': {
      const status = typeof error['statusCode'] === 'number' ? error['statusCode'] : 0;
      return { kind: 'http', status, body: bodyText(error['body']) };
    }
    case 'slack_webapi_request_error':
    case 'slack_webhook_request_error': {
      const original = error['original'] ?? error['cause'];
      // The Web API client signals "retry after a 429" with a plain Error that its own catch wraps as a request error.
      if (isRecord(original) && RATE_LIMIT_MESSAGE.test(str(original['message']) ?? ''))
        return { kind: 'rate-limited' };
      return { kind: 'network', detail: causeDetail(original) };
    }
    case 'slack_webhook_http_error': {
      const status = typeof error['statusCode'] === 'number' ? error['statusCode'] : 0;
      return { kind: 'webhook-http', status, body: bodyText(error['body']) };
    }
  }
  const message = str(error['message']) ?? JSON.stringify(error);
  // After the last retry the Web API client rethrows its own plain Error for a 429.
  if (sawRateLimit || RATE_LIMIT_MESSAGE.test(message)) return { kind: 'rate-limited' };
  return { kind: 'unknown', detail: message };
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

/** A server's answer as the error quotes it: redacted before it is cut, so a token it echoes cannot show half-masked. */
function bodyText(body: unknown): string {
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  return redactedExcerpt(text, 300);
}

const where = (ctx: FailureContext): string => (ctx.channel ? ` '${ctx.channel}'` : '');

const PLATFORM_FIXES: Readonly<
  Record<string, (f: Extract<Failure, { kind: 'platform' }>, ctx: FailureContext) => string>
> = {
  invalid_auth: () =>
    'Slack rejected slack-token (invalid_auth). Fix: use the Bot User OAuth Token (xoxb-...) of a Slack app installed in this workspace, stored as a secret, and check it was not revoked, rotated or copied with extra characters.',
  not_authed: () =>
    'No token reached Slack (not_authed). Fix: set slack-token to a secret holding a bot token (xoxb-...); secrets are empty in workflows started from forks.',
  account_inactive: () =>
    'The token belongs to a deactivated user or an uninstalled app (account_inactive). Fix: reinstall the Slack app and update the secret.',
  token_revoked: () =>
    'slack-token was revoked (token_revoked). Fix: reinstall the Slack app and store the new bot token in the secret.',
  token_expired: () =>
    'slack-token expired (token_expired). Fix: use a non-expiring bot token, or refresh it before this step.',
  invalid_token: () =>
    'Slack does not recognise slack-token (invalid_token). Fix: store the bot token (xoxb-...) of an installed app in the secret.',
  missing_scope: (f) =>
    `slack-token lacks a permission (missing_scope${f.needed ? `: needs ${f.needed}` : ''}${f.provided ? `, has ${f.provided}` : ''}). Fix: add the chat:write scope (and chat:write.public to post in public channels without joining) under OAuth & Permissions, then reinstall the app.`,
  channel_not_found: (_f, ctx) =>
    ctx.method === 'chat.update'
      ? `Slack cannot find channel${where(ctx)} (channel_not_found). Fix: chat.update needs the channel ID (C0123ABCD), not a name: pass the channel-id output of the step that posted the message as channel.`
      : `Slack cannot find channel${where(ctx)} (channel_not_found). Fix: use the channel ID (C0123ABCD, in the channel's details) or its exact name; for a private channel invite the app first (/invite @your-app).`,
  not_in_channel: (_f, ctx) =>
    `The Slack app is not a member of channel${where(ctx)} (not_in_channel). Fix: invite it in that channel with /invite @your-app, or give it the chat:write.public scope to post in public channels without joining.`,
  is_archived: (_f, ctx) =>
    `Channel${where(ctx)} is archived (is_archived). Fix: unarchive it or choose another channel.`,
  channel_is_archived: (_f, ctx) =>
    `Channel${where(ctx)} is archived (channel_is_archived). Fix: unarchive it or choose another channel.`,
  msg_too_long: () =>
    'Slack says the message is too long (msg_too_long). Fix: shorten the fields input; notify keeps its own text within limits, so report this if fields are short.',
  no_text: () =>
    'Slack received a message without text or blocks (no_text). This is a bug in notify: please report it with this log.',
  invalid_blocks: (f) =>
    `Slack refused the message blocks (invalid_blocks${f.details.length > 0 ? `: ${f.details.join('; ')}` : ''}). notify builds blocks within Block Kit limits, so this is a bug in notify or a new Slack rule: please report it with this log.`,
  invalid_blocks_format: () =>
    'Slack could not read the blocks as JSON (invalid_blocks_format). This is a bug in notify: please report it with this log.',
  message_not_found: (_f, ctx) =>
    `No message with ts ${ctx.messageTs ?? '(none)'} in channel${where(ctx)} (message_not_found). Fix: pass the ts output of the step that posted as message-ts and its channel-id output as channel.`,
  cant_update_message: () =>
    'This token may not update that message (cant_update_message): only the app that posted a message can edit it. Fix: post and update with the same slack-token.',
  edit_window_closed: () =>
    'The workspace no longer allows editing that message (edit_window_closed). Fix: post a new message (leave message-ts empty) or reply in its thread (thread-ts).',
  thread_not_found: (_f, ctx) =>
    `No thread with ts ${ctx.threadTs ?? '(none)'} in channel${where(ctx)} (thread_not_found). Fix: pass the thread-ts output of the step that posted.`,
  restricted_action: (_f, ctx) =>
    `A workspace setting stops this app from posting in${where(ctx) || ' this channel'} (restricted_action). Fix: ask a Slack admin to allow the app to post there.`,
  restricted_action_read_only_channel: (_f, ctx) =>
    `Channel${where(ctx)} is read-only for this app (restricted_action_read_only_channel). Fix: choose another channel or ask an admin to allow posting.`,
  ratelimited: () =>
    'Slack rate-limited the request (ratelimited). Fix: send fewer messages (post once and update it with message-ts), or raise retries.',
  rate_limited: () =>
    'Slack rate-limited the request (rate_limited). Fix: send fewer messages (post once and update it with message-ts), or raise retries.',
  invalid_arguments: (f) =>
    `Slack refused the request's arguments (invalid_arguments${f.details.length > 0 ? `: ${f.details.join('; ')}` : ''}). Check channel, message-ts and thread-ts.`,
  team_access_not_granted: () =>
    'The token has no access to this workspace (team_access_not_granted). Fix: on Enterprise Grid, install the app in the workspace that owns the channel.',
};

const WEBHOOK_FIXES: Readonly<Record<string, string>> = {
  invalid_payload:
    'Slack could not read the webhook payload (invalid_payload). This is a bug in notify: please report it with this log.',
  invalid_blocks:
    'Slack refused the message blocks sent to the webhook (invalid_blocks). This is a bug in notify: please report it with this log.',
  no_text:
    'Slack received a webhook message without text (no_text). This is a bug in notify: please report it with this log.',
  user_not_found:
    'Slack says the webhook user does not exist (user_not_found). Fix: create a new incoming webhook and update the secret.',
  invalid_token:
    'The webhook URL is not valid any more (invalid_token). Fix: create a new incoming webhook in the Slack app settings and update the webhook-url secret.',
  action_prohibited:
    'The workspace forbids this webhook from posting (action_prohibited). Fix: ask a Slack admin, or use slack-token with a bot token instead.',
  no_service:
    'The webhook URL is unknown or was revoked (no_service). Fix: create a new incoming webhook in the Slack app settings and update the webhook-url secret.',
  no_active_hooks:
    'The webhook is disabled (no_active_hooks). Fix: turn incoming webhooks back on in the Slack app settings or create a new webhook.',
  channel_not_found:
    "The webhook's channel no longer exists (channel_not_found). Fix: create a new incoming webhook for an existing channel and update the webhook-url secret.",
  channel_is_archived:
    "The webhook's channel is archived (channel_is_archived). Fix: unarchive it, or create a webhook for another channel and update the webhook-url secret.",
  team_disabled: 'The Slack workspace is disabled (team_disabled).',
};

/** One message for the log: what happened, where, and the fix. Never includes a token or webhook URL. */
export function explainFailure(failure: Failure, ctx: FailureContext): string {
  const prefix = ctx.method === 'webhook' ? 'Slack incoming webhook: ' : `Slack ${ctx.method}: `;
  switch (failure.kind) {
    case 'platform': {
      const fix = PLATFORM_FIXES[failure.error];
      if (fix) return prefix + fix(failure, ctx);
      const details = failure.details.length > 0 ? ` (${failure.details.join('; ')})` : '';
      return `${prefix}Slack answered error '${failure.error}'${details}. See the error list of ${ctx.method} in Slack's API reference for its meaning.`;
    }
    case 'rate-limited':
      return `${prefix}Slack${ctx.apiUrl ? ` (the API at ${ctx.apiUrl})` : ''} kept rate-limiting the request (HTTP 429) after ${plural(ctx.retries, 'retry', 'retries')}${failure.retryAfterSeconds !== undefined ? ` (Retry-After ${failure.retryAfterSeconds}s)` : ''}. Fix: send fewer messages (post once and update it with message-ts) or raise retries.`;
    case 'http':
      return `${prefix}the Slack API at ${ctx.apiUrl ?? 'slack-api-url'} answered HTTP ${failure.status}${failure.body ? ` (${failure.body})` : ''} after ${plural(ctx.retries, 'retry', 'retries')}. Fix: check slack-api-url (a proxy must forward to Slack's Web API), or retry later if Slack is having an outage.`;
    case 'network':
      return ctx.method === 'webhook'
        ? `${prefix}could not reach the webhook URL (${failure.detail}) after ${plural(ctx.retries, 'retry', 'retries')}. Fix: check webhook-url and that the runner can reach Slack (proxy, firewall).`
        : `${prefix}could not reach the Slack API at ${ctx.apiUrl ?? 'slack-api-url'} (${failure.detail}) after ${plural(ctx.retries, 'retry', 'retries')}. Fix: check slack-api-url and that the runner can reach it (proxy, firewall), or raise timeout.`;
    case 'webhook-http': {
      const code = failure.body.trim();
      if (failure.status === 429)
        return `${prefix}Slack rate-limited the webhook (HTTP 429). Fix: send fewer messages, or use slack-token, whose client waits and retries as Slack asks.`;
      const fix = WEBHOOK_FIXES[code];
      if (fix) return `${prefix}${fix} (HTTP ${failure.status})`;
      if (failure.status === 404)
        return `${prefix}the webhook URL was not found (HTTP 404${code ? `, ${code}` : ''}). Fix: create a new incoming webhook and update the webhook-url secret.`;
      return `${prefix}Slack answered HTTP ${failure.status}${code ? ` (${code})` : ''}${failure.status >= 500 ? ` after ${plural(ctx.retries, 'retry', 'retries')}; retry later` : ''}.`;
    }
    case 'unknown':
      return `${prefix}the message could not be sent: ${failure.detail}`;
  }
}
