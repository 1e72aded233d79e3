import { describe, expect, it } from '@jest/globals';
import {
  detectBuild,
  detectPackageManager,
  detectPort,
  detectStart,
  readPackageJson,
  type PackageJson,
} from '../src/detect.js';
import { installCommands, renderDockerfile, renderDockerignore } from '../src/dockerfile.js';

const pkg = (value: Record<string, unknown>): PackageJson => readPackageJson(value);

describe('package manager', () => {
  it.each([
    [['package-lock.json'], {}, 'npm', 'detected', 'package-lock.json'],
    [['yarn.lock'], {}, 'yarn', 'detected', 'yarn.lock'],
    [['pnpm-lock.yaml'], {}, 'pnpm', 'detected', 'pnpm-lock.yaml'],
    [['npm-shrinkwrap.json'], {}, 'npm', 'detected', 'npm-shrinkwrap.json'],
    [[], { packageManager: 'pnpm@9.1.0' }, 'pnpm', 'detected', 'package.json packageManager (no lockfile)'],
    [[], {}, 'npm', 'assumed', 'no lockfile and no packageManager field'],
  ])('%j %j -> %s', (files, fields, manager, origin, how) => {
    const choice = detectPackageManager(new Set(files), pkg(fields));
    expect(choice.manager).toBe(manager);
    expect(choice.fact).toMatchObject({ origin, how });
  });

  it('takes the version from packageManager only for the lockfile it names', () => {
    expect(detectPackageManager(new Set(['yarn.lock']), pkg({ packageManager: 'yarn@4.5.0' })).version).toBe('4.5.0');
    expect(detectPackageManager(new Set(['yarn.lock']), pkg({ packageManager: 'pnpm@9.0.0' })).version).toBeUndefined();
  });
});

describe('build', () => {
  it.each([
    [['tsconfig.json'], { scripts: { build: 'nest build' } }, 'npm', ['npm', 'run', 'build'], 'detected'],
    [['tsconfig.json'], { scripts: { build: 'tsc' } }, 'yarn', ['yarn', 'run', 'build'], 'detected'],
    [
      ['tsconfig.json'],
      { devDependencies: { typescript: '^5' } },
      'npm',
      ['npx', '--no-install', 'tsc', '-p', 'tsconfig.json'],
      'assumed',
    ],
    [[], { devDependencies: { typescript: '^5' } }, 'npm', undefined, 'detected'],
    [['tsconfig.json'], {}, 'npm', undefined, 'detected'],
  ] as const)('%j %j', (files, fields, manager, command, origin) => {
    const choice = detectBuild(new Set(files), pkg(fields), manager);
    expect(choice.command).toEqual(command);
    expect(choice.fact.origin).toBe(origin);
  });
});

describe('start command', () => {
  it.each([
    [
      { scripts: { start: 'nest start', 'start:prod': 'node dist/main' } },
      undefined,
      ['node', 'dist/main'],
      'detected',
    ],
    [
      { scripts: { 'start:production': 'NODE_OPTIONS=x node a.js' } },
      undefined,
      ['npm', 'run', 'start:production'],
      'detected',
    ],
    [
      { main: 'dist/server.js', scripts: { start: 'npm run serve' } },
      undefined,
      ['node', 'dist/server.js'],
      'detected',
    ],
    [{ main: 'index.ts', scripts: { start: 'node dist/index.js' } }, undefined, ['node', 'dist/index.js'], 'detected'],
    [{ scripts: { start: 'ts-node src/x.ts && echo' } }, undefined, ['npm', 'run', 'start'], 'detected'],
    [{}, undefined, ['npm', 'start'], 'assumed'],
    [
      { scripts: { 'start:prod': 'node dist/main' } },
      'node --enable-source-maps dist/main',
      ['/bin/sh', '-c', 'exec node --enable-source-maps dist/main'],
      'input',
    ],
  ] as const)('%j (input %s)', (fields, input, command, origin) => {
    const choice = detectStart(pkg(fields), 'npm', input);
    expect(choice.command).toEqual(command);
    expect(choice.fact.origin).toBe(origin);
  });

  it.each([
    [{ main: 'index.js', scripts: { start: 'node ./dist/index.js' } }, false, ['node', './dist/index.js']],
    [{ main: 'index.js', scripts: { start: 'node ./dist/index.js' } }, true, ['node', 'index.js']],
    [{ main: 'dist/main.js' }, false, ['node', 'dist/main.js']],
  ] as const)('%j, main in the repository: %s', (fields, mainExists, command) => {
    const choice = detectStart(pkg(fields), 'npm', undefined, mainExists);
    expect(choice.command).toEqual(command);
  });
});

describe('port', () => {
  const src = (path: string, text: string) => ({ path, text });
  it.each([
    [8080, undefined, [], 8080, 'input', 'port'],
    [undefined, src('Dockerfile', 'FROM x\nEXPOSE 4000/tcp\n'), [], 4000, 'detected', 'EXPOSE in Dockerfile'],
    [undefined, undefined, [src('src/main.ts', 'x\n  await app.listen(3001);\n')], 3001, 'detected', 'src/main.ts:2'],
    [
      undefined,
      undefined,
      [src('src/index.ts', 'const port = 8000\napp.listen(port)')],
      8000,
      'detected',
      'src/index.ts:1',
    ],
    [undefined, undefined, [src('a.ts', 'listen(process.env.PORT || "5000")')], 5000, 'detected', 'a.ts:1'],
    [
      undefined,
      src('Dockerfile', 'FROM x'),
      [src('a.ts', 'console.log(1)')],
      3000,
      'assumed',
      expect.stringContaining('no EXPOSE'),
    ],
  ] as const)('input %s', (input, dockerfile, sources, port, origin, how) => {
    const choice = detectPort(input, dockerfile, sources);
    expect(choice.port).toBe(port);
    expect(choice.fact).toMatchObject({ origin, how });
  });

  it('says whether the sources read $PORT', () => {
    expect(detectPort(undefined, undefined, [{ path: 'a', text: 'process.env.PORT ?? 3000' }]).readsPortVariable).toBe(
      true,
    );
    expect(detectPort(undefined, undefined, [{ path: 'a', text: "process.env['PORT']" }]).readsPortVariable).toBe(true);
    expect(detectPort(undefined, undefined, [{ path: 'a', text: 'listen(3000)' }]).readsPortVariable).toBe(false);
  });
});

describe('built-in Dockerfile', () => {
  const base = {
    nodeVersion: '24',
    manager: 'npm' as const,
    managerVersion: undefined,
    lockfile: 'package-lock.json',
    build: ['npm', 'run', 'build'],
    start: ['node', 'dist/main'],
    port: 3000,
  };

  it('builds on the build platform, installs production dependencies for the target, runs as a numeric non-root user', () => {
    const text = renderDockerfile(base);
    expect(text).toContain('FROM --platform=$BUILDPLATFORM node:24-bookworm-slim AS build');
    expect(text).toContain('RUN npm ci --no-audit --no-fund\nCOPY . .\nRUN ["npm","run","build"]');
    expect(text).toContain('FROM node:24-bookworm-slim AS deps');
    expect(text).toContain('RUN npm ci --omit=dev --no-audit --no-fund');
    expect(text).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(text).toMatch(/USER 1000:1000\nEXPOSE 3000\nCMD \["node","dist\/main"\]\n$/);
    expect(text).toContain('ENV NODE_ENV=production PORT=3000 HOME=/tmp');
  });

  it('leaves out the build step when there is nothing to build', () => {
    expect(renderDockerfile({ ...base, build: undefined })).not.toContain('run build');
  });

  it.each([
    ['npm', undefined, undefined, 'npm install --no-audit --no-fund', 'npm install --omit=dev --no-audit --no-fund'],
    [
      'yarn',
      undefined,
      'yarn.lock',
      'yarn install --frozen-lockfile --non-interactive',
      'yarn install --frozen-lockfile --non-interactive --production',
    ],
    ['yarn', '4.5.0', 'yarn.lock', 'yarn install --immutable', 'yarn workspaces focus --all --production'],
    ['pnpm', undefined, 'pnpm-lock.yaml', 'pnpm install --frozen-lockfile', 'pnpm install --frozen-lockfile --prod'],
  ] as const)('%s %s installs', (manager, managerVersion, lockfile, all, production) => {
    expect(installCommands({ manager, managerVersion, lockfile })).toEqual({ all, production });
  });

  it('installs yarn and pnpm with npm (the base image has npm only), at the declared version', () => {
    expect(
      renderDockerfile({ ...base, manager: 'pnpm', managerVersion: '9.1.0', lockfile: 'pnpm-lock.yaml' }),
    ).toContain('RUN npm install --global --no-audit --no-fund pnpm@9.1.0');
    expect(renderDockerfile({ ...base, manager: 'yarn', lockfile: 'yarn.lock' })).toContain(
      'COPY package.json yarn.lock ./',
    );
  });

  it('keeps the repository .dockerignore and adds what never belongs in an image', () => {
    expect(renderDockerignore(undefined)).toBe(
      'node_modules\n**/node_modules\n.git\n.pipeline-actions\nnpm-debug.log*\nyarn-error.log*\ncoverage\n',
    );
    expect(renderDockerignore('dist\nnode_modules\n')).toBe(
      'dist\nnode_modules\n**/node_modules\n.git\n.pipeline-actions\nnpm-debug.log*\nyarn-error.log*\ncoverage\n',
    );
  });
});
