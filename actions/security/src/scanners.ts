/**
 * Runs the scanners' real CLIs (argument arrays only, never a shell) and hands
 * their output to the parsers. I/O sits behind RunnerDeps so tests can swap it.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError, describeError, execArgs, tail } from '@pipeline/action-kit';
import type { Exec } from '@pipeline/action-kit';
import type { Inputs } from './inputs.js';
import type { Finding, ScanResult, ScannerName } from './model.js';
import { findKustomizations, planKustomize, scanRendered, skipDirPatterns } from './kustomize-scan.js';
import type { KustomizePlan } from './kustomize-plan.js';
import { joinPath } from './parsers/common.js';
import { parseNpmAudit } from './parsers/npm-audit.js';
import { parseSnyk } from './parsers/snyk.js';
import { parseTrivy } from './parsers/trivy.js';

export interface RunnerDeps {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  /** Absolute path of a program found on PATH, or undefined. */
  which: (program: string) => string | undefined;
  readText: (file: string) => Promise<string>;
  now: () => number;
}

export function whichOnPath(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

export const defaultDeps: RunnerDeps = {
  exec: execArgs,
  env: process.env,
  which: (program) => whichOnPath(program, process.env),
  readText: (file) => readFile(file, 'utf8'),
  now: () => performance.now(),
};

/** How to get each scanner's CLI onto PATH (pin third-party actions by commit SHA). */
export const INSTALL_HINTS: Record<ScannerName, string> = {
  'npm-audit': 'add actions/setup-node (pinned by SHA) before this step, or remove npm-audit from scanners',
  'trivy-fs':
    'add a step that installs Trivy before this one, e.g. aquasecurity/setup-trivy pinned by commit SHA (trivy-action tags were force-pushed in 2026, CVE-2026-33634), or `go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0` with GOEXPERIMENT=jsonv2, or remove trivy-fs from scanners',
  'trivy-image':
    'add a step that installs Trivy before this one, e.g. aquasecurity/setup-trivy pinned by commit SHA, or `go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0` with GOEXPERIMENT=jsonv2, or remove trivy-image from scanners',
  snyk: 'add snyk/actions/setup (pinned by commit SHA) or `npm install --global snyk` before this step, or remove snyk from scanners',
};

const PROGRAM: Record<ScannerName, string> = {
  'npm-audit': 'npm',
  'trivy-fs': 'trivy',
  'trivy-image': 'trivy',
  snyk: 'snyk',
};

const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'] as const;
const OTHER_LOCKFILES = ['yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb'];

/** The lockfile npm audit will read (npm prefers npm-shrinkwrap.json), or a clear error. */
export function requireLockfile(directory: string): string {
  const found = LOCKFILES.find((name) => existsSync(path.join(directory, name)));
  if (found) return found;
  const others = OTHER_LOCKFILES.filter((name) => existsSync(path.join(directory, name)));
  throw new ActionError(
    `npm-audit needs a lockfile, but neither package-lock.json nor npm-shrinkwrap.json exists in ${directory}.` +
      (others.length > 0 ? ` This folder has ${others.join(' and ')}, which npm audit cannot read.` : '') +
      ' Commit one (`npm install --package-lock-only` creates it without installing), set working-directory to the folder that has it, or remove npm-audit from scanners.',
  );
}

/** The environment given to scanners: the step's, without the INPUT_* variables (the Snyk token among them). */
export function scannerEnv(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && !key.startsWith('INPUT_')) result[key] = value;
  return { ...result, ...extra };
}

export function npmAuditArgs(registry: string | undefined): string[] {
  return ['audit', '--json', ...(registry ? ['--registry', registry] : [])];
}

const TRIVY_COMMON = ['--format', 'json', '--quiet', '--skip-version-check', '--disable-telemetry', '--exit-code', '0'];

/**
 * Trivy's arguments. Trivy's own TRIVY_* environment variables stay in charge
 * of everything else (TRIVY_DB_REPOSITORY for a mirror, TRIVY_SKIP_DB_UPDATE,
 * TRIVY_OFFLINE_SCAN, TRIVY_CACHE_DIR...); --scanners is only passed when
 * TRIVY_SCANNERS is not set, because a flag would override it.
 */
export function trivyArgs(
  scanner: 'trivy-fs' | 'trivy-image',
  env: NodeJS.ProcessEnv,
  image: string,
  skipFiles: readonly string[] = [],
): string[] {
  const common = TRIVY_COMMON;
  if (scanner === 'trivy-fs') {
    // The flag would override TRIVY_SKIP_FILES, so the variable's entries go into it.
    const skip = [...splitList(env['TRIVY_SKIP_FILES']), ...skipFiles];
    return [
      'fs',
      ...common,
      ...(env['TRIVY_SCANNERS'] ? [] : ['--scanners', 'vuln,secret,misconfig']),
      ...(skip.length > 0 ? ['--skip-files', skip.join(',')] : []),
      '.',
    ];
  }
  return ['image', ...common, ...(env['TRIVY_SCANNERS'] ? [] : ['--scanners', 'vuln,secret']), image];
}

/** Trivy's arguments for the rendered kustomizations: misconfigurations only. */
export function renderedTrivyArgs(target: string): string[] {
  return ['fs', ...TRIVY_COMMON, '--scanners', 'misconfig', target];
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Whether the file scan checks misconfigurations (TRIVY_SCANNERS, when set, decides). */
export function scansMisconfig(env: NodeJS.ProcessEnv): boolean {
  return (
    env['TRIVY_SCANNERS'] === undefined ||
    env['TRIVY_SCANNERS'] === '' ||
    splitList(env['TRIVY_SCANNERS']).includes('misconfig')
  );
}

/** Trivy's stderr when it has no vulnerability database and cannot download one (offline, or a first run with --skip-db-update). */
export function missingVulnDb(stderr: string): boolean {
  return /failed to download vulnerability DB|--skip-db-update cannot be specified on the first run|DB error/i.test(
    stderr,
  );
}

/** The checks that need no database: secrets and misconfigurations (an image's config is checked as misconfig). */
export const NO_DB_SCANNERS = 'secret,misconfig';

export const NO_VULN_DB =
  'not scanned for vulnerabilities: no vulnerability database (Trivy could not download one; set TRIVY_DB_REPOSITORY to a reachable mirror or pre-fill TRIVY_CACHE_DIR). Secrets and misconfigurations were scanned';

/** Trivy's arguments for the image's CycloneDX SBOM (packages only: it needs no vulnerability database). */
export function sbomArgs(image: string, file: string): string[] {
  return [
    'image',
    '--format',
    'cyclonedx',
    '--quiet',
    '--skip-version-check',
    '--disable-telemetry',
    '--output',
    file,
    image,
  ];
}

/** Writes the image's SBOM; returns the number of components, or throws with Trivy's message. */
export async function writeImageSbom(inputs: Inputs, deps: RunnerDeps = defaultDeps): Promise<number> {
  const program = deps.which('trivy');
  if (!program || !inputs.sbomFile) throw new Error(`trivy was not found on PATH: ${INSTALL_HINTS['trivy-image']}`);
  const out = await deps.exec(program, sbomArgs(inputs.image, inputs.sbomFile), {
    cwd: inputs.workingDirectory,
    env: scannerEnv(deps.env),
  });
  if (out.exitCode !== 0) throw new Error(`trivy exited with code ${out.exitCode}: ${tail(out.stderr)}`);
  const sbom = JSON.parse(await deps.readText(inputs.sbomFile)) as { components?: unknown[] };
  return sbom.components?.length ?? 0;
}

export function snykArgs(): string[] {
  return ['test', '--json'];
}

async function timed(scanner: ScannerName, deps: RunnerDeps, body: () => Promise<ScanResult>): Promise<ScanResult> {
  const started = deps.now();
  try {
    const result = await body();
    return { ...result, durationMs: deps.now() - started };
  } catch (error: unknown) {
    return { scanner, findings: [], error: describeError(error), durationMs: deps.now() - started };
  }
}

export async function runScanner(
  scanner: ScannerName,
  inputs: Inputs,
  deps: RunnerDeps = defaultDeps,
): Promise<ScanResult> {
  return timed(scanner, deps, async () => {
    const program = deps.which(PROGRAM[scanner]);
    if (!program) {
      return { scanner, findings: [], error: `${PROGRAM[scanner]} was not found on PATH: ${INSTALL_HINTS[scanner]}.` };
    }
    const cwd = inputs.workingDirectory;
    switch (scanner) {
      case 'npm-audit': {
        const lockfile = requireLockfile(cwd);
        const lockfileText = await deps.readText(path.join(cwd, lockfile)).catch(() => undefined);
        // npm's own fetch timeout is 5 minutes per request: it gets the step's bound instead.
        const env = scannerEnv(deps.env, {
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_fetch_timeout: String(inputs.timeoutMs),
        });
        const out = await deps.exec(program, npmAuditArgs(inputs.registry), { cwd, env, timeoutMs: inputs.timeoutMs });
        return parseNpmAudit(out.stdout, out.exitCode, out.stderr, {
          lockfilePath: joinPath(inputs.workingDirectoryFromRoot, lockfile),
          ...(lockfileText !== undefined ? { lockfileText } : {}),
        });
      }
      case 'trivy-fs':
        return scanFiles(program, inputs, deps);
      case 'trivy-image':
        return trivyScan('trivy-image', program, inputs, deps);
      case 'snyk': {
        const extra: Record<string, string> = { SNYK_DISABLE_ANALYTICS: '1' };
        if (inputs.snykToken) extra['SNYK_TOKEN'] = inputs.snykToken;
        const out = await deps.exec(program, snykArgs(), {
          cwd,
          env: scannerEnv(deps.env, extra),
          timeoutMs: inputs.timeoutMs,
        });
        return parseSnyk(out.stdout, out.exitCode, out.stderr, { pathPrefix: inputs.workingDirectoryFromRoot });
      }
    }
  });
}

/** trivy fs on the directory, kustomize patches left out, then each top-level kustomization rendered and checked. */
async function scanFiles(program: string, inputs: Inputs, deps: RunnerDeps): Promise<ScanResult> {
  const cwd = inputs.workingDirectory;
  const misconfig = scansMisconfig(deps.env);
  let plan: KustomizePlan = { roots: [], skipFiles: [] };
  let planError: string | undefined;
  if (misconfig) {
    try {
      plan = planKustomize(await findKustomizations(cwd, skipDirPatterns(deps.env)));
    } catch (error: unknown) {
      planError = `kustomize directories not checked: ${describeError(error)}`;
    }
  }
  const files = await trivyScan('trivy-fs', program, inputs, deps, plan.skipFiles);
  if (files.error || (plan.roots.length === 0 && !planError)) return files;
  const rendered = planError ? { error: planError } : await scanKustomizations(plan, program, inputs, deps);
  return {
    ...files,
    findings: [...files.findings, ...(rendered.findings ?? [])],
    ...(rendered.error ? { error: rendered.error } : {}),
  };
}

async function scanKustomizations(
  plan: KustomizePlan,
  trivy: string,
  inputs: Inputs,
  deps: RunnerDeps,
): Promise<{ findings?: Finding[]; error?: string }> {
  const dirs = plan.roots.map((root) => root.dir).join(', ');
  const kubectl = deps.which('kubectl');
  if (!kubectl)
    return {
      error: `kustomize directories ${dirs} not checked: rendering them needs kubectl on PATH (GitHub's hosted runners have it); their patch files were left out of the file scan because alone they are fragments`,
    };
  try {
    const env = scannerEnv(deps.env, { TRIVY_SKIP_DB_UPDATE: 'true' });
    const result = await scanRendered(plan, trivy, kubectl, renderedTrivyArgs, inputs.workingDirectoryFromRoot, {
      exec: (program, args, options) => deps.exec(program, args, { cwd: inputs.workingDirectory, ...options }),
      env,
      timeoutMs: inputs.timeoutMs,
    });
    return result.error ? { error: `kustomize directories ${dirs}: ${result.error}` } : { findings: result.findings };
  } catch (error: unknown) {
    return { error: `kustomize directories ${dirs} not checked: ${describeError(error)}` };
  }
}

/** One Trivy run; without a vulnerability database it still checks what needs none, and says what was not checked. */
async function trivyScan(
  scanner: 'trivy-fs' | 'trivy-image',
  program: string,
  inputs: Inputs,
  deps: RunnerDeps,
  skipFiles: readonly string[] = [],
): Promise<ScanResult> {
  const cwd = inputs.workingDirectory;
  const context = {
    scanner,
    pathPrefix: inputs.workingDirectoryFromRoot,
    ...(scanner === 'trivy-image' ? { image: inputs.image } : {}),
  };
  const out = await deps.exec(program, trivyArgs(scanner, deps.env, inputs.image, skipFiles), {
    cwd,
    env: scannerEnv(deps.env),
    timeoutMs: inputs.timeoutMs,
  });
  const result = parseTrivy(out.stdout, out.exitCode, out.stderr, context);
  if (!result.error || !missingVulnDb(out.stderr) || deps.env['TRIVY_SCANNERS']) return result;
  const env = scannerEnv(deps.env, { TRIVY_SCANNERS: NO_DB_SCANNERS, TRIVY_SKIP_DB_UPDATE: 'true' });
  const retry = await deps.exec(program, trivyArgs(scanner, env, inputs.image, skipFiles), { cwd, env });
  const partial = parseTrivy(retry.stdout, retry.exitCode, retry.stderr, context);
  return partial.error ? result : { ...partial, partial: NO_VULN_DB };
}
