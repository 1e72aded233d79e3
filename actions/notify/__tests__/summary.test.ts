import { describe, expect, it } from '@jest/globals';
import { renderSummary } from '../src/summary.js';

const secrets = ['xoxb-1234-secret-token'];

describe('renderSummary', () => {
  it.each([
    [
      { method: 'chat.postMessage' as const, ts: '1.000001', threadTs: '1.000001', channelId: 'C1' },
      '### Slack notification posted',
      '| success | Deploy | C1 | 1.000001 | 1.000001 | 4 |',
    ],
    [
      { method: 'chat.postMessage' as const, ts: '2.000002', threadTs: '1.000001', channelId: 'C1' },
      '### Slack notification replied in thread',
      '| success | Deploy | C1 | 2.000002 | 1.000001 | 4 |',
    ],
    [
      { method: 'chat.update' as const, ts: '1.000001', threadTs: '1.000001', channelId: 'C1' },
      '### Slack notification updated',
      '| success | Deploy | C1 | 1.000001 | 1.000001 | 4 |',
    ],
    [
      { method: 'webhook' as const },
      '### Slack notification posted through the incoming webhook',
      '| success | Deploy | (webhook channel) | (not returned by webhooks) |  | 4 |',
    ],
  ])('%j', (delivery, heading, row) => {
    const text = renderSummary({ status: 'success', title: 'Deploy', blocks: 4, delivery, secrets });
    expect(text).toContain(heading);
    expect(text).toContain(row);
  });

  it('says why nothing was sent, escaped, without secrets', () => {
    const text = renderSummary({
      status: 'failure',
      title: 'Deploy <x>',
      blocks: 3,
      problem: 'bad token xoxb-1234-secret-token | <b>',
      secrets,
    });
    expect(text).toContain('### Slack notification not sent');
    expect(text).toContain('title Deploy &lt;x&gt;');
    expect(text).toContain('> bad token *** \\| &lt;b&gt;');
    expect(text).not.toContain('secret-token');
  });
});
