/**
 * A local, Slack-faithful Web API and webhook endpoint (./server.ts), the
 * Block Kit rules it enforces (./blocks.ts), and Block Kit / mrkdwn to HTML
 * as Slack shows it (./render.ts, ./mrkdwn.ts).
 */
export { BLOCK_LIMITS, validateBlocks } from './blocks.js';
export { LocalSlack } from './server.js';
export type {
  Answer,
  LocalSlackOptions,
  Params,
  RecordedRequest,
  SlackChannel,
  SlackEvent,
  StoredMessage,
} from './server.js';
export { escapeHtml, mrkdwnToHtml, plainTextToHtml, unescapeSlack, withEmoji } from './mrkdwn.js';
export {
  blockToHtml,
  eventTitle,
  messageText,
  messageToHtml,
  SLACK_CSS,
  textObjectToHtml,
  transcriptToHtml,
} from './render.js';
