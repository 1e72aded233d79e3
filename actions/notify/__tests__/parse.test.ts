import { describe, expect, it } from '@jest/globals';
import { runFacts } from '../src/context.js';
import { parseFields, parseMentions, parseMessageTs } from '../src/parse.js';

describe('parseFields', () => {
  it.each<[string, [string, string][]]>([
    ['', []],
    ['version=1.4.2', [['version', '1.4.2']]],
    [
      'a=1\n\n# comment\nb = two words ',
      [
        ['a', '1'],
        ['b', 'two words'],
      ],
    ],
    ['url=https://x.example/?a=1&b=2', [['url', 'https://x.example/?a=1&b=2']]],
    ['empty=', [['empty', '']]],
    ['notes<<EOF\nline one\n  indented\n\nEOF', [['notes', 'line one\n  indented\n']]],
    [
      'a=1\nlog<<END\n<b> & "q" \\ 🚀\nEND\nz=26',
      [
        ['a', '1'],
        ['log', '<b> & "q" \\ 🚀'],
        ['z', '26'],
      ],
    ],
    [
      'crlf=1\r\nnext=2\r\n',
      [
        ['crlf', '1'],
        ['next', '2'],
      ],
    ],
    ['expr=a<<b=c', [['expr', 'a<<b=c']]], // "=" first: a plain pair, not a heredoc
  ])('%j', (raw, expected) => {
    expect(parseFields('fields', raw)).toEqual(expected);
  });

  it.each([
    ['no equals sign', /Input 'fields' has an invalid value "no equals sign": expected one key=value pair per line/],
    ['=value', /expected one key=value pair per line, with a non-empty key/],
    ['a=1\na=2', /each key once \(key 'a' appears twice\)/],
    ['a=1\na<<EOF\nx\nEOF', /each key once \(key 'a' appears twice\)/],
    [
      'notes<<EOF\nnever closed',
      /Input 'fields' has an invalid value "notes<<EOF": expected a line 'EOF' that ends the multi-line value of 'notes'/,
    ],
  ])('rejects %j', (raw, message) => {
    expect(() => parseFields('fields', raw)).toThrow(message);
  });
});

describe('parseMentions', () => {
  it('reads users, groups and here/channel in any separator, once each', () => {
    expect(parseMentions('mention-on-failure', 'U0123ABCD, S0456EFGH\n@here\n!channel, W0789IJKL, U0123ABCD')).toEqual([
      { kind: 'user', id: 'U0123ABCD' },
      { kind: 'group', id: 'S0456EFGH' },
      { kind: 'special', name: 'here' },
      { kind: 'special', name: 'channel' },
      { kind: 'user', id: 'W0789IJKL' },
    ]);
    expect(parseMentions('mention-on-failure', '')).toEqual([]);
  });

  it.each(['@octocat', 'everyone', 'u0123abcd', '<@U0123>', 'C0123ABCD'])(
    'rejects %j naming the input and what is accepted',
    (value) => {
      expect(() => parseMentions('mention-on-failure', value)).toThrow(
        `Input 'mention-on-failure' has an invalid value ${JSON.stringify(value)}: expected Slack user IDs (U0123ABCD or W0123ABCD), user group IDs (S0123ABCD), here or channel`,
      );
    },
  );
});

describe('parseMessageTs', () => {
  it.each([
    ['', undefined],
    ['  ', undefined],
    ['1712345678.123456', '1712345678.123456'],
    [' 1712345678.000100 ', '1712345678.000100'],
  ])('%j -> %j', (raw, expected) => {
    expect(parseMessageTs('message-ts', raw)).toBe(expected);
  });

  it.each(['1712345678', 'abc', '1712345678.12.3', '${{ steps.start.outputs.ts }}'])('rejects %j', (raw) => {
    expect(() => parseMessageTs('thread-ts', raw)).toThrow(
      /Input 'thread-ts' has an invalid value .*: expected a Slack message ts such as 1712345678.123456/,
    );
  });
});

describe('runFacts', () => {
  it.each<[Record<string, string>, Record<string, string>]>([
    [{}, {}],
    [
      {
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_REF_NAME: 'main',
        GITHUB_SHA: 'abc1234def',
        GITHUB_RUN_ID: '7',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_ACTOR: 'me',
      },
      {
        repository: 'o/r',
        repositoryUrl: 'https://github.com/o/r',
        branch: 'main',
        branchUrl: 'https://github.com/o/r/tree/main',
        sha: 'abc1234def',
        commitUrl: 'https://github.com/o/r/commit/abc1234def',
        actor: 'me',
        runUrl: 'https://github.com/o/r/actions/runs/7/attempts/1',
        runLabel: 'run 7',
      },
    ],
    [
      {
        GITHUB_SERVER_URL: 'https://ghe.example/',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_HEAD_REF: 'feature/x y',
        GITHUB_REF_NAME: '12/merge',
        GITHUB_RUN_ID: '9',
        GITHUB_RUN_ATTEMPT: '3',
      },
      {
        repository: 'o/r',
        repositoryUrl: 'https://ghe.example/o/r',
        branch: 'feature/x y',
        branchUrl: 'https://ghe.example/o/r/tree/feature/x%20y',
        runUrl: 'https://ghe.example/o/r/actions/runs/9/attempts/3',
        runLabel: 'run 9 (attempt 3)',
      },
    ],
    [{ GITHUB_REF: 'refs/tags/v1.2.3' }, { branch: 'v1.2.3' }],
  ])('%j', (env, expected) => {
    expect(runFacts(env)).toEqual(expected);
  });
});
