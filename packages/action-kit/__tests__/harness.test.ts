import { describe, expect, it } from '@jest/globals';
import { inputVariable, parseFileCommand, parseWorkflowCommands } from '../src/testing/index.js';

describe('runner file and workflow command parsing', () => {
  it('parses simple and heredoc values as the runner writes them', () => {
    const text = 'passed=true\nreport<<ghadelimiter_1\n{"a":1}\nsecond line\nghadelimiter_1\nempty=\n';
    expect(parseFileCommand(text)).toEqual({ passed: 'true', report: '{"a":1}\nsecond line', empty: '' });
  });

  it('rejects an unterminated heredoc', () => {
    expect(() => parseFileCommand('x<<EOF\nvalue\n')).toThrow(/Unterminated/);
  });

  it('parses annotations with escaped properties and data', () => {
    const [command] = parseWorkflowCommands('noise\n::error file=src/a%2Cb.ts,line=3,col=7,title=eslint%3A semi::Missing semicolon%0Asecond\n');
    expect(command).toEqual({
      command: 'error',
      properties: { file: 'src/a,b.ts', line: '3', col: '7', title: 'eslint: semi' },
      message: 'Missing semicolon\nsecond',
    });
  });

  it('maps input names like the runner', () => {
    expect(inputVariable('working-directory')).toBe('INPUT_WORKING-DIRECTORY');
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT');
  });
});
