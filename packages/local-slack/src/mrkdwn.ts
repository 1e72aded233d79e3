/**
 * Slack's text formats to HTML, the way Slack shows them.
 *
 * mrkdwn (Slack's formatting guide): the sender escapes & < > as &amp; &lt;
 * &gt;, so a raw `<...>` is always markup: `<url|label>` links, `<@U…>` user
 * and `<!subteam^S…>` group mentions, `<!here>`-style special mentions,
 * `<#C…|name>` channels. Around that: *bold*, _italic_, ~strike~, `code`,
 * ```preformatted```, lines starting with `>` as quotes, :emoji: names, and
 * new lines. plain_text is shown as written (only :emoji: when `emoji` is
 * true). Everything that reaches the HTML is HTML-escaped; only http(s) and
 * mailto links become anchors.
 */

const EMOJI: Readonly<Record<string, string>> = Object.freeze({
  hourglass_flowing_sand: '⏳',
  white_check_mark: '✅',
  x: '❌',
  no_entry_sign: '🚫',
  rewind: '⏪',
  warning: '⚠️',
  rotating_light: '🚨',
  rocket: '🚀',
  tada: '🎉',
  heavy_check_mark: '✔️',
  information_source: 'ℹ️',
});

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack's three entities back to characters (the only ones Slack defines). */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Known :emoji: names as the character; unknown names stay as typed. Input and output are HTML. */
function emoji(html: string): string {
  return html.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

/** Known :emoji: names in plain text as the character (for listings outside HTML). */
export function withEmoji(text: string): string {
  return emoji(text);
}

export function plainTextToHtml(text: string, withEmoji: boolean): string {
  const html = escapeHtml(text).replace(/\n/g, '<br>');
  return withEmoji ? emoji(html) : html;
}

const SAFE_URL = /^(https?:|mailto:)/i;

/** One `<...>` markup token (its inside, still Slack-escaped) as HTML. */
function markup(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? unescapeSlack(inner.slice(bar + 1)) : undefined;
  const span = (cls: string, text: string): string => `<span class="slack-${cls}">${escapeHtml(text)}</span>`;
  if (target.startsWith('@')) return span('mention', `@${label ?? target.slice(1)}`);
  if (target.startsWith('#')) return span('mention', `#${label ?? target.slice(1)}`);
  if (target.startsWith('!subteam^')) return span('mention', `@${label ?? target.slice('!subteam^'.length)}`);
  if (target.startsWith('!')) return span('mention', `@${label ?? target.slice(1).split('^')[0]}`);
  const url = unescapeSlack(target);
  if (!SAFE_URL.test(url)) return escapeHtml(label ?? url);
  return `<a href="${escapeHtml(url)}">${escapeHtml(label ?? url)}</a>`;
}

/** *bold*, _italic_, ~strike~ within one run of text (already HTML). Slack wants no space inside the markers. */
function inlineStyles(html: string): string {
  const style = (text: string, marker: string, tag: string): string => {
    const m = marker === '*' ? '\\*' : marker;
    const pattern = new RegExp(`(^|[\\s(\\[{"'.,;:!?-])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?=$|[\\s)\\]}"'.,;:!?-])`, 'g');
    return text.replace(pattern, (_w, before: string, inner: string) => `${before}<${tag}>${inner}</${tag}>`);
  };
  return style(style(style(html, '*', 'b'), '_', 'i'), '~', 's');
}

/** Text outside code and markup: entities decoded, HTML-escaped, styled. */
function textRun(raw: string): string {
  return emoji(inlineStyles(escapeHtml(unescapeSlack(raw))));
}

/** A line of mrkdwn without code blocks: `code` spans and <markup> kept apart from styling. */
function inline(line: string): string {
  let html = '';
  for (const part of line.split(/(`[^`\n]+`|<[^<>\n]*>)/)) {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1)
      html += `<code>${escapeHtml(unescapeSlack(part.slice(1, -1)))}</code>`;
    else if (part.startsWith('<') && part.endsWith('>')) html += markup(part.slice(1, -1));
    else html += textRun(part);
  }
  return html;
}

function lines(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // A raw > (senders escape a typed one as &gt;) at the start of a line quotes it.
    const quote = /^> ?(.*)$/.exec(line);
    out.push(quote ? `<blockquote>${inline(quote[1] ?? '')}</blockquote>` : inline(line));
  }
  return out.join('<br>').replace(/<\/blockquote><br><blockquote>/g, '<br>');
}

export function mrkdwnToHtml(text: string): string {
  let html = '';
  for (const part of text.split(/(```[\s\S]*?```)/)) {
    if (part.startsWith('```') && part.endsWith('```') && part.length >= 6)
      html += `<pre>${escapeHtml(unescapeSlack(part.slice(3, -3).replace(/^\n/, '')))}</pre>`;
    else html += lines(part);
  }
  return html;
}
