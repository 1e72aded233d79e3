/**
 * Builds the Slack message (Block Kit blocks plus the plain-text fallback)
 * for one pipeline status. Pure functions, no I/O.
 *
 * Safety rules, all enforced here rather than hoped for:
 * - Messages are built as objects and serialised by the Slack client, never
 *   by string templating into JSON, so quotes, backslashes, emoji and new
 *   lines arrive as given.
 * - Every user-supplied value put into mrkdwn text (fields, environment,
 *   repository, branch, actor, the fallback text) has Slack's control
 *   characters escaped: & < > become &amp; &lt; &gt; (Slack's "Escaping text"
 *   rule), so nobody can inject a mention or a link through a value.
 *   plain_text (the header) is never parsed for markup by Slack, so it is sent
 *   as written, with new lines folded to spaces.
 * - Block Kit limits are respected by truncating with an ellipsis at a code
 *   point boundary and never inside an escape sequence: at most 50 blocks,
 *   150 characters of header text, 3000 per section/context text, 10 fields
 *   per section and 2000 characters per field.
 */
import type { ContextBlock, HeaderBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import type { RunFacts } from './context.js';
import type { Field, Mention, Status } from './parse.js';

export const LIMITS = Object.freeze({
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  /** Our own cap for the notification text; Slack truncates `text` far later (40,000). */
  fallbackText: 3000,
  /** Keys are labels: keep them short so the value gets the room. */
  fieldKey: 150,
});

const ELLIPSIS = '…';

export interface StatusTemplate {
  emoji: string;
  /** Completes "<title> …" in the header and fallback text. */
  verb: string;
  label: string;
  /** Whether mention-on-failure applies. */
  mention: boolean;
}

export const TEMPLATES: Readonly<Record<Status, StatusTemplate>> = Object.freeze({
  started: { emoji: ':hourglass_flowing_sand:', verb: 'started', label: 'Started', mention: false },
  success: { emoji: ':white_check_mark:', verb: 'succeeded', label: 'Succeeded', mention: false },
  failure: { emoji: ':x:', verb: 'failed', label: 'Failed', mention: true },
  cancelled: { emoji: ':no_entry_sign:', verb: 'was cancelled', label: 'Cancelled', mention: false },
  'rolled-back': { emoji: ':rewind:', verb: 'was rolled back', label: 'Rolled back', mention: true },
});

export interface MessageSpec {
  status: Status;
  title: string;
  fields: readonly Field[];
  environment: string;
  durationMs?: number | undefined;
  mentions: readonly Mention[];
  run: RunFacts;
}

export interface SlackMessage {
  /** Notification and accessibility fallback (mrkdwn, escaped). */
  text: string;
  blocks: KnownBlock[];
}

/** Slack's escaping of its three control characters, for mrkdwn text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes `raw` for mrkdwn and keeps the result within `max` characters
 * (UTF-16 code units, as Slack and JSON count them), cutting whole code
 * points and whole escapes and ending with an ellipsis when cut.
 */
export function fitEscaped(raw: string, max: number): string {
  return fit(raw, max, escapeMrkdwn);
}

/** The same without escaping, for plain_text. */
export function fitPlain(raw: string, max: number): string {
  return fit(raw, max, (s) => s);
}

function fit(raw: string, max: number, transform: (piece: string) => string): string {
  const whole = transform(raw);
  if (whole.length <= max) return whole;
  if (max < ELLIPSIS.length) return '';
  let out = '';
  for (const codePoint of raw) {
    const piece = transform(codePoint);
    if (out.length + piece.length > max - ELLIPSIS.length) break;
    out += piece;
  }
  return out + ELLIPSIS;
}

/** `<url|label>` with the label escaped (and cut to `maxLabel`) and & in the URL escaped. */
export function mrkdwnLink(url: string, label: string, maxLabel = 200): string {
  return `<${escapeMrkdwn(url)}|${fitEscaped(label, maxLabel)}>`;
}

export function mentionMarkup(mention: Mention): string {
  switch (mention.kind) {
    case 'user':
      return `<@${mention.id}>`;
    case 'group':
      return `<!subteam^${mention.id}>`;
    case 'special':
      return `<!${mention.name}>`;
  }
}

/** 4m 12s, 1h 05m, 12s, 850ms. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}

/**
 * The stage's duration: the duration input if given, else the time since the
 * message being updated was posted (a Slack ts is its posting time in epoch
 * seconds), else none.
 */
export function resolveDuration(options: {
  durationMs?: number | undefined;
  messageTs?: string | undefined;
  nowMs: number;
}): number | undefined {
  if (options.durationMs !== undefined) return options.durationMs;
  if (options.messageTs === undefined) return undefined;
  const postedMs = Number(options.messageTs) * 1000;
  const elapsed = options.nowMs - postedMs;
  return Number.isFinite(elapsed) && elapsed >= 0 && elapsed < 31 * 24 * 3_600_000 ? elapsed : undefined;
}

export function displayTitle(spec: Pick<MessageSpec, 'title' | 'run'>): string {
  const title = spec.title || spec.run.workflow || spec.run.repository || 'Pipeline';
  return title.replace(/\s+/g, ' ').trim();
}

function header(template: StatusTemplate, title: string): HeaderBlock {
  const prefix = `${template.emoji} `;
  const suffix = ` ${template.verb}`;
  const room = LIMITS.headerText - prefix.length - suffix.length;
  return {
    type: 'header',
    text: { type: 'plain_text', text: `${prefix}${fitPlain(title, room)}${suffix}`, emoji: true },
  };
}

function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text };
}

function statusSection(template: StatusTemplate, mentions: readonly Mention[]): SectionBlock {
  let text = `*Status:* ${template.label}`;
  if (template.mention && mentions.length > 0) {
    // Mentions are our own markup from validated IDs: whole ones only, as many as the section holds.
    text += '\n*Attention:*';
    for (const markup of mentions.map(mentionMarkup)) {
      if (text.length + 1 + markup.length > LIMITS.sectionText) break;
      text += ` ${markup}`;
    }
  }
  return { type: 'section', text: mrkdwn(text) };
}

export function fieldText(key: string, value: string): string {
  const head = `*${fitEscaped(key, LIMITS.fieldKey)}*\n`;
  return head + fitEscaped(value, LIMITS.fieldText - head.length);
}

function fieldSections(fields: readonly Field[], maxSections: number): SectionBlock[] {
  const capacity = maxSections * LIMITS.fieldsPerSection;
  let texts = fields.map(([key, value]) => fieldText(key, value));
  if (texts.length > capacity) {
    const hidden = texts.length - (capacity - 1);
    texts = [...texts.slice(0, capacity - 1), `*${ELLIPSIS}*\n_${hidden} more fields not shown_`];
  }
  const sections: SectionBlock[] = [];
  for (let i = 0; i < texts.length; i += LIMITS.fieldsPerSection) {
    sections.push({ type: 'section', fields: texts.slice(i, i + LIMITS.fieldsPerSection).map(mrkdwn) });
  }
  return sections;
}

function contextElements(spec: MessageSpec): string[] {
  const { run } = spec;
  const items: string[] = [];
  if (run.repository)
    items.push(
      `*Repository:* ${run.repositoryUrl ? mrkdwnLink(run.repositoryUrl, run.repository) : fitEscaped(run.repository, 200)}`,
    );
  if (run.branch)
    items.push(`*Branch:* ${run.branchUrl ? mrkdwnLink(run.branchUrl, run.branch) : fitEscaped(run.branch, 200)}`);
  if (run.sha) {
    const short = run.sha.slice(0, 7);
    items.push(`*Commit:* ${run.commitUrl ? mrkdwnLink(run.commitUrl, short) : fitEscaped(short, 40)}`);
  }
  if (run.actor) items.push(`*By:* ${fitEscaped(run.actor, 100)}`);
  if (run.runUrl) items.push(`*Run:* ${mrkdwnLink(run.runUrl, run.runLabel ?? 'run')}`);
  if (spec.environment) items.push(`*Environment:* ${fitEscaped(spec.environment, 200)}`);
  if (spec.durationMs !== undefined) items.push(`*Duration:* ${formatElapsed(spec.durationMs)}`);
  return items.slice(0, LIMITS.contextElements).map((text) => fitEscapedText(text, LIMITS.contextText));
}

export function fallbackText(spec: MessageSpec): string {
  const template = TEMPLATES[spec.status];
  const mentions = template.mention ? spec.mentions.map(mentionMarkup) : [];
  const { run } = spec;
  let where = '';
  if (run.repository) where += escapeMrkdwn(run.repository);
  if (run.branch) where += `${where ? '@' : ''}${escapeMrkdwn(run.branch)}`;
  if (run.sha) where += `${where ? ' ' : ''}${escapeMrkdwn(run.sha.slice(0, 7))}`;
  // Whole mentions only, and at most half of the text, so the sentence itself still shows.
  let lead = '';
  for (const markup of mentions) {
    if (lead.length + markup.length + 1 > LIMITS.fallbackText / 2) break;
    lead += `${markup} `;
  }
  const body = `${template.emoji} ${escapeMrkdwn(displayTitle(spec))} ${template.verb}${where ? ` (${where})` : ''}`;
  const text = lead + body;
  if (text.length <= LIMITS.fallbackText) return text;
  // Cut the escaped body, never the mentions (the reason the text exists on failure).
  return lead + fitEscapedText(body, LIMITS.fallbackText - lead.length);
}

/** Cuts already-escaped mrkdwn without splitting an entity or a surrogate pair. */
export function fitEscapedText(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  const tokens = escaped.match(/&(?:amp|lt|gt);|[\s\S]/gu) ?? [];
  let out = '';
  for (const token of tokens) {
    if (out.length + token.length > max - ELLIPSIS.length) break;
    out += token;
  }
  return out + ELLIPSIS;
}

export function buildMessage(spec: MessageSpec): SlackMessage {
  const template = TEMPLATES[spec.status];
  const blocks: KnownBlock[] = [header(template, displayTitle(spec)), statusSection(template, spec.mentions)];
  const context = contextElements(spec);
  const reserved = blocks.length + (context.length > 0 ? 1 : 0);
  blocks.push(...fieldSections(spec.fields, LIMITS.blocks - reserved));
  if (context.length > 0) {
    const block: ContextBlock = { type: 'context', elements: context.map(mrkdwn) };
    blocks.push(block);
  }
  return { text: fallbackText(spec), blocks };
}
