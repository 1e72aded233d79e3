/**
 * The built-in Dockerfile for a Node.js service that has none. Pure text.
 *
 * Three stages: `build` runs on the build platform (all dependencies, the
 * build script, then node_modules removed), `deps` installs production
 * dependencies for the target platform (native modules match the image's
 * architecture), `runtime` copies both and runs as a non-root numeric user
 * (Kubernetes can only verify runAsNonRoot for a numeric USER). Files stay
 * owned by root, so the service cannot rewrite its own code and runs with a
 * read-only root filesystem; HOME is /tmp for tools that write a cache.
 */
import type { PackageManager } from './detect.js';

export interface DockerfilePlan {
  nodeVersion: string;
  manager: PackageManager;
  /** Version of yarn or pnpm to install (npm ships with Node). */
  managerVersion: string | undefined;
  lockfile: string | undefined;
  build: string[] | undefined;
  start: string[];
  port: number;
}

export const RUNTIME_UID = 1000;
const DEFAULT_VERSIONS: Record<Exclude<PackageManager, 'npm'>, string> = { yarn: '1.22.22', pnpm: '9.15.9' };

function yarnBerry(version: string | undefined): boolean {
  return version !== undefined && !version.startsWith('1.');
}

/** The install commands: all dependencies, and production only. */
export function installCommands(plan: Pick<DockerfilePlan, 'manager' | 'managerVersion' | 'lockfile'>): {
  all: string;
  production: string;
} {
  switch (plan.manager) {
    case 'npm':
      return plan.lockfile
        ? { all: 'npm ci --no-audit --no-fund', production: 'npm ci --omit=dev --no-audit --no-fund' }
        : { all: 'npm install --no-audit --no-fund', production: 'npm install --omit=dev --no-audit --no-fund' };
    case 'yarn':
      return yarnBerry(plan.managerVersion)
        ? { all: 'yarn install --immutable', production: 'yarn workspaces focus --all --production' }
        : {
            all: 'yarn install --frozen-lockfile --non-interactive',
            production: 'yarn install --frozen-lockfile --non-interactive --production',
          };
    case 'pnpm':
      return { all: 'pnpm install --frozen-lockfile', production: 'pnpm install --frozen-lockfile --prod' };
  }
}

/** JSON array syntax for RUN/CMD exec form. */
const execForm = (args: readonly string[]): string => JSON.stringify(args);

function setupLines(plan: DockerfilePlan): string[] {
  if (plan.manager === 'npm') return [];
  const version = plan.managerVersion ?? DEFAULT_VERSIONS[plan.manager];
  return [`RUN npm install --global --no-audit --no-fund ${plan.manager}@${version}`];
}

/** Files the install step needs before the sources (so a source change keeps the dependency layer). */
function manifestFiles(plan: DockerfilePlan): string {
  const files = ['package.json', ...(plan.lockfile ? [plan.lockfile] : [])];
  if (plan.manager === 'yarn' && yarnBerry(plan.managerVersion)) files.push('.yarnrc.yml');
  return files.join(' ');
}

export function renderDockerfile(plan: DockerfilePlan): string {
  const image = `node:${plan.nodeVersion}-bookworm-slim`;
  const install = installCommands(plan);
  const setup = setupLines(plan);
  // .yarnrc.yml may be missing; a glob COPY of it does not fail then.
  const copyManifests =
    plan.manager === 'yarn' && yarnBerry(plan.managerVersion)
      ? `COPY package.json ${plan.lockfile ?? ''} .yarnrc.y[m]l ./`.replace(/\s+/g, ' ')
      : `COPY ${manifestFiles(plan)} ./`;
  return [
    '# syntax=docker/dockerfile:1',
    '# Written by the pipeline (actions/containerize): the repository has no Dockerfile.',
    '',
    `FROM --platform=$BUILDPLATFORM ${image} AS build`,
    'WORKDIR /app',
    ...setup,
    copyManifests,
    `RUN ${install.all}`,
    'COPY . .',
    ...(plan.build ? [`RUN ${execForm(plan.build)}`] : []),
    'RUN rm -rf node_modules',
    '',
    `FROM ${image} AS deps`,
    'WORKDIR /app',
    'ENV NODE_ENV=production',
    ...setup,
    copyManifests,
    `RUN ${install.production}`,
    '',
    `FROM ${image} AS runtime`,
    'WORKDIR /app',
    `ENV NODE_ENV=production PORT=${plan.port} HOME=/tmp`,
    'COPY --from=build /app ./',
    'COPY --from=deps /app/node_modules ./node_modules',
    `USER ${RUNTIME_UID}:${RUNTIME_UID}`,
    `EXPOSE ${plan.port}`,
    `CMD ${execForm(plan.start)}`,
    '',
  ].join('\n');
}

/** What the build context leaves out: the repository's own .dockerignore plus what never belongs in an image. */
export function renderDockerignore(existing: string | undefined): string {
  // .pipeline-actions: the pipeline's own checkout inside the workspace, never the service's.
  const always = [
    'node_modules',
    '**/node_modules',
    '.git',
    '.pipeline-actions',
    'npm-debug.log*',
    'yarn-error.log*',
    'coverage',
  ];
  const lines = existing ? existing.split('\n').map((l) => l.trimEnd()) : [];
  const missing = always.filter((entry) => !lines.includes(entry));
  return [...lines.filter((l, i) => l !== '' || i < lines.length - 1), ...missing, ''].join('\n');
}
