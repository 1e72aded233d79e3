import { describe, expect, it } from '@jest/globals';
import { runContext } from '@pipeline/action-kit';
import { parseEslintJson } from '../src/checks/eslint.js';
import { longLines, matchesPatterns } from '../src/checks/line-length.js';
import { firstDifferentLine, parseListDifferent, parseSyntaxErrors } from '../src/checks/prettier.js';
import { parseTscOutput } from '../src/checks/typescript.js';
import { cacheKeys } from '../src/cache.js';
import { evaluateGate, gatedStatus, type CheckResult, type Finding } from '../src/findings.js';
import { summaryMarkdown, buildReport } from '../src/report.js';

const finding = (severity: Finding['severity']): Finding => ({
  tool: 'eslint',
  file: 'a.js',
  line: 1,
  severity,
  message: 'm',
});
const result = (status: CheckResult['status'], findings: Finding[] = []): CheckResult => ({
  check: 'eslint',
  status,
  findings,
  durationMs: 1,
});

describe('evaluateGate', () => {
  it.each([
    ['error', [finding('warning')], true],
    ['error', [finding('error')], false],
    ['warning', [finding('warning')], false],
    ['never', [finding('error')], true],
  ] as const)('fail-on %s with %j -> passed %s', (failOn, findings, passed) => {
    expect(evaluateGate([result('failed', [...findings])], failOn).passed).toBe(passed);
  });

  it('fails on a crash even with fail-on never', () => {
    const verdict = evaluateGate([result('crashed')], 'never');
    expect(verdict).toMatchObject({ passed: false, crashed: ['eslint'], reason: 'eslint crashed' });
  });
});

describe('gatedStatus: a row never says failed under a summary that passed', () => {
  it.each([
    ['error', 'failed', [finding('warning')], 'noted'],
    ['error', 'failed', [finding('error')], 'failed'],
    ['warning', 'failed', [finding('warning')], 'failed'],
    ['never', 'failed', [finding('error')], 'noted'],
    ['error', 'passed', [], 'passed'],
    ['error', 'crashed', [], 'crashed'],
  ] as const)('fail-on %s, %s with %j: %s', (failOn, status, findings, expected) => {
    expect(gatedStatus(result(status, [...findings]), failOn)).toBe(expected);
    const gate = evaluateGate([result(status, [...findings])], failOn);
    const markdown = summaryMarkdown(buildReport([result(status, [...findings])], gate, failOn));
    if (gate.passed) expect(markdown).not.toContain('❌');
  });
});

describe('tool output parsers', () => {
  it('parses tsc diagnostics with continuation lines and global errors', () => {
    const out = [
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      '  Extra detail.',
      'error TS5058: The specified path does not exist.',
    ].join('\n');
    expect(parseTscOutput(out, '/ws/pkg', '/ws', '/ws/pkg/tsconfig.json')).toEqual([
      {
        tool: 'typescript',
        file: 'pkg/src/a.ts',
        line: 3,
        column: 7,
        rule: 'TS2322',
        severity: 'error',
        message: "Type 'string' is not assignable to type 'number'.\nExtra detail.",
      },
      {
        tool: 'typescript',
        file: 'pkg/tsconfig.json',
        line: 1,
        rule: 'TS5058',
        severity: 'error',
        message: 'The specified path does not exist.',
      },
    ]);
  });

  it('parses ESLint JSON, including fatal parse errors', () => {
    const json = JSON.stringify([
      {
        filePath: '/ws/src/a.js',
        messages: [{ ruleId: 'semi', severity: 1, message: 'Missing semicolon.', line: 2, column: 5 }],
      },
      {
        filePath: '/ws/src/b.js',
        messages: [
          { ruleId: null, severity: 2, fatal: true, message: 'Parsing error: Unexpected token', line: 1, column: 9 },
        ],
      },
    ]);
    expect(parseEslintJson(json, '/ws', '/ws')).toEqual([
      {
        tool: 'eslint',
        file: 'src/a.js',
        line: 2,
        column: 5,
        rule: 'semi',
        severity: 'warning',
        message: 'Missing semicolon.',
      },
      {
        tool: 'eslint',
        file: 'src/b.js',
        line: 1,
        column: 9,
        rule: 'parse-error',
        severity: 'error',
        message: 'Parsing error: Unexpected token',
      },
    ]);
    expect(() => parseEslintJson('{"not":"eslint"}', '/ws', '/ws')).toThrow('not an array');
  });

  it('parses prettier output and locates the first difference', () => {
    expect(parseListDifferent('src/a.ts\n[warn] noise\nsrc/b.js\n')).toEqual(['src/a.ts', 'src/b.js']);
    expect(parseSyntaxErrors('[error] src/c.js: SyntaxError: Unexpected token (4:9)\n', '/ws', '/ws')).toEqual([
      {
        tool: 'prettier',
        file: 'src/c.js',
        line: 4,
        column: 9,
        rule: 'syntax-error',
        severity: 'error',
        message: 'SyntaxError: Unexpected token',
      },
    ]);
    expect(firstDifferentLine('a\nb\nc\n', 'a\nb\nC\n')).toBe(3);
    expect(firstDifferentLine('a\nb', 'a\nb\n')).toBe(3);
  });
});

describe('line length', () => {
  it.each([
    ['x'.repeat(80), 80, []],
    ['x'.repeat(81), 80, [{ line: 1, length: 81 }]],
    ['ok\n' + 'é'.repeat(81), 80, [{ line: 2, length: 81 }]],
    ['😀'.repeat(80), 80, []], // 160 UTF-16 units, 80 code points
    ['\t'.repeat(81), 80, [{ line: 1, length: 81 }]],
  ])('%#: limit %d', (text, max, expected) => expect(longLines(text, max)).toEqual(expected));

  it.each([
    ['src/a.ts', true],
    ['node_modules/x/a.ts', false],
    ['dist/index.js', false],
    ['src/gen/a.ts', false],
    ['README.md', false],
  ])('%s included: %s', (file, included) => {
    expect(matchesPatterns(file, ['**/*.{ts,js}', '!src/gen/**'])).toBe(included);
  });
});

describe('cache keys and summary', () => {
  it('keys caches on OS and config hash, saving under a unique run key', () => {
    expect(cacheKeys('abc', runContext({ RUNNER_OS: 'Linux', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '2' }))).toEqual({
      primary: 'pipeline-quality-v1-Linux-abc',
      restore: ['pipeline-quality-v1-Linux-abc-', 'pipeline-quality-v1-Linux-'],
      save: 'pipeline-quality-v1-Linux-abc-7-2',
    });
  });

  it('shows a per-tool table and escapes messages', () => {
    const results = [{ ...result('failed', [{ ...finding('error'), message: 'a | b <c>' }]) }];
    const md = summaryMarkdown(buildReport(results, evaluateGate(results, 'error'), 'error'));
    expect(md).toContain('| eslint | ❌ failed | 1 | 0 |');
    expect(md).toContain('a \\| b &lt;c&gt;');
  });
});
