/**
 * When the runner starts the local Slack stand-in, and what it hands notify:
 * one decision table over the channel, the token secret, the API-URL input
 * and provisioning, against pipeline.yml's real declarations; then the start
 * itself (a token only the stand-in accepts, masked; the URL; the transcript).
 */
import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretMasker } from '@pipeline/action-kit/protocol';
import type { Json } from '../src/expressions.js';
import { resolveInputs } from '../src/inputs.js';
import { localSlackDecision, provideLocalSlack, standInChannel } from '../src/provisioning/local-slack.js';
import type { SlackTranscript } from '../src/report-types.js';
import { loadWorkflow } from '../src/workflow.js';
import { Cleanups } from '../src/workspace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pipeline = async () =>
  loadWorkflow(
    '.github/workflows/pipeline.yml',
    await readFile(path.join(root, '.github/workflows/pipeline.yml'), 'utf8'),
  );

describe('starting the local Slack', () => {
  it.each<[string, Record<string, Json>, Record<string, string>, boolean, RegExp | undefined]>([
    [
      'a channel and the secret passed but empty',
      { 'slack-channel': '#deploys' },
      { SLACK_TOKEN: '' },
      true,
      undefined,
    ],
    ['no channel', {}, { SLACK_TOKEN: '' }, false, undefined],
    ['a blank channel', { 'slack-channel': '  ' }, { SLACK_TOKEN: '' }, false, undefined],
    ['a real token given', { 'slack-channel': '#deploys' }, { SLACK_TOKEN: 'xoxb-real' }, false, undefined],
    ['the caller does not pass SLACK_TOKEN', { 'slack-channel': '#deploys' }, {}, false, /passes no SLACK_TOKEN/],
    [
      "the caller's own API URL",
      { 'slack-channel': '#deploys', 'slack-api-url': 'https://proxy.example/api/' },
      { SLACK_TOKEN: '' },
      false,
      /set by the caller/,
    ],
  ])('%s', async (_name, withValues, secrets, start, note) => {
    const workflow = await pipeline();
    const inputs = resolveInputs(workflow, withValues, {}, 'caller.yml');
    const decision = localSlackDecision({ enabled: true, inputs, pipeline: workflow, secrets });
    expect(decision.start).toBe(start);
    if (!decision.start) {
      if (note) expect(decision.note).toMatch(note);
      else expect(decision.note).toBeUndefined();
    }
  });

  it('not with provisioning off, nor for a pipeline without the URL input', async () => {
    const workflow = await pipeline();
    const inputs = resolveInputs(workflow, { 'slack-channel': '#deploys' }, {}, 'caller.yml');
    expect(localSlackDecision({ enabled: false, inputs, pipeline: workflow, secrets: { SLACK_TOKEN: '' } })).toEqual({
      start: false,
    });
    const older = Object.fromEntries(Object.entries(inputs).filter(([name]) => name !== 'slack-api-url'));
    const decision = localSlackDecision({
      enabled: true,
      inputs: older,
      pipeline: workflow,
      secrets: { SLACK_TOKEN: '' },
    });
    expect(decision).toMatchObject({ start: false, note: expect.stringContaining('no slack-api-url input') });
  });

  it.each([
    ['#deploys', 'deploys', /^C[0-9A-F]{10}$/],
    ['deploys', 'deploys', /^C[0-9A-F]{10}$/],
    ['C0123ABCD9', 'c0123abcd9', /^C0123ABCD9$/],
  ])('channel %s', (given, name, id) => {
    const channel = standInChannel(given);
    expect(channel.name).toBe(name);
    expect(channel.id).toMatch(id);
    expect(standInChannel(given)).toEqual(channel);
  });

  it('hands notify a masked token for the stand-in and its URL, and fills the transcript when the run ends', async () => {
    const workflow = await pipeline();
    const inputs = resolveInputs(workflow, { 'slack-channel': '#deploys' }, {}, 'caller.yml');
    const secrets: Record<string, string> = { SLACK_TOKEN: '' };
    const masker = new SecretMasker();
    const cleanups = new Cleanups(() => undefined);
    const notes: string[] = [];
    let transcript: SlackTranscript | undefined;
    await provideLocalSlack({
      enabled: true,
      inputs,
      pipeline: workflow,
      secrets,
      masker,
      cleanups,
      notes,
      transcript: (t) => (transcript = t),
    });
    const token = secrets['SLACK_TOKEN'] ?? '';
    expect(token).toMatch(/^xoxb-local-[0-9a-f]{24}$/);
    expect(masker.mask(`token ${token}`)).toBe('token ***');
    const url = inputs['slack-api-url'] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    expect(notes.join('\n')).toContain(url);
    const post = async (auth: string) =>
      (await (
        await fetch(`${url}chat.postMessage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
          body: JSON.stringify({ channel: '#deploys', text: `hello ${token}` }),
        })
      ).json()) as { ok: boolean; error?: string };
    expect(await post('xoxb-guess')).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await post(token)).ok).toBe(true);
    await cleanups.runAll();
    expect(transcript?.events.map((e) => [e.kind, e.text])).toEqual([['post', 'hello ***']]);
    await expect(fetch(`${url}chat.postMessage`, { method: 'POST' })).rejects.toThrow();
  });
});
