/** Runs the built dist/index.js as the runner does (build first: node scripts/build-actions.ts actions/containerize). */
import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAction } from '@pipeline/action-kit/testing';

const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'containerize-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const nest = {
  'package.json': JSON.stringify({ scripts: { build: 'nest build', 'start:prod': 'node dist/main' } }),
  'package-lock.json': '{}',
  'src/main.ts': 'async function bootstrap() {\n  await app.listen(3000);\n}\n',
};

describe('containerize end to end', () => {
  it('writes the built-in Dockerfile and its .dockerignore when the repository has none', async () => {
    const runnerTemp = await mkdtemp(path.join(tmpdir(), 'containerize-rt-'));
    const result = await runAction(actionDir, { workspace: await workspace(nest), runnerTemp });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      dockerfile: path.join(runnerTemp, 'containerize', 'Dockerfile'),
      generated: 'true',
      port: '3000',
      'start-command': 'node dist/main',
      'package-manager': 'npm',
    });
    const dockerfile = await readFile(path.join(runnerTemp, 'containerize', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('RUN ["npm","run","build"]');
    expect(await readFile(path.join(runnerTemp, 'containerize', 'Dockerfile.dockerignore'), 'utf8')).toContain(
      'node_modules',
    );
    expect(result.summary).toContain('| port | 3000 | detected | src/main.ts:2 |');
    expect(result.summary).toContain('| $PORT | not read | detected |');
  });

  it("uses the repository's Dockerfile and its EXPOSE, writing nothing", async () => {
    const ws = await workspace({ ...nest, Dockerfile: 'FROM node:24\nEXPOSE 4000\n' });
    const result = await runAction(actionDir, { workspace: ws });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ dockerfile: path.join(ws, 'Dockerfile'), generated: 'false', port: '4000' });
  });

  it('fails, naming the input, when the Dockerfile the caller named does not exist', async () => {
    const result = await runAction(actionDir, {
      workspace: await workspace(nest),
      inputs: { dockerfile: 'docker/Dockerfile' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toContain("Input 'dockerfile': docker/Dockerfile does not exist");
  });

  it('says that a directory without package.json cannot use the built-in Dockerfile', async () => {
    const result = await runAction(actionDir, { workspace: await workspace({ 'main.go': 'package main' }) });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toContain('has no package.json');
  });
});
