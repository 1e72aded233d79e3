/**
 * Every input of the notify action, read once, validated and frozen.
 * Nothing else in this action calls core.getInput.
 */
import * as core from '@actions/core';
import {
  InputError,
  maskSecret,
  parseBoolean,
  formatDuration,
  headerValueProblem,
  parseDuration,
  parseEnum,
  parseHttpUrl,
  parseInteger,
  type ReadInput,
  type RunEnv,
} from '@pipeline/action-kit';
import { runFacts, type RunFacts } from './context.js';
import { STATUSES, parseFields, parseMentions, parseMessageTs } from './parse.js';
import type { Field, Mention, Status } from './parse.js';

/** Where the message goes. `none` means neither slack-token nor webhook-url was set. */
export type Destination =
  | { kind: 'web-api'; token: string; channel: string; apiUrl: string }
  | { kind: 'webhook'; url: string }
  | { kind: 'none' };

export interface Inputs {
  destination: Destination;
  status: Status;
  /** Empty when not given (the workflow name is used then). */
  title: string;
  fields: readonly Field[];
  environment: string;
  durationMs: number | undefined;
  messageTs: string | undefined;
  threadTs: string | undefined;
  mentions: readonly Mention[];
  failOnError: boolean;
  retries: number;
  timeoutMs: number;
  /** Values that must never be written anywhere (already masked). */
  secrets: readonly string[];
  /** The run the message is about (repository, branch, commit, run link), from the runner's environment. */
  run: RunFacts;
}

/** The longest a notification may hold the job, all attempts and waits included. */
export const MAX_DELIVERY_MS = 15 * 60_000;

export const getInputs = (): Readonly<Inputs> => parseInputs(core.getInput, process.env);

/** Every input, read once and validated. Pure apart from registering secrets, which happens first. */
export function parseInputs(read: ReadInput, env: RunEnv): Readonly<Inputs> {
  // Secrets first, so that even an error about another input cannot show them unmasked.
  const token = read('slack-token').trim();
  const webhook = read('webhook-url').trim();
  maskSecret(token);
  maskSecret(webhook);
  // A token with a space, a line break or a non-ASCII character cannot be sent as a header (fetch throws a
  // TypeError that reads like a network failure): say so now, by name.
  const tokenProblem =
    token === '' ? undefined : (headerValueProblem(token) ?? (/\s/.test(token) ? 'holds a space' : undefined));
  if (tokenProblem)
    throw new InputError(
      'slack-token',
      '***',
      `a Slack token of printable ASCII on one line, without spaces (xoxb-..., xoxp-...); this one ${tokenProblem} (the value is not shown because it is secret)`,
    );

  const status = parseEnum('status', read('status'), STATUSES);
  const messageTs = parseMessageTs('message-ts', read('message-ts'));
  const threadTs = parseMessageTs('thread-ts', read('thread-ts'));
  const channel = read('channel').trim();
  const apiUrlRaw = read('slack-api-url').trim() || 'https://slack.com/api/';

  const secrets = [token, webhook];
  let destination: Destination;
  if (token !== '' && webhook !== '') {
    throw new InputError(
      'webhook-url',
      '***',
      'empty when slack-token is set: give one of slack-token or webhook-url, not both',
    );
  } else if (token !== '') {
    if (channel === '') {
      throw new InputError(
        'channel',
        '',
        'a channel ID such as C0123ABCD (or a name such as #deploys) when slack-token is set',
      );
    }
    // fetch refuses a URL with user:password ("Request cannot be constructed..."): refused here, by name.
    const apiUrl = parseHttpUrl('slack-api-url', apiUrlRaw, {
      credentialsHint:
        'the Slack client cannot send them: fetch refuses a URL with credentials; slack-token authenticates the calls',
    });
    destination = { kind: 'web-api', token, channel, apiUrl: apiUrl.href };
  } else if (webhook !== '') {
    parseHttpUrl('webhook-url', webhook, { secret: true, credentials: 'mask' });
    if (messageTs !== undefined) {
      throw new InputError(
        'message-ts',
        messageTs,
        'empty with webhook-url: incoming webhooks cannot update messages (use slack-token to post and update)',
      );
    }
    destination = { kind: 'webhook', url: webhook };
  } else {
    destination = { kind: 'none' };
  }

  const durationRaw = read('duration');
  const retries = parseInteger('retries', read('retries'), { min: 0, max: 10 }, 3);
  const timeoutRaw = read('timeout');
  const timeoutMs = parseDuration('timeout', timeoutRaw, { minMs: 1000, maxMs: 600_000 }, 30_000);
  // The whole delivery, every attempt and Retry-After wait included, takes at most timeout × (1 + retries).
  if (timeoutMs * (retries + 1) > MAX_DELIVERY_MS) {
    throw new InputError(
      'timeout',
      timeoutRaw,
      `a timeout that, times the ${retries + 1} attempts retries: ${retries} allows, stays within ${MAX_DELIVERY_MS / 60_000} minutes (at most ${formatDuration(Math.floor(MAX_DELIVERY_MS / (retries + 1)))} here)`,
    );
  }
  return Object.freeze({
    destination: Object.freeze(destination),
    status,
    title: read('title').trim(),
    fields: Object.freeze(parseFields('fields', read('fields'))),
    environment: read('environment').trim(),
    durationMs:
      durationRaw.trim() === '' ? undefined : parseDuration('duration', durationRaw, { maxMs: 30 * 24 * 3_600_000 }),
    messageTs,
    threadTs,
    mentions: Object.freeze(parseMentions('mention-on-failure', read('mention-on-failure'))),
    failOnError: parseBoolean('fail-on-error', read('fail-on-error'), true),
    retries,
    timeoutMs,
    secrets: Object.freeze(secrets.filter((s) => s !== '')),
    run: Object.freeze(runFacts(env)),
  });
}
