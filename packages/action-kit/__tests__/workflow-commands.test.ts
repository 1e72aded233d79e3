/** Workflow commands as actions/runner's ActionCommand.cs and ActionCommandManager.cs read them. */
import { describe, expect, it } from '@jest/globals';
import {
  CommandReader,
  LineSplitter,
  SecretMasker,
  StepOutput,
  formatWorkflowCommand,
  parseWorkflowCommand,
  parseWorkflowCommands,
  property,
  toAnnotation,
  validatePosition,
  type WorkflowCommand,
} from '../src/protocol/index.js';

describe('parseWorkflowCommand', () => {
  const rows: Array<[string, string, WorkflowCommand | undefined]> = [
    [
      'properties and message',
      '::error file=a.ts,line=3::msg',
      { command: 'error', properties: { file: 'a.ts', line: '3' }, message: 'msg' },
    ],
    [
      'leading blanks are allowed',
      '   ::warning::indented',
      { command: 'warning', properties: {}, message: 'indented' },
    ],
    ['names are case-insensitive', '::ERROR::upper', { command: 'error', properties: {}, message: 'upper' }],
    ['unknown names are plain output', '::unknown::x', undefined],
    ['text before :: is plain output', 'echo ::error::x', undefined],
    [
      'only the first :: after the name ends the info',
      '::error::a::b',
      { command: 'error', properties: {}, message: 'a::b' },
    ],
    [
      'property and data escapes',
      '::error file=a%2Cb.ts,title=x%3Ay%25::m%0Aline%0D%25',
      { command: 'error', properties: { file: 'a,b.ts', title: 'x:y%' }, message: 'm\nline\r%' },
    ],
    ['%25 is undone last', '::notice::%250A', { command: 'notice', properties: {}, message: '%0A' }],
    [
      'pairs without key or value are dropped',
      '::error k=,=v,line=2::m',
      { command: 'error', properties: { line: '2' }, message: 'm' },
    ],
    [
      'a value keeps later = signs',
      '::set-output name=a=b::v',
      { command: 'set-output', properties: { name: 'a=b' }, message: 'v' },
    ],
    [
      'the legacy ##[ form, anywhere in the line',
      'x ##[warning file=a.ts;line=2]legacy%3Bx%5D',
      { command: 'warning', properties: { file: 'a.ts', line: '2' }, message: 'legacy;x]' },
    ],
    ['legacy form of group', '##[group]Title', { command: 'group', properties: {}, message: 'Title' }],
    ['no closing ::', '::error', undefined],
  ];
  it.each(rows)('%s', (_rule, line, expected) => {
    expect(parseWorkflowCommand(line)).toEqual(expected);
  });

  it('reads properties case-insensitively, as the runner does', () => {
    const command = parseWorkflowCommand('::error File=x.ts,LINE=4::m') as WorkflowCommand;
    expect([property(command, 'file'), property(command, 'line')]).toEqual(['x.ts', '4']);
  });

  it('formats commands so that untrusted text cannot end or start one', () => {
    const line = formatWorkflowCommand('error', { file: 'a,b:c.ts', line: 3 }, 'bad\n::add-mask::x 100%');
    expect(line).toBe('::error file=a%2Cb%3Ac.ts,line=3::bad%0A::add-mask::x 100%25');
    expect(parseWorkflowCommands(line)).toEqual([
      { command: 'error', properties: { file: 'a,b:c.ts', line: '3' }, message: 'bad\n::add-mask::x 100%' },
    ]);
  });
});

describe('stop-commands', () => {
  it('ignores commands until the token, then resumes', () => {
    const text = ['::stop-commands::pause-123', '::error::ignored', '::pause-123::', '::error::counted'].join('\n');
    expect(parseWorkflowCommands(text).map((c) => `${c.command}:${c.message}`)).toEqual([
      'stop-commands:pause-123',
      'error:counted',
    ]);
  });

  it.each(['', 'error', 'pause-logging', 'Add-Mask'])('refuses the token %j', (token) => {
    expect(new CommandReader().read(`::stop-commands::${token}`)).toEqual({ kind: 'invalid-stop', token });
    expect(new CommandReader({ allowUnsecureStopTokens: true }).read(`::stop-commands::${token}`)).toEqual({
      kind: 'stop',
      token,
    });
  });
});

describe('annotation positions (ValidateLinesAndColumns)', () => {
  const rows: Array<[string, Record<string, string>, Record<string, number>]> = [
    ['line and column kept', { line: '3', col: '7' }, { line: 3, column: 7 }],
    [
      'a full range on one line kept',
      { line: '2', endLine: '2', col: '1', endColumn: '9' },
      { line: 2, endLine: 2, column: 1, endColumn: 9 },
    ],
    ['endLine alone becomes the line too', { endLine: '5' }, { line: 5, endLine: 5 }],
    ['endColumn alone becomes the column too', { line: '2', endColumn: '4' }, { line: 2, column: 4, endColumn: 4 }],
    ['columns without a line are dropped', { col: '2', endColumn: '3' }, {}],
    [
      'columns across several lines are dropped',
      { line: '1', endLine: '3', col: '2', endColumn: '4' },
      { line: 1, endLine: 3 },
    ],
    ['an endLine before the line drops both', { line: '5', endLine: '3' }, {}],
    ['an endColumn before the column drops both', { line: '2', col: '9', endColumn: '4' }, { line: 2 }],
    ['a line that is not a number is left out', { line: 'x' }, {}],
  ];
  it.each(rows)('%s', (_rule, properties, expected) => {
    expect(toAnnotation({ command: 'error', properties, message: 'm' })).toEqual({
      level: 'error',
      message: 'm',
      ...expected,
    });
    expect(validatePosition({})).toEqual({});
  });

  it('makes files inside the workspace relative, with / separators, and keeps others', () => {
    const at = (file: string): string | undefined =>
      toAnnotation({ command: 'warning', properties: { file }, message: 'm' }, '/w').file;
    expect([at('/w/src/a.ts'), at('/other/a.ts'), at('src/b.ts')]).toEqual(['src/a.ts', '/other/a.ts', 'src/b.ts']);
  });

  it('cuts messages at 4096 characters, with the title kept', () => {
    const annotation = toAnnotation({ command: 'notice', properties: { title: 'T' }, message: 'x'.repeat(5000) });
    expect([annotation.message.length, annotation.title]).toEqual([4096, 'T']);
  });
});

describe('StepOutput', () => {
  const process = (
    lines: string[],
    env: Record<string, string> = {},
    debug = false,
  ): { step: StepOutput; log: string[] } => {
    const step = new StepOutput({ masker: new SecretMasker(), workspace: '/w', env, debug });
    return { step, log: lines.flatMap((line) => step.line(line)) };
  };

  it('masks from the moment of ::add-mask::, not before (a leak before it stays visible)', () => {
    const { step, log } = process([
      'early tok-9876',
      '::add-mask::tok-9876',
      'late tok-9876',
      '::error file=/w/a.ts,line=1::bad tok-9876',
    ]);
    expect(log).toEqual(['early tok-9876', 'late ***', '##[error]bad ***']);
    expect(step.masks).toEqual(['tok-9876']);
    expect(step.annotations).toEqual([{ level: 'error', message: 'bad ***', file: 'a.ts', line: 1 }]);
  });

  it('hides ::debug:: unless step debugging is on, and shows groups', () => {
    expect(process(['::debug::d', '::group::G', 'x', '::endgroup::']).log).toEqual(['##[group]G', 'x', '##[endgroup]']);
    expect(process(['::debug::d'], {}, true).log).toEqual(['##[debug]d']);
  });

  it('still honours the deprecated set-output and save-state', () => {
    const { step } = process(['::set-output name=a::1', '::save-state name=s::2']);
    expect([step.outputs, step.state, step.failed]).toEqual([{ a: '1' }, { s: '2' }, false]);
  });

  it('fails the step on set-output without a name', () => {
    const { step } = process(['::set-output::1']);
    expect(step.failed).toBe(true);
    expect(step.errors[0]).toMatch(/set-output: the 'name' property is missing/);
  });

  it('refuses set-env and add-path unless ACTIONS_ALLOW_UNSECURE_COMMANDS=true', () => {
    const refused = process(['::set-env name=A::1', '::add-path::/bin/x']).step;
    expect([refused.env, refused.path, refused.failed]).toEqual([{}, [], true]);
    const allowed = process(['::set-env name=A::1', '::set-env name=NODE_OPTIONS::--x', '::add-path::/bin/x'], {
      ACTIONS_ALLOW_UNSECURE_COMMANDS: 'true',
    }).step;
    expect([allowed.env, allowed.path, allowed.failed]).toEqual([{ A: '1' }, ['/bin/x'], false]);
    expect(allowed.errors).toEqual(['set-env: NODE_OPTIONS cannot be set by a step']);
  });

  it('masks a stop token longer than 6 characters and shows the stop and resume lines', () => {
    const { log } = process(['::stop-commands::resume-me-now', '::error::not a command', '::resume-me-now::']);
    expect(log).toEqual(['::stop-commands::***', '::error::not a command', '::***::']);
  });

  it('echoes commands after ::echo::on', () => {
    expect(process(['::echo::on', '::set-output name=a::1', '::add-mask::abc']).log).toEqual([
      '::set-output name=a::1',
      '::add-mask::***',
    ]);
  });

  it('warns about a blank ::add-mask::', () => {
    const { step } = process(['::add-mask::  ']);
    expect([step.masks, step.warnings.length]).toEqual([[], 1]);
  });
});

describe('LineSplitter', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, also across chunks', () => {
    const splitter = new LineSplitter();
    const lines = [...splitter.push('a\r'), ...splitter.push('\nb\rc'), ...splitter.push('d\n\ne'), ...splitter.end()];
    expect(lines).toEqual(['a', 'b', 'cd', '', 'e']);
  });
});
