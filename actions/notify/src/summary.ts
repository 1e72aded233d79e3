/** The job summary: what was sent where. Pure; main writes it through the kit's writeSummary. */
import { cell, markdownTable, redact } from '@pipeline/action-kit';
import type { Status } from './parse.js';
import type { Delivery } from './slack.js';

const ACTIONS: Readonly<Record<Delivery['method'], string>> = {
  'chat.postMessage': 'posted',
  'chat.update': 'updated',
  webhook: 'posted through the incoming webhook',
};

export interface SummaryInput {
  status: Status;
  title: string;
  blocks: number;
  delivery?: Delivery | undefined;
  /** Set when the message could not be sent (fail-on-error: false) or was skipped. */
  problem?: string | undefined;
  secrets: readonly string[];
}

export function renderSummary(input: SummaryInput): string {
  const lines: string[] = [];
  if (input.delivery) {
    const d = input.delivery;
    const action =
      d.method === 'chat.postMessage' && d.threadTs && d.threadTs !== d.ts ? 'replied in thread' : ACTIONS[d.method];
    lines.push(`### Slack notification ${action}`, '');
    lines.push(
      markdownTable(
        ['Status', 'Title', 'Channel', 'ts', 'Thread ts', 'Blocks'],
        [
          [
            input.status,
            input.title,
            d.channelId ?? '(webhook channel)',
            d.ts ?? '(not returned by webhooks)',
            d.threadTs ?? '',
            input.blocks,
          ],
        ],
      ),
    );
  } else {
    lines.push('### Slack notification not sent', '');
    lines.push(`Status **${cell(input.status)}**, title ${cell(input.title)}.`, '');
    if (input.problem) lines.push(`> ${cell(input.problem)}`);
  }
  return redact(lines.join('\n') + '\n', input.secrets);
}
