/**
 * The scaffold (scripts/new-action.ts) creates an action that type-checks,
 * builds with the shared ncc command, runs through the runner-faithful
 * harness and passes its own generated tests, from the first minute; and it
 * has the edge shape of every action (pure parseInputs, one-line getInputs,
 * `void run(main)`, I/O passed in, errors thrown).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAction } from '@pipeline/action-kit/testing';
import { scaffold } from '../../../scripts/new-action.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const node = process.execPath;
let scratch = '';

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('npm run new-action', () => {
  it('rejects a bad name and an existing action', async () => {
    await expect(scaffold({ root, name: 'Bad_Name' })).rejects.toThrow("'Bad_Name' is not a valid action name");
    await expect(scaffold({ root, name: 'quality' })).rejects.toThrow('actions/quality already exists');
  });

  it('creates an action that type-checks, builds, runs and passes its own tests', async () => {
    // A temporary copy location inside the repository (git-ignored .tmp/), so that
    // node_modules (the action kit, @actions/core) resolve as they do for actions/*.
    await mkdir(path.join(root, '.tmp'), { recursive: true });
    scratch = await mkdtemp(path.join(root, '.tmp', 'new-action-'));
    const written = await scaffold({ root: scratch, name: 'cache-warm', description: 'Warms a cache.' });
    expect(written.sort()).toEqual(
      [
        'actions/cache-warm/README.md',
        'actions/cache-warm/__tests__/action.e2e.test.ts',
        'actions/cache-warm/__tests__/inputs.test.ts',
        'actions/cache-warm/__tests__/main.test.ts',
        'actions/cache-warm/action.yml',
        'actions/cache-warm/package.json',
        'actions/cache-warm/src/index.ts',
        'actions/cache-warm/src/inputs.ts',
        'actions/cache-warm/src/main.ts',
      ].sort(),
    );
    const actionDir = path.join(scratch, 'actions/cache-warm');
    const source = async (file: string): Promise<string> => readFile(path.join(actionDir, file), 'utf8');
    expect(await source('src/index.ts')).toBe(
      "import { run } from '@pipeline/action-kit';\nimport { main } from './main.js';\n\nvoid run(main);\n",
    );
    const inputs = await source('src/inputs.ts');
    expect(inputs).toContain('export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);\n');
    expect(inputs).toContain('export function parseInputs(read: ReadInput, env: RunEnv): Inputs {');
    const main = await source('src/main.ts');
    expect(main).toContain('export async function main(deps: Dependencies = realDependencies): Promise<void> {');
    expect(main).not.toMatch(/setFailed|core\.getInput\b|process\.env/);

    // Strict type check with the repository's settings.
    await writeFile(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        include: ['actions/*/src/**/*.ts', 'actions/*/__tests__/**/*.ts'],
      }),
    );
    const tsc = spawnSync(
      node,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(scratch, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    // The shared build.
    const build = spawnSync(
      node,
      [
        '-e',
        `import(${JSON.stringify(path.join(root, 'scripts/build-actions.ts'))}).then(m => m.bundle(${JSON.stringify(actionDir)}, 'dist'))`,
      ],
      { encoding: 'utf8' },
    );
    expect(build.status).toBe(0);
    expect(existsSync(path.join(actionDir, 'dist/index.js'))).toBe(true);
    expect(existsSync(path.join(actionDir, 'dist/licenses.txt'))).toBe(true);

    // As the runner runs it.
    const workspace = await mkdtemp(path.join(scratch, 'ws-'));
    await writeFile(path.join(workspace, 'a'), 'x');
    const result = await runAction(actionDir, { workspace });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({ files: '1', passed: 'true' });

    // Its own generated tests pass.
    const jest = spawnSync(
      node,
      [
        path.join(root, 'node_modules/jest/bin/jest.js'),
        '--config',
        path.join(root, 'jest.config.js'),
        '--rootDir',
        scratch,
        '--roots',
        actionDir,
        '--ci',
      ],
      {
        encoding: 'utf8',
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning' },
      },
    );
    const output = jest.stdout + jest.stderr;
    expect(output).toMatch(/Tests:\s+15 passed, 15 total/);
    expect(jest.status).toBe(0);
  });
});
