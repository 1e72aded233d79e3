/**
 * The report's "Slack messages" section: what notify posted to the local
 * Slack stand-in, in order (the start post, each update, thread replies), as
 * a list in the Markdown report and as Slack would render each message in
 * the HTML one.
 */
import { eventTitle, messageText, SLACK_CSS, transcriptToHtml, withEmoji } from '@pipeline/local-slack';
import type { RunReport, SlackTranscript } from './report-types.js';

export const SLACK_HEADING = '## Slack messages';

const namer =
  (slack: SlackTranscript) =>
  (id: string): string => {
    const channel = slack.channels.find((c) => c.id === id);
    return channel ? `#${channel.name} (${id})` : id;
  };

const inline = (text: string): string => text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_[\]<>|])/g, '\\$1');

export function slackMarkdown(report: RunReport): string[] {
  const slack = report.slack;
  if (!slack) return [];
  const name = namer(slack);
  const lines = [SLACK_HEADING, '', `Posted to the local Slack stand-in at \`${slack.apiUrl}\`, in order:`, ''];
  if (slack.events.length === 0) lines.push('No message was posted.');
  slack.events.forEach((event, i) =>
    lines.push(`${i + 1}. ${inline(eventTitle(event, name))}: ${inline(withEmoji(messageText(event)))}`),
  );
  return [...lines, ''];
}

export function slackHtml(report: RunReport): string {
  const slack = report.slack;
  if (!slack) return '';
  return `<section class="slack"><h2>Slack messages</h2><p>As Slack would show them, in order (local stand-in at <code>${slack.apiUrl.replace(/[<>&"]/g, '')}</code>):</p>${transcriptToHtml(slack.events, namer(slack))}</section>`;
}

export const SLACK_REPORT_CSS = SLACK_CSS;
