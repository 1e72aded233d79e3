/**
 * Slack in a local run: when the called workflow is given a Slack channel,
 * the caller passes the token secret but nobody set it, and the pipeline
 * has an API-URL input still at its default, the runner starts the local
 * Slack stand-in (@pipeline/local-slack: token, channel, Block Kit limits,
 * chat.update of a known ts, as Slack checks them), hands notify a token for
 * it and its URL, and keeps every message it accepted, in order, for the
 * report. Which input and secret these are is the provisioning table's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LocalSlack } from '@pipeline/local-slack';
import type { SlackChannel } from '@pipeline/local-slack';
import type { SecretMasker } from '@pipeline/action-kit/protocol';
import { stringValue } from '../expressions.js';
import type { Json } from '../expressions.js';
import { resolveInputs } from '../inputs.js';
import type { SlackTranscript } from '../report-types.js';
import type { ParsedWorkflow } from '../workflow.js';
import type { Cleanups } from '../workspace.js';
import { PROVISIONING } from './table.js';
import type { SlackRule } from './table.js';

export interface LocalSlackRequest {
  enabled: boolean;
  /** The called workflow's resolved inputs (the API URL input is set here when the stand-in starts). */
  inputs: Record<string, Json>;
  /** The called workflow (for its inputs' declared defaults). */
  pipeline: ParsedWorkflow;
  /** The secrets the caller passes (the token is set here when the stand-in starts). */
  secrets: Record<string, string>;
  masker: SecretMasker;
  cleanups: Cleanups;
  notes: string[];
  /** Where the transcript goes (filled with the masked events when the run ends). */
  transcript: (value: SlackTranscript) => void;
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;

/** The channel the stand-in knows: an ID as given, or a name with an ID derived from it (as Slack would have one). */
export function standInChannel(given: string): SlackChannel {
  if (CHANNEL_ID.test(given)) return { id: given, name: given.toLowerCase() };
  const name = given.replace(/^#/, '');
  const id = `C${createHash('sha256').update(name).digest('hex').slice(0, 10).toUpperCase()}`;
  return { id, name };
}

/** An input's declared default, as resolveInputs gives it with no `with:` (undefined if that cannot be had). */
function declaredDefault(pipeline: ParsedWorkflow, name: string): Json | undefined {
  try {
    return resolveInputs(pipeline, {}, {}, pipeline.file)[name];
  } catch {
    return undefined;
  }
}

/** Why the stand-in is not started (undefined: start it). */
export function localSlackDecision(
  req: Pick<LocalSlackRequest, 'enabled' | 'inputs' | 'pipeline' | 'secrets'>,
  rule: SlackRule = PROVISIONING.slack,
): { start: false; note?: string } | { start: true; channel: string } {
  const channel = stringValue(req.inputs[rule.channelInput] ?? '').trim();
  if (!req.enabled || channel === '') return { start: false };
  if (req.secrets[rule.tokenSecret]) return { start: false };
  if (!(rule.tokenSecret in req.secrets))
    return {
      start: false,
      note: `${rule.channelInput} is '${channel}' but the caller passes no ${rule.tokenSecret} secret: notify is skipped, as on GitHub.`,
    };
  if (!(rule.apiUrlInput in req.inputs))
    return {
      start: false,
      note: `${rule.channelInput} is set but this pipeline has no ${rule.apiUrlInput} input to point notify at a local Slack: notify is skipped (no ${rule.tokenSecret}).`,
    };
  const url = stringValue(req.inputs[rule.apiUrlInput] ?? '');
  if (url !== declaredDefault(req.pipeline, rule.apiUrlInput))
    return {
      start: false,
      note: `${rule.apiUrlInput} is ${url}, set by the caller: no local Slack is started, and ${rule.tokenSecret} is not set, so notify is skipped.`,
    };
  return { start: true, channel };
}

/** Every string in the events (texts, every block's strings) masked. */
function masked<T>(value: T, masker: SecretMasker): T {
  if (typeof value === 'string') return masker.mask(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => masked(v, masker)) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, masker)])) as T;
  return value;
}

/** Starts the stand-in if the decision says so; notes what it did or why not. */
export async function provideLocalSlack(req: LocalSlackRequest, rule: SlackRule = PROVISIONING.slack): Promise<void> {
  const decision = localSlackDecision(req, rule);
  if (!decision.start) {
    if (decision.note) req.notes.push(decision.note);
    return;
  }
  const token = `xoxb-local-${randomBytes(12).toString('hex')}`;
  req.masker.addSecret(token);
  const channel = standInChannel(decision.channel);
  const slack = await LocalSlack.start({ token, channels: [channel] });
  req.inputs[rule.apiUrlInput] = slack.apiUrl;
  req.secrets[rule.tokenSecret] = token;
  const transcript: SlackTranscript = { apiUrl: slack.apiUrl, channels: [channel], events: [] };
  req.transcript(transcript);
  req.notes.push(
    `Slack: ${rule.channelInput} '${decision.channel}' and no ${rule.tokenSecret}: notify talks to a local Slack stand-in at ${slack.apiUrl} (${rule.apiUrlInput}), which checks the token, the channel (#${channel.name} = ${channel.id}), Block Kit limits and chat.update of a known ts as Slack does; ${rule.tokenSecret} is a token for it. The messages, as Slack would show them, are under "Slack messages".`,
  );
  req.cleanups.push(async () => {
    transcript.events = masked([...slack.events], req.masker);
    await slack.close();
  });
}
