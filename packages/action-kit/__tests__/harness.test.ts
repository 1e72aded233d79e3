import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  inputVariable,
  parseFileCommand,
  parseWorkflowCommands,
  requireOrSkip,
  runAction,
} from '../src/testing/index.js';

describe('runner file and workflow command parsing (the harness re-exports)', () => {
  it('parses simple and heredoc values as the runner writes them', () => {
    const text = 'passed=true\nreport<<ghadelimiter_1\n{"a":1}\nsecond line\nghadelimiter_1\nempty=\n';
    expect(parseFileCommand(text)).toEqual({ passed: 'true', report: '{"a":1}\nsecond line', empty: '' });
  });

  it('rejects an unterminated heredoc', () => {
    expect(() => parseFileCommand('x<<EOF\nvalue\n')).toThrow(/Unterminated/);
  });

  it('parses annotations with escaped properties and data', () => {
    const [command] = parseWorkflowCommands(
      'noise\n::error file=src/a%2Cb.ts,line=3,col=7,title=eslint%3A semi::Missing semicolon%0Asecond\n',
    );
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

// A JavaScript action written the way @actions/core writes its side of the protocol.
const ACTION_YML = `name: probe
runs:
  using: node24
  main: dist/index.js
inputs:
  repo:
    default: \${{ github.repository }}
  temp-dir:
    default: '\${{ runner.temp }}/probe'
  level:
    default: warning
  unset:
    description: no default
`;
const ACTION_JS = `
const fs = require('node:fs');
const env = process.env;
fs.appendFileSync(env.GITHUB_OUTPUT, 'repo=' + env.INPUT_REPO + '\\ninputs<<EOF\\n' + [env['INPUT_TEMP-DIR'], env.INPUT_LEVEL, JSON.stringify(env.INPUT_UNSET)].join('\\n') + '\\nEOF\\n');
fs.appendFileSync(env.GITHUB_PATH, '/opt/probe/bin\\n');
fs.appendFileSync(env.GITHUB_STEP_SUMMARY, '# probe\\n');
console.log('before the mask: tok-5150');
console.log('::add-mask::tok-5150');
console.log('after the mask: tok-5150 and ' + Buffer.from('tok-5150').toString('base64'));
console.error('::warning file=' + env.GITHUB_WORKSPACE + '/src/a.ts,line=2,col=3,endColumn=9,title=lint::from stderr');
console.log('::debug::hidden');
console.log('::error::failed with tok-5150');
process.exitCode = 1;
`;

describe('runAction (a real process through the protocol module)', () => {
  let actionDir = '';
  beforeAll(async () => {
    actionDir = await mkdtemp(path.join(tmpdir(), 'probe-action-'));
    await mkdir(path.join(actionDir, 'dist'));
    await writeFile(path.join(actionDir, 'action.yml'), ACTION_YML);
    await writeFile(path.join(actionDir, 'dist/index.js'), ACTION_JS);
  });
  afterAll(async () => rm(actionDir, { recursive: true, force: true }));

  it('evaluates ${{ }} defaults, reads file commands, and handles both streams as the runner does', async () => {
    const run = await runAction(actionDir, { inputs: { level: 'error' } });
    expect(run.exitCode).toBe(1);
    expect(run.conclusion).toBe('failure');
    const [temp, level, unset] = (run.outputs['inputs'] ?? '').split('\n');
    expect([run.outputs['repo'], level, unset]).toEqual(['example-org/example-repo', 'error', '""']);
    expect(temp).toMatch(/runner-temp\/probe$/);
    expect(run.paths).toEqual(['/opt/probe/bin']);
    expect(run.summary).toBe('# probe\n');
    expect(run.masks).toEqual(['tok-5150']);
    // stdout and stderr interleave in no fixed order, as on the runner.
    expect(run.annotations).toHaveLength(2);
    expect(run.annotations).toEqual(
      expect.arrayContaining([
        { level: 'warning', message: 'from stderr', file: 'src/a.ts', line: 2, column: 3, endColumn: 9, title: 'lint' },
        { level: 'error', message: 'failed with tok-5150' },
      ]),
    );
    expect(run.failure).toBe('failed with tok-5150');
    expect(run.log).toContain('##[error]failed with ***');
    // The log masks from the add-mask on (base64 too); a line printed before it leaks, as on GitHub.
    expect(run.log).toContain('before the mask: tok-5150');
    expect(run.log).toContain('after the mask: *** and ***');
    expect(run.log.join('\n')).not.toMatch(/hidden|add-mask/);
    expect(run.stdout).toContain('after the mask: tok-5150');
  });

  it('masks the secrets it is given from the start', async () => {
    const run = await runAction(actionDir, { secrets: ['tok-5150'] });
    expect(run.log).toContain('before the mask: ***');
  });

  it('rejects an input that action.yml does not declare', async () => {
    await expect(runAction(actionDir, { inputs: { levle: 'x' } })).rejects.toThrow(/Input 'levle' is not declared/);
  });
});

describe('requireOrSkip', () => {
  const need = { what: 'a Trivy binary', howToGet: 'run actions/security/scripts/install-trivy.sh' };

  it('answers true when the prerequisite is there', () => {
    expect(requireOrSkip({ ...need, available: true }, { CI: 'true' })).toBe(true);
  });

  it('skips when it is missing outside CI', () => {
    expect(requireOrSkip({ ...need, available: false }, {})).toBe(false);
  });

  it('fails under CI=true, naming what is missing and how to get it', () => {
    expect(() => requireOrSkip({ ...need, available: false }, { CI: 'true' })).toThrow(
      'CI=true but a Trivy binary is missing: run actions/security/scripts/install-trivy.sh',
    );
  });

  it('can be made mandatory by a variable of its own instead of CI', () => {
    const own = { ...need, available: false, requiredBy: 'REQUIRE_TRIVY' };
    expect(requireOrSkip(own, { CI: 'true' })).toBe(false);
    expect(() => requireOrSkip(own, { REQUIRE_TRIVY: '1' })).toThrow(/^REQUIRE_TRIVY=1 but a Trivy binary is missing/);
  });
});
