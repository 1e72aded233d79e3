/**
 * notify: build the Block Kit message for this status, send it (post,
 * update or thread reply through the Web API, or an incoming webhook), set
 * the outputs and write a short job summary.
 */
import * as core from '@actions/core';
import { ActionError, describeError, phase, redact, writeSummary } from '@pipeline/action-kit';
import { getInputs } from './inputs.js';
import type { Inputs } from './inputs.js';
import { buildMessage, displayTitle, resolveDuration } from './message.js';
import type { SlackMessage } from './message.js';
import { sendWithWebApi, sendWithWebhook, slackClients } from './slack.js';
import type { Delivery, Log, SlackClients } from './slack.js';
import { renderSummary } from './summary.js';

export async function main(clients: SlackClients = slackClients): Promise<void> {
  const inputs = getInputs();
  const run = inputs.run;
  const title = displayTitle({ title: inputs.title, run });

  const message = await phase('Build the Slack message', async () => {
    const durationMs = resolveDuration({
      durationMs: inputs.durationMs,
      messageTs: inputs.messageTs,
      nowMs: Date.now(),
    });
    const built = buildMessage({
      status: inputs.status,
      title: inputs.title,
      fields: inputs.fields,
      environment: inputs.environment,
      durationMs,
      mentions: inputs.mentions,
      run,
    });
    core.info(`Status ${inputs.status}: ${built.blocks.length} blocks, ${inputs.fields.length} fields.`);
    core.info(`Fallback text: ${built.text}`);
    core.debug(`Blocks: ${JSON.stringify(built.blocks)}`);
    return built;
  });

  const log: Log = {
    debug: (m) => core.debug(redact(m, inputs.secrets)),
    info: (m) => core.info(redact(m, inputs.secrets)),
  };
  let delivery: Delivery;
  try {
    delivery = await phase('Send to Slack', () => send(message, inputs, log, clients));
  } catch (error: unknown) {
    const problem = redact(describeError(error), inputs.secrets);
    if (inputs.failOnError) throw new ActionError(problem);
    core.warning(`${problem} (fail-on-error is false: the step goes on.)`);
    await writeSummary(() =>
      renderSummary({ status: inputs.status, title, blocks: message.blocks.length, problem, secrets: inputs.secrets }),
    );
    return;
  }

  if (delivery.ts !== undefined) core.setOutput('ts', delivery.ts);
  if (delivery.threadTs !== undefined) core.setOutput('thread-ts', delivery.threadTs);
  if (delivery.channelId !== undefined) core.setOutput('channel-id', delivery.channelId);
  core.info(describeDelivery(delivery));
  await writeSummary(() =>
    renderSummary({ status: inputs.status, title, blocks: message.blocks.length, delivery, secrets: inputs.secrets }),
  );
}

async function send(
  message: SlackMessage,
  inputs: Readonly<Inputs>,
  log: Log,
  clients: SlackClients,
): Promise<Delivery> {
  const destination = inputs.destination;
  switch (destination.kind) {
    case 'web-api':
      return sendWithWebApi(
        message,
        {
          token: destination.token,
          apiUrl: destination.apiUrl,
          channel: destination.channel,
          messageTs: inputs.messageTs,
          threadTs: inputs.threadTs,
          retries: inputs.retries,
          timeoutMs: inputs.timeoutMs,
        },
        log,
        clients,
      );
    case 'webhook':
      return sendWithWebhook(
        message,
        { url: destination.url, threadTs: inputs.threadTs, retries: inputs.retries, timeoutMs: inputs.timeoutMs },
        clients,
      );
    case 'none':
      throw new ActionError(
        'Neither slack-token nor webhook-url is set, so the message has nowhere to go. Fix: set slack-token (with channel) or webhook-url from a secret; secrets are empty in workflows started from forks.',
      );
  }
}

function describeDelivery(delivery: Delivery): string {
  switch (delivery.method) {
    case 'chat.update':
      return `Updated message ${delivery.ts ?? ''} in channel ${delivery.channelId ?? ''}.`;
    case 'chat.postMessage':
      return delivery.threadTs && delivery.threadTs !== delivery.ts
        ? `Replied in thread ${delivery.threadTs} of channel ${delivery.channelId ?? ''}: ts ${delivery.ts ?? ''}.`
        : `Posted message ${delivery.ts ?? ''} to channel ${delivery.channelId ?? ''}.`;
    case 'webhook':
      return 'Posted through the incoming webhook (webhooks return no ts).';
  }
}
