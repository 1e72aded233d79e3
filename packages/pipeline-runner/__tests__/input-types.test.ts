import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMapping, isString } from '@actions/workflow-parser';
import { isStatic, staticValue, typeProblem, withTypeFindings } from '../src/input-types.js';
import { loadWorkflow, runPipeline, WorkflowError } from '../src/index.js';
import type { ReusableWorkflowJob } from '../src/workflow.js';

const PIPELINE = `on:
  workflow_call:
    inputs:
      count: { type: number, default: 2 }
      flag: { type: boolean, default: true }
      name: { type: string, default: x }
jobs:
  a:
    runs-on: ubuntu-latest
    steps: [{ run: echo }]
`;

async function callWith(lines: string): Promise<ReusableWorkflowJob> {
  const caller = await loadWorkflow(
    'caller.yml',
    `on: push\njobs:\n  call:\n    uses: ./.github/workflows/p.yml\n    with:\n${lines}\n`,
  );
  return caller.template.jobs[0] as ReusableWorkflowJob;
}

describe('GitHub acceptance of a with: value by declared type', () => {
  it.each([
    ['number', 120, true],
    ['number', '120', false],
    ['number', true, false],
    ['number', null, false],
    ['boolean', false, true],
    ['boolean', 'true', false],
    ['boolean', 0, false],
    ['string', 'x', true],
    ['string', 3.1, true], // GitHub turns it into its text
    ['string', true, true],
    ['string', null, false],
    ['string', ['a'], false],
  ] as const)('%s accepts %j: %s', (type, value, accepted) => {
    expect(typeProblem(type, value as never) === undefined).toBe(accepted);
  });
});

describe('static values', () => {
  it.each([
    ['120', true],
    ["fromJSON('120')", true],
    ["format('{0}-{1}', 'a', 1)", true],
    ['fromJSON(\'{"a":1}\').a', true],
    ["true && 'x'", true],
    ['vars.X', false],
    ["format('{0}', github.ref)", false],
    ["fromJSON(inputs.n || '1')", false],
    ["hashFiles('**')", false],
    ['success()', false],
    ['unknownFunction(1)', false],
  ])('%s is static: %s', (expression, expected) => expect(isStatic(expression)).toBe(expected));

  it('reads the YAML type of each literal, and evaluates static expressions', async () => {
    const job = await callWith(
      [
        '      a: 120',
        "      b: '120'",
        '      c: "true"',
        '      d: true',
        '      e: ${{ 5 }}',
        "      f: ${{ '5' }}",
        '      g: ${{ vars.N }}',
        '      h: n-${{ 1 }}',
        '      i: x ${{ github.ref }}',
        '      j:',
      ].join('\n'),
    );
    const values: Record<string, unknown> = {};
    const withToken = job['input-values'];
    if (!withToken || !isMapping(withToken)) throw new Error('no with:');
    for (const pair of withToken) if (isString(pair.key)) values[pair.key.value] = staticValue(pair.value)?.value;
    expect(values).toEqual({
      a: 120,
      b: '120',
      c: 'true',
      d: true,
      e: 5,
      f: '5',
      g: undefined,
      h: 'n-1',
      i: undefined,
      j: '',
    });
  });
});

describe('withTypeFindings', () => {
  it('names each refused input with its value and the declared type; dynamic values pass', async () => {
    const pipeline = await loadWorkflow('p.yml', PIPELINE);
    const job = await callWith(
      [
        "      count: '120'",
        "      flag: 'true'",
        '      name: 3.10',
        '      count2: 1', // not declared: the contract test's other check reports it
      ].join('\n'),
    );
    expect(withTypeFindings(job['input-values'], pipeline)).toEqual([
      { input: 'count', type: 'number', problem: expect.stringMatching(/^'120' \(a string\) is not a number/) },
      { input: 'flag', type: 'boolean', problem: expect.stringMatching(/^'true' \(a string\) is not a boolean/) },
    ]);
    const fine = await callWith(
      [
        '      count: ${{ fromJSON(vars.COUNT) }}',
        "      flag: ${{ github.event_name == 'push' }}",
        "      name: ${{ '120' }}",
      ].join('\n'),
    );
    expect(withTypeFindings(fine['input-values'], pipeline)).toEqual([]);
    const expressions = await callWith(
      ["      count: ${{ format('{0}', 1) }}", "      flag: ${{ 'x' && 1 }}"].join('\n'),
    );
    expect(withTypeFindings(expressions['input-values'], pipeline).map((f) => f.problem)).toEqual([
      expect.stringMatching(/^'1' \(a string\) is not a number/),
      expect.stringMatching(/^1 \(a number\) is not a boolean/),
    ]);
  });
});

describe('the local runner', () => {
  const temps: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  async function repoCalling(withLines: string, marker: string): Promise<string> {
    const repo = await mkdtemp(path.join(tmpdir(), 'input-types-'));
    temps.push(repo);
    await mkdir(path.join(repo, '.github/workflows'), { recursive: true });
    await writeFile(path.join(repo, '.github/workflows/pipeline.yml'), PIPELINE);
    await writeFile(
      path.join(repo, '.github/workflows/ci.yml'),
      `on: push
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - run: echo ran > '${marker}'
  pipeline:
    needs: [first]
    uses: ./.github/workflows/pipeline.yml
    with:
${withLines}
`,
    );
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'fixture');
    return repo;
  }

  it('refuses a quoted number for a number input before any job runs, naming file, input, value and type', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'input-types-out-'));
    temps.push(scratch);
    const marker = path.join(scratch, 'first-ran');
    const repo = await repoCalling("      count: '120'\n      flag: 'false'", marker);
    const log: string[] = [];
    const run = runPipeline({ repo, library: repo, reportDir: scratch, log: (l) => void log.push(l) });
    await expect(run).rejects.toThrow(WorkflowError);
    await expect(run).rejects.toThrow(
      ".github/workflows/ci.yml: with.count: '120' (a string) is not a number (write the number unquoted, " +
        'or fromJSON(...) in an expression); .github/workflows/pipeline.yml declares it type: number\n' +
        ".github/workflows/ci.yml: with.flag: 'false' (a string) is not a boolean",
    );
    expect(existsSync(marker)).toBe(false);
    expect(log).toEqual([]);
  });

  it('an unset configuration variable is an empty string, as on GitHub, so a string input accepts it', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'input-types-out-'));
    temps.push(scratch);
    const marker = path.join(scratch, 'first-ran');
    const repo = await repoCalling('      name: ${{ vars.NOT_SET_ANYWHERE }}', marker);
    const report = await runPipeline({ repo, library: repo, reportDir: scratch, log: () => undefined });
    expect(report.jobs.map((j) => [j.path, j.status])).toEqual([
      ['first', 'success'],
      ['pipeline/a', 'success'],
    ]);
    expect(existsSync(marker)).toBe(true);
  });

  it('refuses a value that turns out wrong once the caller evaluates it, when the call starts', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'input-types-out-'));
    temps.push(scratch);
    const marker = path.join(scratch, 'first-ran');
    const repo = await repoCalling('      count: ${{ github.event_name }}', marker);
    await expect(runPipeline({ repo, library: repo, reportDir: scratch, log: () => undefined })).rejects.toThrow(
      /^\.github\/workflows\/ci\.yml: with\.count: '\w+' \(a string\) is not a number/,
    );
  });
});
