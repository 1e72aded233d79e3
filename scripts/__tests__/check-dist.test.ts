/**
 * check-dist must fail when a source change was not rebuilt into dist/.
 * The test works on a copy of the quality action at the same folder depth,
 * so the real tree is never touched.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let copy: string;

function checkDist(dir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/build-actions.ts'), '--check', dir], {
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  await mkdir(path.join(root, '.tmp'), { recursive: true });
  copy = await mkdtemp(path.join(root, '.tmp', 'check-dist-'));
  for (const part of ['action.yml', 'package.json', 'src', 'dist']) {
    await cp(path.join(root, 'actions/quality', part), path.join(copy, part), { recursive: true });
  }
});

afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

describe('check-dist', () => {
  it('passes when dist/ was built from the current source', () => {
    const result = checkDist(copy);
    expect(result.output).toContain('matches its source');
    expect(result.status).toBe(0);
  });

  it('fails, naming the stale file, when the source changed but dist/ was not rebuilt', async () => {
    await appendFile(path.join(copy, 'src/findings.ts'), '\nexport const addedAfterBuild = "not in dist";\n');
    await appendFile(path.join(copy, 'src/index.ts'), '\nconsole.log("changed");\n');
    const result = checkDist(copy);
    expect(result.status).toBe(1);
    expect(result.output).toContain('out of date: index.js');
    expect(result.output).toContain('run `npm run build` and commit dist/');
  });

  it('fails when a built file is missing from dist/', async () => {
    await unlink(path.join(copy, 'dist/licenses.txt'));
    const result = checkDist(copy);
    expect(result.status).toBe(1);
    expect(result.output).toContain('missing from dist: licenses.txt');
  });
});
