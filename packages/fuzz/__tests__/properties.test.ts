/** The property checks, on hand-made runs: each fails on what it must catch and holds on a clean run. */
import { describe, expect, it } from '@jest/globals';
import type { ActionRun } from '@pipeline/action-kit/testing';
import {
  bounded,
  exitCode,
  namesInput,
  noCrash,
  noInjection,
  noSecretLeak,
  normaliseFailure,
} from '../src/properties.js';
import { MARKER } from '../src/values.js';

function run(overrides: Partial<ActionRun> = {}): ActionRun {
  return {
    exitCode: 0,
    signal: null,
    durationMs: 500,
    outputs: {},
    state: {},
    exportedEnv: {},
    paths: [],
    summary: '',
    stdout: '',
    stderr: '',
    log: [],
    commands: [],
    annotations: [],
    masks: [],
    runnerErrors: [],
    runnerWarnings: [],
    conclusion: 'success',
    ...overrides,
  };
}

const properties = (violations: { property: string }[]): string[] => violations.map((v) => v.property);

describe('exit code, crashes and bounds', () => {
  it('accepts 0 and 1 and nothing else', () => {
    expect(exitCode(run(), 1000)).toEqual([]);
    expect(exitCode(run({ exitCode: 1 }), 1000)).toEqual([]);
    expect(properties(exitCode(run({ exitCode: 7 }), 1000))).toEqual(['exit-code']);
    expect(properties(exitCode(run({ exitCode: null, signal: 'SIGSEGV' }), 1000))).toEqual(['exit-code']);
  });

  it('finds a stack trace on either stream and an internal error as the message', () => {
    const trace = 'TypeError: x\n    at parse (file:///a/dist/index.js:1:2)\n';
    expect(properties(noCrash(run({ stderr: trace })))).toEqual(['no-crash']);
    expect(properties(noCrash(run({ failure: "Cannot read properties of undefined (reading 'find')" })))).toEqual([
      'no-crash',
    ]);
    expect(properties(noCrash(run({ failure: 'URIError: URI malformed' })))).toEqual(['no-crash']);
    const quoted =
      "the server did not answer like a Kubernetes API server (Cannot read properties of undefined (reading 'find')); check it";
    expect(noCrash(run({ failure: quoted }))).toEqual([]);
    expect(noCrash(run({ failure: 'Input \'url\' has an invalid value "x": expected an http URL.' }))).toEqual([]);
    expect(noCrash(run({ stdout: 'look at this\n  at the end of the line\n' }))).toEqual([]);
  });

  it('fails a run that was killed or took longer than the bound', () => {
    expect(bounded(run({ durationMs: 999 }), 1000)).toEqual([]);
    expect(properties(bounded(run({ durationMs: 1001 }), 1000))).toEqual(['bounded']);
    expect(properties(bounded(run({ signal: 'SIGKILL', exitCode: null, durationMs: 6000 }), 1000))).toEqual([
      'bounded',
    ]);
  });
});

describe('names-input', () => {
  const normalise = (s?: string): string => normaliseFailure(s, ['/tmp/case-1']);
  it('asks a new failure to name the input, and lets the baseline failure be', () => {
    const baseline = normalise('Gate failed: 2 errors in /tmp/case-1/ws');
    expect(
      namesInput(run({ exitCode: 1, failure: 'Gate failed: 3 errors in /tmp/case-1/ws' }), 'x', baseline, normalise),
    ).toEqual([]);
    expect(namesInput(run({ exitCode: 1, failure: "Input 'x' is bad" }), 'x', baseline, normalise)).toEqual([]);
    expect(properties(namesInput(run({ exitCode: 1, failure: 'fetch failed' }), 'x', baseline, normalise))).toEqual([
      'names-input',
    ]);
    expect(properties(namesInput(run({ exitCode: 1 }), 'x', baseline, normalise))).toEqual(['names-input']);
    expect(namesInput(run({ exitCode: 0, failure: 'fetch failed' }), 'x', baseline, normalise)).toEqual([]);
    // A failure about the answer of the server the value points at names that server instead.
    const value = 'http://127.0.0.1:4321/api/';
    const answer = run({ exitCode: 1, failure: 'POST http://127.0.0.1:4321/api/x: 429 Too Many Requests' });
    expect(namesInput(answer, 'registry', baseline, normalise, value)).toEqual([]);
    expect(properties(namesInput(answer, 'registry', baseline, normalise, 'http://127.0.0.1:9/'))).toEqual([
      'names-input',
    ]);
    // The baseline too failed without a message (its own test reports why): nothing new to blame on the input.
    expect(namesInput(run({ exitCode: 1 }), 'x', normalise(undefined), normalise)).toEqual([]);
  });
});

describe('no-injection', () => {
  it.each([
    [`::warning::${MARKER} from a file name`],
    [`::set-output name=x::y`],
    [`  ::add-mask::${MARKER}`],
    [`::stop-commands::${MARKER}stop`],
    [`some text ##[error]${MARKER} legacy`],
    [`::error file=${MARKER}.ts::x`],
  ])('finds %j on stdout', (line) => {
    expect(properties(noInjection(run({ stdout: `ok\n${line}\n` })))).toEqual(['no-injection']);
  });

  it("lets the action's own commands be, also when an escaped payload is their message", () => {
    const stdout = [
      '::group::Checks',
      `::error::Input 'title' has an invalid value "x%0A::warning::${MARKER}"`,
      '::add-mask::abc',
      '::stop-commands::a1b2c3d4e5',
      `::warning::${MARKER} printed while commands are stopped`,
      '::a1b2c3d4e5::',
      '::endgroup::',
    ].join('\n');
    expect(noInjection(run({ stdout }))).toEqual([]);
  });

  it('reads a lone CR as a line break, as the runner does', () => {
    expect(properties(noInjection(run({ stdout: `name\r::warning::${MARKER}` })))).toEqual(['no-injection']);
  });
});

describe('no-secret-leak', () => {
  const secret = { label: 'token', value: 'FzSecretValue0123456789+/ab' };
  it('looks at the log, the summary, every output and every file', () => {
    expect(noSecretLeak(run({ log: [`x ${secret.value}`] }), [], [secret])).toHaveLength(1);
    expect(noSecretLeak(run({ summary: Buffer.from(secret.value).toString('base64') }), [], [secret])).toHaveLength(1);
    expect(noSecretLeak(run({ outputs: { report: JSON.stringify(secret.value) } }), [], [secret])).toHaveLength(1);
    expect(
      noSecretLeak(run(), [{ path: '/ws/out.sarif', text: encodeURIComponent(secret.value) }], [secret]),
    ).toHaveLength(1);
    expect(noSecretLeak(run({ log: ['x ***'], summary: 'nothing' }), [], [secret])).toEqual([]);
  });
});
