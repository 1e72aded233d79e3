import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecOptions } from '@pipeline/action-kit';
import type { Inputs } from '../src/inputs.js';
import {
  missingVulnDb,
  npmAuditArgs,
  requireLockfile,
  runScanner,
  scannerEnv,
  trivyArgs,
  whichOnPath,
} from '../src/scanners.js';
import type { RunnerDeps } from '../src/scanners.js';
import { fixture, fixtures } from './helpers/findings.js';

const inputs: Inputs = {
  workingDirectory: path.join(fixtures, 'npm-project'),
  workingDirectoryFromRoot: 'app',
  workspace: fixtures,
  scanners: ['npm-audit'],
  severityThreshold: 'high',
  image: 'ghcr.io/acme/app:1.0',
  allowlist: undefined,
  sarifFile: '/tmp/x.sarif',
  sbomFile: undefined,
  snykToken: 'tok-123456',
  registry: 'http://127.0.0.1:9/',
  failOnScannerError: true,
  timeoutMs: 60_000,
  allowOutsideWorkspace: false,
  secrets: ['tok-123456'],
};

function fakeDeps(output: { stdout: string; exitCode?: number; stderr?: string }, found = true) {
  const calls: { command: string; args: readonly string[]; options: ExecOptions | undefined }[] = [];
  let clock = 0;
  const deps: RunnerDeps = {
    exec: async (command, args, options) => {
      calls.push({ command, args, options });
      return { exitCode: output.exitCode ?? 0, stdout: output.stdout, stderr: output.stderr ?? '' };
    },
    env: { PATH: '/bin', HOME: '/root', 'INPUT_SNYK-TOKEN': 'tok-123456' },
    which: (program) => (found ? `/usr/bin/${program}` : undefined),
    readText: async (file) => fixture('npm-project', path.basename(file)),
    now: () => (clock += 250),
  };
  return { deps, calls };
}

describe('scanner command lines', () => {
  it.each([
    [undefined, ['audit', '--json']],
    ['http://127.0.0.1:4873/', ['audit', '--json', '--registry', 'http://127.0.0.1:4873/']],
  ])('npm audit with registry %p', (registry, args) => {
    expect(npmAuditArgs(registry)).toEqual(args);
  });

  it.each([
    [
      'trivy-fs',
      {},
      [
        'fs',
        '--format',
        'json',
        '--quiet',
        '--skip-version-check',
        '--disable-telemetry',
        '--exit-code',
        '0',
        '--scanners',
        'vuln,secret,misconfig',
        '.',
      ],
    ],
    [
      'trivy-fs',
      { TRIVY_SCANNERS: 'secret' },
      ['fs', '--format', 'json', '--quiet', '--skip-version-check', '--disable-telemetry', '--exit-code', '0', '.'],
    ],
    [
      'trivy-image',
      {},
      [
        'image',
        '--format',
        'json',
        '--quiet',
        '--skip-version-check',
        '--disable-telemetry',
        '--exit-code',
        '0',
        '--scanners',
        'vuln,secret',
        'alpine:3.20',
      ],
    ],
  ] as ['trivy-fs' | 'trivy-image', NodeJS.ProcessEnv, string[]][])('%s with env %j', (scanner, env, args) => {
    expect(trivyArgs(scanner, env, 'alpine:3.20')).toEqual(args);
  });

  it('keeps INPUT_* variables (the Snyk token among them) away from scanners', () => {
    expect(
      scannerEnv(
        { PATH: '/bin', 'INPUT_SNYK-TOKEN': 'secret', INPUT_SCANNERS: 'snyk', UNDEFINED: undefined },
        { SNYK_TOKEN: 't' },
      ),
    ).toEqual({ PATH: '/bin', SNYK_TOKEN: 't' });
  });
});

describe('requireLockfile and whichOnPath', () => {
  it('prefers npm-shrinkwrap.json, explains other lockfiles', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lock-'));
    expect(() => requireLockfile(dir)).toThrow(
      /neither package-lock.json nor npm-shrinkwrap.json exists in .*npm install --package-lock-only/,
    );
    writeFileSync(path.join(dir, 'pnpm-lock.yaml'), '');
    expect(() => requireLockfile(dir)).toThrow(/This folder has pnpm-lock.yaml, which npm audit cannot read/);
    writeFileSync(path.join(dir, 'package-lock.json'), '{}');
    expect(requireLockfile(dir)).toBe('package-lock.json');
    writeFileSync(path.join(dir, 'npm-shrinkwrap.json'), '{}');
    expect(requireLockfile(dir)).toBe('npm-shrinkwrap.json');
  });

  it('finds only executable files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bin-'));
    writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
    expect(whichOnPath('tool', { PATH: `/nonexistent${path.delimiter}${dir}` })).toBeUndefined();
    chmodSync(path.join(dir, 'tool'), 0o755);
    expect(whichOnPath('tool', { PATH: `/nonexistent${path.delimiter}${dir}` })).toBe(path.join(dir, 'tool'));
    expect(whichOnPath('tool', {})).toBeUndefined();
  });
});

describe('runScanner with a fake exec', () => {
  it('runs npm audit in the working directory and reads the lockfile for versions and lines', async () => {
    const { deps, calls } = fakeDeps({ stdout: fixture('outputs', 'npm-audit-lodash.json'), exitCode: 1 });
    const result = await runScanner('npm-audit', inputs, deps);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toBe('/usr/bin/npm');
    expect(calls[0]?.args).toEqual(['audit', '--json', '--registry', 'http://127.0.0.1:9/']);
    expect(calls[0]?.options?.cwd).toBe(inputs.workingDirectory);
    expect(calls[0]?.options?.env).toEqual({
      PATH: '/bin',
      HOME: '/root',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_fetch_timeout: '60000',
    });
    // Issue 13: a registry that never answers kept npm audit waiting 300 s; now the step's timeout bounds it.
    expect(calls[0]?.options?.timeoutMs).toBe(60_000);
    expect(result.findings).toHaveLength(6);
    expect(result.findings[0]?.location).toEqual({ path: 'app/package-lock.json', startLine: 14, endLine: 14 });
    expect(result.durationMs).toBe(250);
  });

  it('runs trivy image on the given image and gives snyk its token', async () => {
    const trivy = fakeDeps({ stdout: fixture('outputs', 'trivy-fs-offline.json') });
    const image = await runScanner('trivy-image', inputs, trivy.deps);
    expect(trivy.calls[0]?.args.at(-1)).toBe('ghcr.io/acme/app:1.0');
    expect(image.findings.find((f) => f.kind === 'secret')?.location?.path).toBe(
      'ghcr.io/acme/app:1.0/config/deploy.env',
    );

    const snyk = fakeDeps({ stdout: fixture('outputs', 'snyk-lodash.json'), exitCode: 1 });
    await runScanner('snyk', inputs, snyk.deps);
    expect(snyk.calls[0]?.args).toEqual(['test', '--json']);
    expect(snyk.calls[0]?.options?.env).toMatchObject({ SNYK_TOKEN: 'tok-123456', SNYK_DISABLE_ANALYTICS: '1' });
    expect(snyk.calls[0]?.options?.env?.['INPUT_SNYK-TOKEN']).toBeUndefined();
  });

  it.each([
    ['npm-audit', 'npm was not found on PATH: add actions/setup-node'],
    ['trivy-fs', 'trivy was not found on PATH: add a step that installs Trivy'],
    ['trivy-image', 'trivy was not found on PATH: add a step that installs Trivy'],
    ['snyk', 'snyk was not found on PATH: add snyk/actions/setup'],
  ] as const)('%s missing from PATH is a scanner error with an install hint', async (scanner, message) => {
    const { deps, calls } = fakeDeps({ stdout: '' }, false);
    const result = await runScanner(scanner, inputs, deps);
    expect(calls).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.error).toContain(message);
  });

  it('trivy without a vulnerability database scans secrets and misconfigurations and says what it did not scan', async () => {
    const calls: (readonly string[])[] = [];
    const { deps } = fakeDeps({ stdout: '' });
    deps.exec = async (_command, args, options) => {
      calls.push(args);
      if (options?.env?.['TRIVY_SCANNERS'] !== 'secret,misconfig')
        return {
          exitCode: 1,
          stdout: '',
          stderr: 'FATAL run error: init error: DB error: failed to download vulnerability DB',
        };
      return { exitCode: 0, stdout: fixture('outputs', 'trivy-fs-offline.json'), stderr: '' };
    };
    const result = await runScanner('trivy-image', inputs, deps);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toContain('vuln,secret');
    expect(calls[1]).not.toContain('--scanners');
    expect(result.error).toBeUndefined();
    expect(result.partial).toMatch(/^not scanned for vulnerabilities: no vulnerability database/);
    expect(result.findings.some((f) => f.kind === 'secret')).toBe(true);
  });

  it.each([
    ['FATAL DB error: failed to download vulnerability DB: OCI artifact error', true],
    ['database error: --skip-db-update cannot be specified on the first run', true],
    ['FATAL image scan error: unable to find the specified image', false],
  ])('missingVulnDb(%s) is %s', (stderr, expected) => expect(missingVulnDb(stderr)).toBe(expected));

  it('a scan that fails for another reason is a scanner error, not retried', async () => {
    const { deps, calls } = fakeDeps({ stdout: '', exitCode: 1, stderr: 'FATAL unable to find the specified image' });
    const result = await runScanner('trivy-image', inputs, deps);
    expect(calls).toHaveLength(1);
    expect(result.error).toContain('unable to find the specified image');
    expect(result.partial).toBeUndefined();
  });

  it('an exec that throws becomes a scanner error', async () => {
    const { deps } = fakeDeps({ stdout: '' });
    deps.exec = async () => {
      throw new Error('spawn EACCES');
    };
    const result = await runScanner('snyk', inputs, deps);
    expect(result.error).toBe('spawn EACCES');
  });
});
