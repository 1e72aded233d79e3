/**
 * mrkdwn and Block Kit to HTML as Slack shows them: Slack's escaping (the
 * sender's &amp; &lt; &gt; come back as characters, then everything is
 * HTML-escaped), markup tokens, styles, and each block type.
 */
import { describe, expect, it } from '@jest/globals';
import { blockToHtml, messageToHtml, mrkdwnToHtml, plainTextToHtml, transcriptToHtml } from '../src/index.js';
import type { SlackEvent } from '../src/index.js';

describe('mrkdwn to HTML', () => {
  it.each<[string, string, string]>([
    ['plain words', 'deploy done', 'deploy done'],
    ["Slack's escapes become characters, then HTML-escaped", 'a &amp; b &lt;c&gt;', 'a &amp; b &lt;c&gt;'],
    [
      'a typed tag never becomes HTML',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
    ],
    ['quotes are escaped', `say "hi" it's`, 'say &quot;hi&quot; it&#39;s'],
    ['bold', '*Status:* Failed', '<b>Status:</b> Failed'],
    ['italic and strike', '_gone_ ~old~', '<i>gone</i> <s>old</s>'],
    ['no style with a space inside the markers', '* not bold *', '* not bold *'],
    ['no style inside a word', 'snake_case_name', 'snake_case_name'],
    ['inline code is not styled', '`*x*` *y*', '<code>*x*</code> <b>y</b>'],
    ['preformatted', '```a *b*\n<c>```', '<pre>a *b*\n&lt;c&gt;</pre>'],
    [
      'a link with a label',
      '<https://example.com/a?b=1&amp;c=2|the run>',
      '<a href="https://example.com/a?b=1&amp;c=2">the run</a>',
    ],
    ['a bare link', '<https://example.com>', '<a href="https://example.com">https://example.com</a>'],
    ['an escaped label stays text', '<https://x.test|a &lt;b&gt;>', '<a href="https://x.test">a &lt;b&gt;</a>'],
    ['a javascript: URL is not a link', '<javascript:alert(1)|click>', 'click'],
    ['a user mention', '<@U0123ABCD>', '<span class="slack-mention">@U0123ABCD</span>'],
    ['a group mention', '<!subteam^S0123ABCD>', '<span class="slack-mention">@S0123ABCD</span>'],
    ['a special mention', '<!here>', '<span class="slack-mention">@here</span>'],
    ['a channel with its name', '<#C0123|deploys>', '<span class="slack-mention">#deploys</span>'],
    ['known emoji', ':white_check_mark: ok :no_such_emoji:', '✅ ok :no_such_emoji:'],
    ['new lines', 'a\nb', 'a<br>b'],
    ['a quote line', '> quoted\nnot', '<blockquote>quoted</blockquote><br>not'],
    ['an escaped > at the start is text', '&gt; not a quote', '&gt; not a quote'],
  ])('%s', (_name, input, html) => expect(mrkdwnToHtml(input)).toBe(html));

  it('plain_text is shown as written: no markup, no entities decoded', () => {
    expect(plainTextToHtml(':x: *a* &amp; <b>', true)).toBe('❌ *a* &amp;amp; &lt;b&gt;');
    expect(plainTextToHtml(':x:', false)).toBe(':x:');
  });
});

describe('blocks to HTML', () => {
  it.each<[string, unknown, string]>([
    [
      'header',
      { type: 'header', text: { type: 'plain_text', text: ':x: App failed', emoji: true } },
      '<div class="slack-header">❌ App failed</div>',
    ],
    [
      'section with text',
      { type: 'section', text: { type: 'mrkdwn', text: '*Status:* Failed' } },
      '<div class="slack-section"><div class="slack-section-body"><div class="slack-text"><b>Status:</b> Failed</div></div></div>',
    ],
    [
      'section with fields',
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*test*\nfailure' },
          { type: 'plain_text', text: 'x' },
        ],
      },
      '<div class="slack-section"><div class="slack-section-body"><div class="slack-fields"><div class="slack-field"><b>test</b><br>failure</div><div class="slack-field">x</div></div></div></div>',
    ],
    [
      'context',
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: '*By:* ann' },
          { type: 'mrkdwn', text: 'b' },
        ],
      },
      '<div class="slack-context"><span class="slack-context-item"><b>By:</b> ann</span><span class="slack-context-item">b</span></div>',
    ],
    [
      'actions with buttons',
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open run' },
            url: 'https://example.com/run/1',
            style: 'primary',
          },
          { type: 'button', text: { type: 'plain_text', text: 'Roll back' }, style: 'danger', value: 'r' },
          { type: 'button', text: { type: 'plain_text', text: 'Bad' }, url: 'javascript:alert(1)' },
        ],
      },
      '<div class="slack-actions"><a class="slack-button slack-button-primary" href="https://example.com/run/1">Open run</a><span class="slack-button slack-button-danger">Roll back</span><span class="slack-button">Bad</span></div>',
    ],
    ['divider', { type: 'divider' }, '<hr class="slack-divider">'],
    ['unknown', { type: 'video' }, '<div class="slack-unknown">unsupported block &quot;video&quot;</div>'],
  ])('%s', (_name, block, html) => expect(blockToHtml(block)).toBe(html));

  it('a message without blocks shows its text as mrkdwn', () => {
    expect(messageToHtml({ text: '*hi* &lt;you&gt;', blocks: [] })).toBe(
      '<div class="slack-message"><div class="slack-text"><b>hi</b> &lt;you&gt;</div></div>',
    );
  });

  it('a transcript lists posts, updates and replies in order, replies marked', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const events: SlackEvent[] = [
      { kind: 'post', channel: 'C1', ts: '1.000001', text: 'started', blocks: [], at },
      { kind: 'update', channel: 'C1', ts: '1.000001', text: 'failed', blocks: [], at },
      { kind: 'reply', channel: 'C1', ts: '2.000002', threadTs: '1.000001', text: 'alert', blocks: [], at },
    ];
    const html = transcriptToHtml(events, (id) => (id === 'C1' ? '#deploys' : id));
    const order = [
      'chat.postMessage to #deploys',
      'chat.update of ts <code>1.000001</code>',
      'in the thread of ts <code>1.000001</code>',
    ];
    const positions = order.map((s) => html.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain('class="slack-event slack-event-reply"');
    expect(transcriptToHtml([])).toContain('No Slack messages');
  });
});
