import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { parse } from 'yaml';
import { runInit } from '../src/init/index.js';
import { detectQuality, detectScanners, detectTestScript, usesPrettier } from '../src/init/detect.js';

const library = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'init-'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  return dir;
}

const express = {
  'package.json': JSON.stringify({
    name: '@acme/orders-api',
    scripts: { start: 'node dist/index.js', test: 'jest' },
    devDependencies: { typescript: '^5', prettier: '^3' },
  }),
  'yarn.lock': '',
  'tsconfig.json': '{}',
  'src/index.ts': "app.get('/healthz', ok);\napp.listen(8080);\n",
};

async function init(dir: string): Promise<{ lines: string[]; written: string[]; kept: string[] }> {
  const lines: string[] = [];
  const result = await runInit({ repo: dir, library, namespacePrefix: 'team-', log: (l) => lines.push(l) });
  return { lines, written: result.written, kept: result.kept };
}

describe('npm run pipeline -- init', () => {
  it('writes a caller, a Dockerfile, kustomize manifests and smoke checks from what it detects', async () => {
    const dir = await repo(express);
    const { lines, written } = await init(dir);
    expect(written).toEqual(
      expect.arrayContaining([
        '.github/workflows/pipeline.yml',
        'Dockerfile',
        '.dockerignore',
        'k8s/base/kustomization.yaml',
        'k8s/overlays/staging/kustomization.yaml',
        'k8s/overlays/production/hpa.yaml',
        'smoke-checks.yml',
      ]),
    );
    const caller = await readFile(path.join(dir, '.github/workflows/pipeline.yml'), 'utf8');
    expect(await format(caller, { parser: 'yaml' })).toBe(caller);
    const job = (parse(caller) as { jobs: { pipeline: { uses: string; with: Record<string, unknown> } } }).jobs
      .pipeline;
    expect(job.uses).toMatch(/^[^/]+\/[^/]+\/\.github\/workflows\/pipeline\.yml@[0-9a-f]{40}$/);
    expect(job.with).toMatchObject({
      'manifest-image': 'orders-api',
      'readiness-path': '/healthz',
      'quality-checks': 'prettier,typescript,line-length',
      // yarn.lock: npm audit cannot read it (it fails without npm's lockfile); Trivy does.
      'security-scanners': 'trivy-fs',
      stages: 'quality,security,test,build,deploy,smoke,performance',
    });
    const declared = Object.keys(
      (
        parse(await readFile(path.join(library, '.github/workflows/pipeline.yml'), 'utf8')) as {
          on: { workflow_call: { inputs: Record<string, unknown> } };
        }
      ).on.workflow_call.inputs,
    );
    for (const name of Object.keys(job.with)) expect(declared).toContain(name);
    const dockerfile = await readFile(path.join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('yarn install --frozen-lockfile');
    expect(dockerfile).toContain('RUN ["npx","--no-install","tsc","-p","tsconfig.json"]');
    expect(dockerfile).toContain('EXPOSE 8080');
    const staging = parse(await readFile(path.join(dir, 'k8s/overlays/staging/kustomization.yaml'), 'utf8')) as {
      namespace: string;
    };
    expect(staging.namespace).toBe('team-orders-api-staging');
    expect(await readFile(path.join(dir, 'smoke-checks.yml'), 'utf8')).toContain('path: /healthz');
    expect(lines.join('\n')).toMatch(/detected:\n[\s\S]*port\s+8080\s+\(src\/index\.ts:2\)/);
    expect(lines.join('\n')).toMatch(/assumed:\n[\s\S]*build\s+tsc -p tsconfig.json/);
  });

  it('never modifies a file that exists, and says which it kept', async () => {
    const dir = await repo({
      ...express,
      Dockerfile: 'FROM scratch\nEXPOSE 9000\n',
      'smoke-checks.yml': '- name: mine\n',
    });
    const { written, kept } = await init(dir);
    expect(kept).toEqual(expect.arrayContaining(['smoke-checks.yml']));
    expect(written).not.toContain('Dockerfile');
    expect(await readFile(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\nEXPOSE 9000\n');
    expect(await readFile(path.join(dir, 'smoke-checks.yml'), 'utf8')).toBe('- name: mine\n');
    const again = await init(dir);
    expect(again.written).toEqual([]);
  });

  it('finds a service in a sub-folder and formats YAML with its Prettier configuration', async () => {
    const dir = await repo({
      'api/package.json': JSON.stringify({ name: 'api', main: 'server.js' }),
      'api/.prettierrc': JSON.stringify({ singleQuote: true }),
    });
    await init(dir);
    const caller = (
      parse(await readFile(path.join(dir, '.github/workflows/pipeline.yml'), 'utf8')) as {
        jobs: { pipeline: { with: Record<string, unknown> } };
      }
    ).jobs.pipeline.with;
    expect(caller['service-directory']).toBe('api');
    expect(caller['stages']).toBe('quality,security,build,deploy,smoke,performance');
    const deployment = await readFile(path.join(dir, 'api/k8s/base/deployment.yaml'), 'utf8');
    expect(await format(deployment, { parser: 'yaml', singleQuote: true })).toBe(deployment);
    expect(await readFile(path.join(dir, 'api/smoke-checks.yml'), 'utf8')).toContain('path: /');
  });

  it('checks line length only against a limit the repository states, and runs its test:unit script', async () => {
    // The shape of StanleySathler/fastify-typescript-starter: TypeScript, no Prettier, tests in test:unit.
    const dir = await repo({
      'package.json': JSON.stringify({
        name: 'api',
        scripts: { build: 'tsc', start: 'node ./dist', 'test:unit': 'jest' },
        devDependencies: { typescript: '^5', jest: '^29' },
      }),
      'package-lock.json': '{}',
      'tsconfig.json': '{}',
      'src/index.ts': `app.listen({ port: 3001 }); // ${'x'.repeat(90)}\n`,
    });
    const { lines } = await init(dir);
    const caller = (
      parse(await readFile(path.join(dir, '.github/workflows/pipeline.yml'), 'utf8')) as {
        jobs: { pipeline: { with: Record<string, unknown> } };
      }
    ).jobs.pipeline.with;
    expect(caller).toMatchObject({
      'quality-checks': 'typescript',
      'test-script': 'test:unit',
      stages: 'quality,security,test,build,deploy,smoke,performance',
    });
    expect(caller).not.toHaveProperty('max-line-length');
    expect(caller).not.toHaveProperty('line-length-include');
    expect(lines.join('\n')).toMatch(/max line length\s+none\s+\(no Prettier/);
    expect(lines.join('\n')).toMatch(/tests\s+npm run test:unit\s+\(package\.json scripts\["test:unit"\]/);
  });

  it('leaves the quality stage out when the repository has no quality tool at all', async () => {
    const dir = await repo({ 'package.json': JSON.stringify({ name: 'plain', scripts: { start: 'node index.js' } }) });
    await init(dir);
    const caller = (
      parse(await readFile(path.join(dir, '.github/workflows/pipeline.yml'), 'utf8')) as {
        jobs: { pipeline: { with: Record<string, unknown> } };
      }
    ).jobs.pipeline.with;
    expect(caller['stages']).toBe('security,build,deploy,smoke,performance');
    expect(caller).not.toHaveProperty('quality-checks');
  });
});

describe('detectTestScript', () => {
  it.each([
    [{ test: 'jest' }, 'test'],
    [{ test: 'jest', 'test:unit': 'jest unit' }, 'test'],
    [{ 'test:unit': 'dotenv -e env/test.env jest' }, 'test:unit'],
    [{ 'test:ci': 'vitest run' }, 'test:ci'],
    [{ test: 'echo "Error: no test specified" && exit 1' }, undefined],
    [{ test: 'echo "Error: no test specified" && exit 1', 'test:unit': 'jest' }, 'test:unit'],
    [{ 'test:watch': 'jest --watch' }, undefined],
    [{}, undefined],
  ])('%j → %s', (scripts, script) => {
    expect(detectTestScript({ scripts, dependencies: {}, devDependencies: {} }).script).toBe(script);
  });
});

describe('detectQuality', () => {
  it.each([
    [['package.json', 'tsconfig.json'], { typescript: '^5' }, 80, 'typescript,line-length'],
    [['package.json', 'tsconfig.json'], { typescript: '^5' }, undefined, 'typescript'],
    [['package.json', '.eslintrc.json'], { eslint: '^8', prettier: '^3' }, 100, 'prettier,eslint,line-length'],
    // ESLint without its configuration file, TypeScript without tsconfig.json: nothing to run them with.
    [['package.json'], { eslint: '^8', typescript: '^5' }, undefined, ''],
  ])('%j %j limit %s → %s', (files, devDependencies, limit, checks) => {
    expect(
      detectQuality(new Set(files), { scripts: {}, dependencies: {}, devDependencies }, limit).checks.join(','),
    ).toBe(checks);
  });
});

describe('usesPrettier', () => {
  it.each([
    [['package.json'], { prettier: '^3' }, true],
    [['package.json', '.prettierrc'], {}, true],
    [['package.json', '.prettierrc.yaml'], {}, true],
    [['package.json', 'prettier.config.mjs'], {}, true],
    [['package.json', '.editorconfig'], {}, false],
    [['package.json'], {}, false],
  ])('%j %j → %s', (files, devDependencies, uses) => {
    expect(usesPrettier(new Set(files), { scripts: {}, dependencies: {}, devDependencies })).toBe(uses);
  });
});

describe('detectScanners', () => {
  it.each([
    [['package.json', 'package-lock.json'], undefined, "npm's lockfile"],
    [['package.json', 'npm-shrinkwrap.json'], undefined, "npm's lockfile"],
    [['package.json', 'yarn.lock'], 'trivy-fs', 'Trivy reads yarn.lock'],
    [['package.json', 'pnpm-lock.yaml'], 'trivy-fs', 'Trivy reads pnpm-lock.yaml'],
    [['package.json'], 'trivy-fs', 'no lockfile: npm audit needs one'],
  ])('%j → %s', (files, scanners, how) => {
    const result = detectScanners(new Set(files));
    expect(result.scanners).toBe(scanners);
    expect(result.fact.how).toContain(how);
  });
});
