import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { parse } from 'yaml';
import { runInit } from '../src/init/index.js';
import { detectScanners } from '../src/init/detect.js';

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
