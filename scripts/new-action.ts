/**
 * Scaffolds a new pipeline stage in the shape every action here has:
 * actions/<name>/ with action.yml (node24), package.json, src/index.ts
 * (`void run(main)`), src/inputs.ts (a pure `parseInputs(read, env)` and the
 * one-line `getInputs()`, the only reader of inputs), src/main.ts (I/O behind
 * a Dependencies interface, one phase, outputs, a job summary, errors
 * thrown), table tests for the inputs and the logic (with a fake for the
 * I/O), an end-to-end test through the runner-faithful harness, and a README.
 * It builds and its tests pass at once.
 *
 *   node scripts/new-action.ts <name> [--description "..."] [--root <dir>]
 *
 * Then: `flock /tmp/npm.lock npm install` (adds the workspace to the lockfile),
 * `node scripts/build-actions.ts actions/<name>`, run its tests, commit.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface ScaffoldOptions {
  /** Repository root (actions/ is created under it). */
  root: string;
  name: string;
  description?: string;
}

/** The files of a new action, by path relative to actions/<name>/. */
export function actionFiles(name: string, description: string, coreVersion: string): Record<string, string> {
  const title = name
    .split('-')
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join(' ');
  return {
    'action.yml': `name: ${title}
description: ${JSON.stringify(description)}
inputs:
  working-directory:
    description: Directory the stage works in, relative to the workspace.
    required: false
    default: .
  max-files:
    description: Fail when the directory has more entries than this (a whole number, 1 or more).
    required: false
    default: '1000'
  dry-run:
    description: Report what would be done without doing it (true or false).
    required: false
    default: 'false'
outputs:
  files:
    description: Number of entries in working-directory.
  passed:
    description: true when the stage's check passed, else false.
runs:
  using: node24
  main: dist/index.js
`,
    'package.json': `${JSON.stringify(
      {
        name: `@pipeline/${name}`,
        version: '0.1.0',
        private: true,
        description,
        type: 'module',
        dependencies: { '@actions/core': coreVersion, '@pipeline/action-kit': '*' },
      },
      null,
      2,
    )}\n`,
    'src/index.ts': `import { run } from '@pipeline/action-kit';
import { main } from './main.js';

void run(main);
`,
    'src/inputs.ts': `/**
 * Every input of the ${name} action, read once, validated and frozen.
 * parseInputs is pure (tested with tables); getInputs is the only reader.
 */
import path from 'node:path';
import * as core from '@actions/core';
import { parseBoolean, parseInteger, runContext, type ReadInput, type RunEnv } from '@pipeline/action-kit';

export interface Inputs {
  /** Absolute: working-directory resolved against the workspace. */
  workingDirectory: string;
  maxFiles: number;
  dryRun: boolean;
}

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);

export function parseInputs(read: ReadInput, env: RunEnv): Inputs {
  const { workspace } = runContext(env);
  return Object.freeze({
    workingDirectory: path.resolve(workspace, read('working-directory').trim() || '.'),
    maxFiles: parseInteger('max-files', read('max-files'), { min: 1 }, 1000),
    dryRun: parseBoolean('dry-run', read('dry-run'), false),
  });
}
`,
    'src/main.ts': `/**
 * The ${name} stage: one phase per step of work, outputs, and a job summary.
 * Replace the example check with the stage's real work. I/O goes through
 * Dependencies: the real thing by default, fakes in unit tests.
 */
import * as core from '@actions/core';
import { readdir } from 'node:fs/promises';
import { ActionError, describeError, markdownTable, phase, writeSummary } from '@pipeline/action-kit';
import { getInputs } from './inputs.js';
import type { Inputs } from './inputs.js';

/** The stage's I/O. */
export interface Dependencies {
  listDirectory(directory: string): Promise<string[]>;
}

export const realDependencies: Dependencies = { listDirectory: (directory) => readdir(directory) };

export interface Result {
  files: number;
  passed: boolean;
}

/** Pure logic: tested with tables. */
export function evaluate(entries: readonly string[], inputs: Pick<Inputs, 'maxFiles'>): Result {
  return { files: entries.length, passed: entries.length <= inputs.maxFiles };
}

/** The entries of working-directory; an error that names it when it cannot be read. */
export async function inspect(inputs: Pick<Inputs, 'workingDirectory'>, deps: Dependencies): Promise<string[]> {
  try {
    return await deps.listDirectory(inputs.workingDirectory);
  } catch (error: unknown) {
    throw new ActionError(\`working-directory \${inputs.workingDirectory} cannot be read: \${describeError(error)}\`);
  }
}

export async function main(deps: Dependencies = realDependencies): Promise<void> {
  const inputs = getInputs();
  const entries = await phase('Inspect', () => inspect(inputs, deps));
  const result = evaluate(entries, inputs);
  core.setOutput('files', String(result.files));
  core.setOutput('passed', String(result.passed));
  await writeSummary(
    [
      \`## ${title}: \${result.passed ? '✅ passed' : '❌ failed'}\`,
      '',
      markdownTable(['directory', 'entries', 'limit', 'dry run'], [[inputs.workingDirectory, result.files, inputs.maxFiles, inputs.dryRun]]),
    ].join('\\n'),
  );
  if (!result.passed && !inputs.dryRun) {
    throw new ActionError(\`working-directory has \${result.files} entries; max-files is \${inputs.maxFiles}.\`);
  }
}
`,
    '__tests__/inputs.test.ts': `import { describe, expect, it } from '@jest/globals';
import { parseInputs } from '../src/inputs.js';
import type { Inputs } from '../src/inputs.js';

const env = { GITHUB_WORKSPACE: '/ws' };
const parse = (values: Record<string, string>): Inputs => parseInputs((name) => values[name] ?? '', env);

describe('${name} inputs', () => {
  it('applies defaults', () => {
    expect(parse({})).toEqual({ workingDirectory: '/ws', maxFiles: 1000, dryRun: false });
  });

  it.each([
    [{ 'working-directory': 'sub/dir' }, { workingDirectory: '/ws/sub/dir' }],
    [{ 'max-files': '5' }, { maxFiles: 5 }],
    [{ 'dry-run': 'true' }, { dryRun: true }],
  ] as [Record<string, string>, Partial<Inputs>][])('%j', (values, expected) => {
    expect(parse(values)).toMatchObject(expected);
  });

  it.each([
    [{ 'max-files': '0' }, "Input 'max-files' has an invalid value \\"0\\""],
    [{ 'max-files': 'many' }, "Input 'max-files' has an invalid value \\"many\\""],
    [{ 'dry-run': 'maybe' }, "Input 'dry-run' has an invalid value \\"maybe\\""],
  ])('rejects %j', (values, message) => {
    expect(() => parse(values)).toThrow(message);
  });
});
`,
    '__tests__/main.test.ts': `import { describe, expect, it } from '@jest/globals';
import { evaluate, inspect } from '../src/main.js';
import type { Dependencies } from '../src/main.js';

describe('${name} evaluate', () => {
  it.each([
    [['a', 'b'], 2, { files: 2, passed: true }],
    [['a', 'b', 'c'], 2, { files: 3, passed: false }],
    [[], 1, { files: 0, passed: true }],
  ])('%j with max %i', (entries, maxFiles, expected) => {
    expect(evaluate(entries, { maxFiles })).toEqual(expected);
  });
});

describe('${name} inspect', () => {
  const fake = (listing: Record<string, string[]>): Dependencies => ({
    listDirectory: async (directory) => {
      const entries = listing[directory];
      if (!entries) throw Object.assign(new Error(\`ENOENT: no such file or directory, scandir '\${directory}'\`), { code: 'ENOENT' });
      return entries;
    },
  });

  it('lists working-directory', async () => {
    await expect(inspect({ workingDirectory: '/ws/app' }, fake({ '/ws/app': ['a', 'b'] }))).resolves.toEqual(['a', 'b']);
  });

  it('names working-directory when it cannot be read', async () => {
    await expect(inspect({ workingDirectory: '/ws/gone' }, fake({}))).rejects.toThrow("working-directory /ws/gone cannot be read: ENOENT: no such file or directory, scandir '/ws/gone'");
  });
});
`,
    '__tests__/action.e2e.test.ts': `/** Runs the built dist/index.js as the runner does (build first: node scripts/build-actions.ts actions/${name}). */
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAction } from '@pipeline/action-kit/testing';

const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function workspace(files: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), '${name}-'));
  for (const file of files) await writeFile(path.join(dir, file), 'x');
  return dir;
}

describe('${name} end to end', () => {
  it('passes, sets outputs and writes a summary', async () => {
    const result = await runAction(actionDir, { workspace: await workspace(['a.txt', 'b.txt']) });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({ files: '2', passed: 'true' });
    expect(result.summary).toContain('✅ passed');
  });

  it('fails with a clear message when the limit is exceeded', async () => {
    const result = await runAction(actionDir, { workspace: await workspace(['a', 'b', 'c']), inputs: { 'max-files': '2' } });
    expect(result.exitCode).toBe(1);
    expect(result.outputs['passed']).toBe('false');
    expect(result.failure).toBe('working-directory has 3 entries; max-files is 2.');
  });

  it('names the input, the value and what is accepted on bad input', async () => {
    const result = await runAction(actionDir, { workspace: await workspace([]), inputs: { 'dry-run': 'maybe' } });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toContain("Input 'dry-run' has an invalid value \\"maybe\\": expected true or false");
  });
});
`,
    'README.md': `# ${title}

${description}

## Usage

\`\`\`yaml
- uses: ./.pipeline-actions/actions/${name}
  with:
    working-directory: .
\`\`\`

## Inputs

| name | default | description |
| --- | --- | --- |
| \`working-directory\` | \`.\` | Directory the stage works in, relative to the workspace. |
| \`max-files\` | \`1000\` | Fail when the directory has more entries than this. |
| \`dry-run\` | \`false\` | Report without failing. |

## Outputs

| name | description |
| --- | --- |
| \`files\` | Number of entries in \`working-directory\`. |
| \`passed\` | \`true\` when the check passed. |

## Errors

- A bad input names the input, the value and what is accepted.
- An unreadable \`working-directory\` names the directory.

## Development

\`\`\`sh
node_modules/.bin/node scripts/build-actions.ts actions/${name}
NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning" node_modules/.bin/node node_modules/jest/bin/jest.js actions/${name}
\`\`\`

To run it in the pipeline, add a job to \`.github/workflows/pipeline.yml\` (see docs/adding-a-stage.md).
`,
  };
}

export async function scaffold(options: ScaffoldOptions): Promise<string[]> {
  const { root, name } = options;
  if (!NAME.test(name))
    throw new Error(`'${name}' is not a valid action name: use lower-case words joined by hyphens, e.g. cache-warm`);
  const dir = path.join(root, 'actions', name);
  if (existsSync(dir)) throw new Error(`actions/${name} already exists; pick another name`);
  const description = options.description ?? `The ${name} stage of the pipeline.`;
  const coreVersion = await coreVersionOf(root);
  const files = actionFiles(name, description, coreVersion);
  const written: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content, { flag: 'wx' });
    written.push(path.relative(root, target));
  }
  return written;
}

/** The @actions/core range the action kit is built against (from an existing action, else a default). */
async function coreVersionOf(root: string): Promise<string> {
  const kitLock = path.join(root, 'package-lock.json');
  try {
    const lock = JSON.parse(await readFile(kitLock, 'utf8')) as { packages?: Record<string, { version?: string }> };
    const version = lock.packages?.['node_modules/@actions/core']?.version;
    if (version) return `^${version}`;
  } catch {
    /* fall through */
  }
  return '^3.0.1';
}

async function cli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { description: { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean' } },
  });
  const name = positionals[0];
  if (values.help || !name) {
    console.log('Usage: npm run new-action -- <name> [--description "..."]');
    return values.help ? 0 : 2;
  }
  const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const written = await scaffold({ root, name, ...(values.description ? { description: values.description } : {}) });
  for (const file of written) console.log(`created ${file}`);
  console.log(`
Next:
  flock /tmp/npm.lock npm install            # add the workspace to package-lock.json
  node_modules/.bin/node scripts/build-actions.ts actions/${name}
  NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning" node_modules/.bin/node node_modules/jest/bin/jest.js actions/${name}
  then wire it into .github/workflows/pipeline.yml (docs/adding-a-stage.md)`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`new-action: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
