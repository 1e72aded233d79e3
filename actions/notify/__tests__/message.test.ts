import { describe, expect, it } from '@jest/globals';
import type { KnownBlock } from '@slack/types';
import { runFacts } from '../src/context.js';
import type { RunFacts } from '../src/context.js';
import {
  LIMITS,
  buildMessage,
  escapeMrkdwn,
  fieldText,
  fitEscaped,
  fitEscapedText,
  fitPlain,
  formatElapsed,
  mentionMarkup,
  resolveDuration,
} from '../src/message.js';
import type { MessageSpec } from '../src/message.js';
import type { Field, Mention, Status } from '../src/parse.js';
import { validateBlocks } from './helpers/fake-slack.js';

const run: RunFacts = runFacts({
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'example-org/example-repo',
  GITHUB_REF_NAME: 'main',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_ACTOR: 'octocat',
  GITHUB_RUN_ID: '42',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_WORKFLOW: 'deploy',
});

const spec = (overrides: Partial<MessageSpec> = {}): MessageSpec => ({
  status: 'success',
  title: 'Deploy example-service',
  fields: [],
  environment: 'production',
  mentions: [],
  run,
  ...overrides,
});

type TextObject = { type: string; text: string };
const headerText = (blocks: KnownBlock[]): string => (blocks[0] as { text: TextObject }).text.text;
const sectionText = (blocks: KnownBlock[]): string => (blocks[1] as { text: TextObject }).text.text;
const allFieldTexts = (blocks: KnownBlock[]): string[] =>
  blocks.flatMap((b) => (b.type === 'section' && 'fields' in b && b.fields ? b.fields.map((f) => f.text) : []));
const contextTexts = (blocks: KnownBlock[]): string[] => {
  const context = blocks.find((b) => b.type === 'context') as { elements: TextObject[] } | undefined;
  return context ? context.elements.map((e) => e.text) : [];
};

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['a & b', 'a &amp; b'],
    ['<!channel>', '&lt;!channel&gt;'],
    ['<@U123|x>', '&lt;@U123|x&gt;'],
    ['&amp; already', '&amp;amp; already'],
    ['"quotes" \\ back\\slash', '"quotes" \\ back\\slash'],
    ['emoji 🚀 :tada:', 'emoji 🚀 :tada:'],
    ['two\nlines', 'two\nlines'],
  ])('escapeMrkdwn(%j) = %j', (raw, escaped) => {
    expect(escapeMrkdwn(raw)).toBe(escaped);
  });
});

describe('truncation never breaks text', () => {
  it.each([
    // raw, max, expected
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven ch…'],
    ['a&b&c&d', 9, 'a&amp;b…'], // the next &amp; would not fit whole: stop before it
    ['<<<<', 8, '&lt;…'],
    ['🚀🚀🚀🚀', 5, '🚀🚀…'], // surrogate pairs are kept whole (2 code units each)
    ['🚀🚀🚀🚀', 4, '🚀…'],
  ])('fitEscaped(%j, %d) = %j', (raw, max, expected) => {
    const result = fitEscaped(raw, max);
    expect(result).toBe(expected);
    expect(result.length).toBeLessThanOrEqual(max);
  });

  it('cuts plain_text without escaping and escaped text without splitting entities', () => {
    expect(fitPlain('a<b>c', 4)).toBe('a<b…');
    expect(fitEscapedText('x&amp;y&lt;z', 7)).toBe('x&amp;…');
    expect(fitEscapedText('x&amp;y&lt;z', 6)).toBe('x…');
  });

  it('keeps a cut string free of lone surrogates', () => {
    const cut = fitEscaped('😀'.repeat(3000), LIMITS.fieldText);
    expect(cut.length).toBeLessThanOrEqual(LIMITS.fieldText);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(cut)).toBe(false);
  });
});

describe('mentions', () => {
  it.each<[Mention, string]>([
    [{ kind: 'user', id: 'U0123ABCD' }, '<@U0123ABCD>'],
    [{ kind: 'user', id: 'W0123ABCD' }, '<@W0123ABCD>'],
    [{ kind: 'group', id: 'S0123ABCD' }, '<!subteam^S0123ABCD>'],
    [{ kind: 'special', name: 'here' }, '<!here>'],
    [{ kind: 'special', name: 'channel' }, '<!channel>'],
  ])('%j renders as %s', (mention, markup) => {
    expect(mentionMarkup(mention)).toBe(markup);
  });

  const mentions: Mention[] = [
    { kind: 'special', name: 'here' },
    { kind: 'user', id: 'U0123ABCD' },
    { kind: 'group', id: 'S0123ABCD' },
  ];
  it.each<[Status, boolean]>([
    ['started', false],
    ['success', false],
    ['failure', true],
    ['cancelled', false],
    ['rolled-back', true],
  ])('status %s mentions: %s', (status, mentioned) => {
    const message = buildMessage(spec({ status, mentions }));
    const expected = '<!here> <@U0123ABCD> <!subteam^S0123ABCD>';
    expect(sectionText(message.blocks).includes(expected)).toBe(mentioned);
    expect(message.text.startsWith(expected)).toBe(mentioned);
  });
});

describe('templates per status', () => {
  it.each<[Status, string, string]>([
    ['started', ':hourglass_flowing_sand: Deploy example-service started', 'Started'],
    ['success', ':white_check_mark: Deploy example-service succeeded', 'Succeeded'],
    ['failure', ':x: Deploy example-service failed', 'Failed'],
    ['cancelled', ':no_entry_sign: Deploy example-service was cancelled', 'Cancelled'],
    ['rolled-back', ':rewind: Deploy example-service was rolled back', 'Rolled back'],
  ])('%s: header %j, status %j', (status, header, label) => {
    const message = buildMessage(spec({ status }));
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: header, emoji: true } });
    expect(sectionText(message.blocks)).toBe(`*Status:* ${label}`);
    expect(message.text).toBe(`${header} (example-org/example-repo@main 0123456)`);
    expect(validateBlocks(message.blocks)).toEqual([]);
  });

  it('puts repository, branch, linked short commit, actor, run, environment and duration in the context', () => {
    const message = buildMessage(spec({ durationMs: 252_000 }));
    expect(contextTexts(message.blocks)).toEqual([
      '*Repository:* <https://github.com/example-org/example-repo|example-org/example-repo>',
      '*Branch:* <https://github.com/example-org/example-repo/tree/main|main>',
      '*Commit:* <https://github.com/example-org/example-repo/commit/0123456789abcdef0123456789abcdef01234567|0123456>',
      '*By:* octocat',
      '*Run:* <https://github.com/example-org/example-repo/actions/runs/42/attempts/1|run 42>',
      '*Environment:* production',
      '*Duration:* 4m 12s',
    ]);
  });

  it('falls back to the workflow name, then the repository, for the title', () => {
    expect(headerText(buildMessage(spec({ title: '' })).blocks)).toBe(':white_check_mark: deploy succeeded');
    const bare = { ...run };
    delete bare.workflow;
    expect(headerText(buildMessage(spec({ title: '', run: bare })).blocks)).toBe(
      ':white_check_mark: example-org/example-repo succeeded',
    );
    expect(headerText(buildMessage(spec({ title: '', run: {} })).blocks)).toBe(':white_check_mark: Pipeline succeeded');
  });

  it('leaves out the context when the run tells nothing', () => {
    const message = buildMessage(spec({ run: {}, environment: '' }));
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(message.text).toBe(':white_check_mark: Deploy example-service succeeded');
  });
});

describe('user values are escaped and survive intact', () => {
  const tricky: Field[] = [
    ['inject', '<!channel> <@U999> <https://evil.example|click>'],
    ['amp', 'Q&A > 3 < 4'],
    ['quotes', `He said "ship it" and 'done'`],
    ['backslashes', 'C:\\path\\to\\file \\n not a newline'],
    ['emoji', '🚀 :tada: ✅'],
    ['multiline', 'line one\n  indented two\n\nafter a blank'],
    ['json-ish', '{"a": [1, "b"], "c": null}'],
  ];
  const message = buildMessage(spec({ fields: tricky, environment: 'prod & <staging>', title: 'Deploy <b> & "x"' }));

  it.each([
    ['inject', '*inject*\n&lt;!channel&gt; &lt;@U999&gt; &lt;https://evil.example|click&gt;'],
    ['amp', '*amp*\nQ&amp;A &gt; 3 &lt; 4'],
    ['quotes', `*quotes*\nHe said "ship it" and 'done'`],
    ['backslashes', '*backslashes*\nC:\\path\\to\\file \\n not a newline'],
    ['emoji', '*emoji*\n🚀 :tada: ✅'],
    ['multiline', '*multiline*\nline one\n  indented two\n\nafter a blank'],
    ['json-ish', '*json-ish*\n{"a": [1, "b"], "c": null}'],
  ])('field %s', (key, expected) => {
    expect(allFieldTexts(message.blocks)).toContain(expected);
  });

  it('escapes the environment and the fallback text, keeps the plain_text header literal', () => {
    expect(contextTexts(message.blocks)).toContain('*Environment:* prod &amp; &lt;staging&gt;');
    expect(message.text).toContain('Deploy &lt;b&gt; &amp; "x" succeeded');
    expect(headerText(message.blocks)).toBe(':white_check_mark: Deploy <b> & "x" succeeded');
  });

  it('survives a JSON round trip unchanged (objects, not templated strings)', () => {
    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  });

  it('escapes hostile branch and repository names in links', () => {
    const hostile = runFacts({
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_REF_NAME: 'feat/<!here>&x',
      GITHUB_SERVER_URL: 'https://github.com',
    });
    const texts = contextTexts(buildMessage(spec({ run: hostile, environment: '' })).blocks);
    expect(texts).toContain('*Branch:* <https://github.com/o/r/tree/feat/%3C!here%3E%26x|feat/&lt;!here&gt;&amp;x>');
  });
});

describe('Block Kit limits', () => {
  it('never exceeds 50 blocks, 10 fields per section or 2000 characters per field', () => {
    const fields: Field[] = Array.from({ length: 1000 }, (_, i) => [`key ${i}`, `value ${i} `.repeat(400)]);
    const message = buildMessage(spec({ fields }));
    expect(message.blocks.length).toBe(LIMITS.blocks);
    expect(validateBlocks(message.blocks)).toEqual([]);
    const texts = allFieldTexts(message.blocks);
    expect(texts.length).toBe(47 * 10);
    expect(texts.at(-1)).toBe('*…*\n_531 more fields not shown_');
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThanOrEqual(LIMITS.fieldText);
    expect(texts[0]?.endsWith('…')).toBe(true);
  });

  it.each([1, 9, 10, 11, 20, 21, 469, 470, 471])('%d fields fit without loss up to the capacity', (count) => {
    const fields: Field[] = Array.from({ length: count }, (_, i) => [`k${i}`, `v${i}`]);
    const message = buildMessage(spec({ fields }));
    expect(validateBlocks(message.blocks)).toEqual([]);
    const texts = allFieldTexts(message.blocks);
    if (count <= 470) expect(texts).toEqual(fields.map(([k, v]) => `*${k}*\n${v}`));
    else expect(texts.at(-1)).toBe(`*…*\n_${count - 469} more fields not shown_`);
  });

  it('cuts a 10,000 character escaped value to the field limit and a long title to the header limit', () => {
    const message = buildMessage(spec({ title: 'T'.repeat(500), fields: [['big', '<&>'.repeat(10_000)]] }));
    expect(validateBlocks(message.blocks)).toEqual([]);
    const header = headerText(message.blocks);
    expect(header.length).toBeLessThanOrEqual(LIMITS.headerText);
    expect(header.endsWith('… succeeded')).toBe(true);
    const [field] = allFieldTexts(message.blocks);
    expect(field?.length).toBeLessThanOrEqual(LIMITS.fieldText);
    expect(field).toMatch(/^\*big\*\n(&lt;&amp;&gt;)+(&lt;|&amp;)*…$/);
    expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
  });

  it('keeps mentions in a cut fallback text and whole mentions in the section', () => {
    const mentions: Mention[] = Array.from({ length: 400 }, (_, i) => ({
      kind: 'user',
      id: `U${String(i).padStart(8, '0')}`,
    }));
    const message = buildMessage(spec({ status: 'failure', mentions, title: 'x'.repeat(5000) }));
    expect(validateBlocks(message.blocks)).toEqual([]);
    expect(sectionText(message.blocks)).toMatch(/^\*Status:\* Failed\n\*Attention:\*( <@U\d{8}>)+$/);
    expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    expect(message.text.startsWith('<@U00000000> <@U00000001>')).toBe(true);
  });

  it('a field key is cut before the value is', () => {
    const text = fieldText('k'.repeat(400), 'value');
    expect(text).toBe(`*${'k'.repeat(LIMITS.fieldKey - 1)}…*\nvalue`);
  });
});

describe('durations', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [12_000, '12s'],
    [252_000, '4m 12s'],
    [3_900_000, '1h 05m'],
    [90_061_000, '25h 01m'],
  ])('formatElapsed(%d) = %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  const now = Date.parse('2026-01-01T12:00:00Z');
  const tsAgo = (seconds: number): string => `${now / 1000 - seconds}.000100`;
  it.each([
    [{ durationMs: 5000, messageTs: tsAgo(60) }, 5000],
    [{ messageTs: tsAgo(60) }, 59_999.9],
    [{}, undefined],
    [{ messageTs: tsAgo(-60) }, undefined], // a ts in the future is not a duration
    [{ messageTs: tsAgo(40 * 24 * 3600) }, undefined], // nor one from last month
  ])('resolveDuration(%j) = %s', (options, expected) => {
    const result = resolveDuration({ ...options, nowMs: now });
    if (expected === undefined) expect(result).toBeUndefined();
    else expect(result).toBeCloseTo(expected, 0);
  });
});
