/** File commands as actions/runner's FileCommandManager.cs reads them (on Linux). */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  addToPath,
  createFileCommandFiles,
  parseFileCommand,
  parsePathFile,
  prependedPath,
  readFileCommands,
} from '../src/protocol/index.js';

describe('GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE', () => {
  const rows: Array<[string, string, Record<string, string>]> = [
    ['name=value lines; the value keeps later = signs', 'a=1\nb=x=y\n', { a: '1', b: 'x=y' }],
    ['an empty value', 'empty=\n', { empty: '' }],
    ['blank lines are skipped', '\na=1\n\n\nb=2', { a: '1', b: '2' }],
    ['the later value of a name wins', 'a=1\na=2\n', { a: '2' }],
    ['heredoc without the last line break', 'h<<EOF\nl1\nl2\nEOF\n', { h: 'l1\nl2' }],
    ['heredoc at the end of the file without a line break', 'h<<EOF\nv\nEOF', { h: 'v' }],
    ['an empty heredoc', 'h<<EOF\nEOF\n', { h: '' }],
    ['a heredoc of one empty line is empty', 'h<<EOF\n\nEOF\n', { h: '' }],
    ['a heredoc keeps inner blank lines', 'h<<EOF\na\n\nEOF\n', { h: 'a\n' }],
    ['the delimiter must match the whole line', 'h<<EOF\n EOF\nEOFX\nEOF\n', { h: ' EOF\nEOFX' }],
    ['= before << makes a plain value', 'x=a<<b\n', { x: 'a<<b' }],
    ['<< before = makes a heredoc whose delimiter may hold =', 'x<<E=F\nv\nE=F\n', { x: 'v' }],
    ['on Linux only \\n ends a line: a \\r stays in the value', 'a=1\r\n', { a: '1\r' }],
    [
      'core-style delimiters',
      'report<<ghadelimiter_1\n{"a":1}\nsecond line\nghadelimiter_1\n',
      { report: '{"a":1}\nsecond line' },
    ],
  ];
  it.each(rows)('%s', (_rule, text, expected) => {
    expect(parseFileCommand(text)).toEqual(expected);
  });

  const errors: Array<[string, string, RegExp]> = [
    ['an empty name', '=v\n', /name before '=' is empty/],
    ['neither = nor <<', 'novalue\n', /expected name=value or name<<DELIMITER/],
    ['an empty heredoc name', '<<EOF\nv\nEOF\n', /must not be empty/],
    ['an empty delimiter', 'h<<\nv\n', /must not be empty/],
    ['a missing delimiter line', 'h<<EOF\nvalue\n', /Unterminated value for 'h'/],
    ['a delimiter with a \\r (CRLF file on Linux)', 'h<<EOF\nv\r\nEOF\r\n', /Unterminated/],
  ];
  it.each(errors)('rejects %s', (_rule, text, message) => {
    expect(() => parseFileCommand(text)).toThrow(message);
  });
});

describe('GITHUB_PATH', () => {
  it('reads one directory a line, any line ending, blank lines skipped', () => {
    expect(parsePathFile('/a\n\n/b\r\n/c\r/d')).toEqual(['/a', '/b', '/c', '/d']);
  });

  it('moves a directory added again to the end; the end comes first in PATH', () => {
    const prepend = addToPath(['/a', '/b'], ['/a', '/c']);
    expect(prepend).toEqual(['/b', '/a', '/c']);
    expect(prependedPath(prepend, '/usr/bin')).toBe(['/c', '/a', '/b', '/usr/bin'].join(path.delimiter));
    expect(prependedPath([], '/usr/bin')).toBe('/usr/bin');
    expect(prependedPath(['/x'], undefined)).toBe('/x');
  });
});

describe('readFileCommands', () => {
  it('reads all five files, blocks NODE_OPTIONS, and reports a bad file instead of throwing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'file-commands-'));
    try {
      const files = await createFileCommandFiles(dir);
      expect(path.basename(files.GITHUB_OUTPUT)).toMatch(/^set_output_[0-9a-f-]{36}$/);
      await writeFile(files.GITHUB_OUTPUT, 'ok=1\nbroken<<EOF\nnever closed\n');
      await writeFile(files.GITHUB_ENV, 'A=1\nnode_options=--inspect\n');
      await writeFile(files.GITHUB_STATE, 'pid=42\n');
      await writeFile(files.GITHUB_PATH, '/opt/tool/bin\n');
      await writeFile(files.GITHUB_STEP_SUMMARY, '# Done\n');
      const result = await readFileCommands(files);
      expect(result).toMatchObject({
        outputs: {},
        env: { A: '1' },
        state: { pid: '42' },
        path: ['/opt/tool/bin'],
        summary: '# Done\n',
        failed: true,
      });
      expect(result.errors).toEqual([
        expect.stringMatching(/^GITHUB_OUTPUT: Unterminated/),
        expect.stringMatching(/^GITHUB_ENV: node_options cannot be set/),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a summary over 1 MiB', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'file-commands-'));
    try {
      const files = await createFileCommandFiles(dir);
      await writeFile(files.GITHUB_STEP_SUMMARY, 'x'.repeat(1024 * 1024 + 1));
      const result = await readFileCommands(files);
      expect([result.summary, result.failed]).toEqual(['', false]);
      expect(result.errors).toEqual([
        expect.stringMatching(/^GITHUB_STEP_SUMMARY: 1048577 bytes is over the 1024k limit/),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
