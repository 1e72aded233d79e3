/**
 * Block Kit to HTML, laid out as Slack shows a message: header, sections
 * (text, two-column fields, a button accessory), context lines, dividers,
 * action buttons; a message without blocks shows its text. A transcript is
 * the channel's events in order: each post, each update of it, each thread
 * reply, each showing the whole message as it then looked.
 */
import { escapeHtml, mrkdwnToHtml, plainTextToHtml } from './mrkdwn.js';
import type { SlackEvent } from './server.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A text object: mrkdwn parsed, plain_text as written. */
export function textObjectToHtml(value: unknown): string {
  if (!isObj(value)) return '';
  const text = typeof value['text'] === 'string' ? value['text'] : '';
  return value['type'] === 'mrkdwn' ? mrkdwnToHtml(text) : plainTextToHtml(text, value['emoji'] !== false);
}

function buttonToHtml(value: unknown): string {
  if (!isObj(value)) return '';
  const style = value['style'] === 'primary' || value['style'] === 'danger' ? ` slack-button-${value['style']}` : '';
  const label = textObjectToHtml(value['text']);
  const url = typeof value['url'] === 'string' && /^https?:/i.test(value['url']) ? value['url'] : undefined;
  return url
    ? `<a class="slack-button${style}" href="${escapeHtml(url)}">${label}</a>`
    : `<span class="slack-button${style}">${label}</span>`;
}

function sectionToHtml(block: Obj): string {
  let inner = '';
  if (block['text'] !== undefined) inner += `<div class="slack-text">${textObjectToHtml(block['text'])}</div>`;
  const fields = array(block['fields']);
  if (fields.length > 0)
    inner += `<div class="slack-fields">${fields.map((f) => `<div class="slack-field">${textObjectToHtml(f)}</div>`).join('')}</div>`;
  const accessory = isObj(block['accessory'])
    ? `<div class="slack-accessory">${buttonToHtml(block['accessory'])}</div>`
    : '';
  return `<div class="slack-section"><div class="slack-section-body">${inner}</div>${accessory}</div>`;
}

export function blockToHtml(block: unknown): string {
  if (!isObj(block)) return '';
  switch (block['type']) {
    case 'header':
      return `<div class="slack-header">${textObjectToHtml(block['text'])}</div>`;
    case 'section':
      return sectionToHtml(block);
    case 'context':
      return `<div class="slack-context">${array(block['elements'])
        .map((e) => `<span class="slack-context-item">${textObjectToHtml(e)}</span>`)
        .join('')}</div>`;
    case 'actions':
      return `<div class="slack-actions">${array(block['elements']).map(buttonToHtml).join('')}</div>`;
    case 'divider':
      return '<hr class="slack-divider">';
    default:
      return `<div class="slack-unknown">unsupported block ${escapeHtml(JSON.stringify(block['type']))}</div>`;
  }
}

/** One message as Slack shows it (its blocks, or its text when it has none). */
export function messageToHtml(message: { text: string; blocks: unknown[] }): string {
  const body =
    message.blocks.length > 0
      ? message.blocks.map(blockToHtml).join('')
      : `<div class="slack-text">${mrkdwnToHtml(message.text)}</div>`;
  return `<div class="slack-message">${body}</div>`;
}

/** A message's visible words without markup (header first), for a one-line listing. */
export function messageText(message: { text: string; blocks: unknown[] }): string {
  const header = message.blocks.find((b) => isObj(b) && b['type'] === 'header');
  const text = isObj(header) && isObj(header['text']) ? header['text']['text'] : undefined;
  return typeof text === 'string' ? text : message.text;
}

/** What happened, in words: "posted to C0…", "updated the message of ts …", "replied in the thread of ts …". */
export function eventTitle(event: SlackEvent, channelName: (id: string) => string = (id) => id): string {
  const where = event.channel ? channelName(event.channel) : 'the webhook channel';
  switch (event.kind) {
    case 'post':
      return `chat.postMessage to ${where} → ts ${event.ts}`;
    case 'update':
      return `chat.update of ts ${event.ts} in ${where}`;
    case 'reply':
      return `chat.postMessage in the thread of ts ${event.threadTs ?? ''} in ${where} → ts ${event.ts}`;
    case 'webhook':
      return `incoming webhook to ${where}`;
  }
}

/** The events as an ordered list of rendered messages; replies indented under their thread. */
export function transcriptToHtml(events: readonly SlackEvent[], channelName?: (id: string) => string): string {
  if (events.length === 0) return '<p class="slack-none">No Slack messages.</p>';
  const items = events.map((event) => {
    const title = escapeHtml(eventTitle(event, channelName)).replace(
      /ts ([0-9.]+)/g,
      (_w, ts: string) => `ts <code>${ts}</code>`,
    );
    const cls = `slack-event slack-event-${event.kind}`;
    return `<li class="${cls}"><div class="slack-event-title">${title} <span class="slack-time">${escapeHtml(event.at)}</span></div>${messageToHtml(event)}<div class="slack-fallback">notification text: ${mrkdwnToHtml(event.text)}</div></li>`;
  });
  return `<ol class="slack-transcript">${items.join('')}</ol>`;
}

/** Styles for the classes above, close to Slack's own look. */
export const SLACK_CSS = `
.slack-transcript{list-style:decimal;padding-left:1.5em}
.slack-event{margin:0 0 1em}
.slack-event-reply{margin-left:2em}
.slack-event-title{font-size:.85em;color:#616061;margin-bottom:.25em}
.slack-time{color:#999}
.slack-message{border-left:4px solid #ddd;padding:.5em .75em;background:#fff;font-family:Lato,system-ui,sans-serif;font-size:15px;line-height:1.45;max-width:44em}
.slack-header{font-weight:900;font-size:18px;margin:.25em 0}
.slack-section{display:flex;gap:.75em;margin:.35em 0}
.slack-section-body{flex:1}
.slack-fields{display:grid;grid-template-columns:1fr 1fr;gap:.5em 1em;margin-top:.25em}
.slack-context{font-size:12px;color:#616061;margin:.35em 0}
.slack-context-item{margin-right:1em}
.slack-actions{margin:.5em 0;display:flex;gap:.5em;flex-wrap:wrap}
.slack-button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:.2em .8em;font-weight:700;color:#1d1c1d;text-decoration:none}
.slack-button-primary{background:#007a5a;border-color:#007a5a;color:#fff}
.slack-button-danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.slack-mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.slack-divider{border:0;border-top:1px solid #ddd}
.slack-fallback{font-size:.8em;color:#999;margin-top:.25em}
.slack-message code{background:#f6f6f6;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#e01e5a}
.slack-message pre{background:#f6f6f6;border:1px solid #ddd;border-radius:4px;padding:.5em}
.slack-message blockquote{border-left:4px solid #ddd;margin:0;padding-left:.5em}
`;
