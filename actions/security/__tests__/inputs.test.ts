import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseInputs } from '../src/inputs.js';
import type { InputName } from '../src/inputs.js';

const workspace = mkdtempSync(path.join(tmpdir(), 'security-inputs-'));
mkdirSync(path.join(workspace, 'app'));
const env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: '/runner/temp' };

const defaults: Record<InputName, string> = {
  'working-directory': '.',
  scanners: 'npm-audit,trivy-fs',
  'severity-threshold': 'high',
  image: '',
  allowlist: '',
  'sarif-file': '',
  'sbom-file': '',
  'snyk-token': '',
  registry: '',
  'fail-on-scanner-error': 'true',
  timeout: '10m',
  'allow-outside-workspace': 'false',
};
const parse = (overrides: Partial<Record<InputName, string>>) => {
  const raw: Record<string, string> = { ...defaults, ...overrides };
  return parseInputs((name) => raw[name] ?? '', env);
};

describe('inputs', () => {
  it('applies the defaults', () => {
    expect(parse({})).toEqual({
      workingDirectory: workspace,
      workingDirectoryFromRoot: '',
      workspace,
      scanners: ['npm-audit', 'trivy-fs'],
      severityThreshold: 'high',
      image: '',
      allowlist: undefined,
      sarifFile: '/runner/temp/security/security.sarif',
      sbomFile: undefined,
      snykToken: '',
      registry: undefined,
      failOnScannerError: true,
      timeoutMs: 600_000,
      allowOutsideWorkspace: false,
      secrets: [],
    });
  });

  it('without RUNNER_TEMP, writes the SARIF file under the system temp directory, not the workspace', () => {
    expect(parseInputs((name) => defaults[name as InputName] ?? '', { GITHUB_WORKSPACE: workspace }).sarifFile).toBe(
      path.join(tmpdir(), 'security', 'security.sarif'),
    );
  });

  it.each([
    [
      { 'working-directory': 'app' },
      { workingDirectory: path.join(workspace, 'app'), workingDirectoryFromRoot: 'app' },
    ],
    [{ scanners: 'snyk\n npm-audit, snyk' }, { scanners: ['snyk', 'npm-audit'] }],
    [{ 'severity-threshold': 'CRITICAL' }, { severityThreshold: 'critical' }],
    [{ 'severity-threshold': ' moderate ' }, { severityThreshold: 'moderate' }],
    [{ scanners: 'trivy-image', image: 'ghcr.io/acme/app:1.0' }, { image: 'ghcr.io/acme/app:1.0' }],
    [{ allowlist: '.github/allow.yml' }, { allowlist: path.join(workspace, '.github/allow.yml') }],
    [{ 'sarif-file': 'out/s.sarif' }, { sarifFile: path.join(workspace, 'out/s.sarif') }],
    [
      { scanners: 'trivy-image', image: 'ghcr.io/acme/app:1.0', 'sbom-file': 'sbom.cdx.json' },
      { sbomFile: path.join(workspace, 'sbom.cdx.json') },
    ],
    [{ registry: 'http://127.0.0.1:4873' }, { registry: 'http://127.0.0.1:4873/' }],
    [{ 'fail-on-scanner-error': 'false' }, { failOnScannerError: false }],
    [{ timeout: '90s' }, { timeoutMs: 90_000 }],
    [{ 'sarif-file': '/runner/temp/out.sarif' }, { sarifFile: '/runner/temp/out.sarif' }],
    [
      { 'sarif-file': '/elsewhere/s.sarif', 'allow-outside-workspace': 'true' },
      { sarifFile: '/elsewhere/s.sarif', allowOutsideWorkspace: true },
    ],
  ] as [Partial<Record<InputName, string>>, object][])('%j', (overrides, expected) => {
    expect(parse(overrides)).toMatchObject(expected);
  });

  it.each([
    [
      { scanners: 'npm-audit,grype' },
      `Input 'scanners' has an invalid value "grype": expected a comma-separated list of npm-audit, trivy-fs, trivy-image, snyk.`,
    ],
    [
      { scanners: ' , ' },
      `Input 'scanners' has an invalid value " , ": expected at least one of npm-audit, trivy-fs, trivy-image, snyk.`,
    ],
    [
      { 'severity-threshold': 'medium' },
      `Input 'severity-threshold' has an invalid value "medium": expected one of low, moderate, high, critical (Trivy's and Snyk's "medium" is "moderate" here).`,
    ],
    [
      { 'severity-threshold': 'severe' },
      `Input 'severity-threshold' has an invalid value "severe": expected one of low, moderate, high, critical`,
    ],
    [{ scanners: 'trivy-image' }, `Input 'image' has an invalid value "": expected a container image reference`],
    [
      { 'sbom-file': 'sbom.cdx.json' },
      `Input 'sbom-file' has an invalid value "sbom.cdx.json": expected a path only together with trivy-image in scanners`,
    ],
    [{ image: '--config=/etc/passwd' }, `Input 'image' has an invalid value "--config=/etc/passwd"`],
    [
      { registry: 'registry.example.com' },
      `Input 'registry' has an invalid value "registry.example.com": expected an http(s) URL`,
    ],
    [{ registry: 'file:///tmp' }, `Input 'registry' has an invalid value "file:///tmp"`],
    [
      { 'fail-on-scanner-error': 'maybe' },
      `Input 'fail-on-scanner-error' has an invalid value "maybe": expected true or false.`,
    ],
    [{ timeout: 'forever' }, `Input 'timeout' has an invalid value "forever": expected a duration`],
    // Issue 13: these failed only after every scanner had run, and without naming the input.
    [{ 'sarif-file': 'app' }, `Input 'sarif-file' has an invalid value "app": expected a file path for the SARIF file`],
    [{ 'sarif-file': 'out/' }, `Input 'sarif-file' has an invalid value "out/": expected a file path`],
    [
      { 'sarif-file': `${'n'.repeat(300)}.sarif` },
      `Input 'sarif-file' has an invalid value "${'n'.repeat(117)}...": expected a file path for the SARIF file (its folders are created) whose every name is at most 255 bytes.`,
    ],
    [
      { 'sarif-file': 'a\n::error::x.sarif' },
      `Input 'sarif-file' has an invalid value "a\\n::error::x.sarif": expected a SARIF file without line breaks`,
    ],
    [
      { 'sarif-file': '/etc/cron.d/x.sarif' },
      `Input 'sarif-file' has an invalid value "/etc/cron.d/x.sarif": expected a SARIF file inside the workspace`,
    ],
    [
      { allowlist: '/etc/passwd' },
      `Input 'allowlist' has an invalid value "/etc/passwd": expected an allow-list file inside the workspace`,
    ],
    [
      { 'working-directory': '/' },
      `Input 'working-directory' has an invalid value "/": expected a directory inside the workspace`,
    ],
    [
      { registry: 'https://registry.example.com/%E0%A4%A' },
      `Input 'registry' has an invalid value "https://registry.example.com/%E0%A4%A": expected an http(s) URL such as https://registry.example.com/ (or empty for the repository npm configuration) whose percent-encoding is correct`,
    ],
    [
      { 'working-directory': 'missing' },
      `Input 'working-directory' has an invalid value "missing": expected an existing directory`,
    ],
  ] as [Partial<Record<InputName, string>>, string][])('rejects %j', (overrides, message) => {
    expect(() => parse(overrides)).toThrow(message);
  });
});

// Issue 13 (fuzz): a snyk-token with a line break was masked line by line, so a scanner's stderr line equal to one
// of its lines vanished from the error (and the failure did not say why).
describe('snyk-token', () => {
  it.each([
    ['a line break', 'snyk-Tok\r\n::stop-commands::x'],
    ['a space', 'snyk Tok'],
    ['a non-ASCII character', 'snyk-T\u00f6k'],
  ])('refuses one with %s by name, without showing it', (_what, token) => {
    expect(() => parse({ 'snyk-token': token })).toThrow(
      /^Input 'snyk-token' has an invalid value "\*\*\*": expected a Snyk API token of printable ASCII on one line, without spaces; this one holds/,
    );
  });
});

describe('registry credentials', () => {
  it('masks a password given in the registry URL', () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
    try {
      expect(parse({ registry: 'https://ci:s3cr3t-p4ss@registry.example.com/npm' }).registry).toBe(
        'https://ci:s3cr3t-p4ss@registry.example.com/npm/',
      );
    } finally {
      process.stdout.write = write;
    }
    expect(lines.join('')).toContain('::add-mask::s3cr3t-p4ss');
  });

  it('keeps the credentials for redact(), and never shows them in an error', () => {
    const write = process.stdout.write.bind(process.stdout);
    let written = '';
    process.stdout.write = (chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    };
    try {
      expect(parse({ registry: 'https://ci:p%40ss@registry.example.com/', 'snyk-token': 'snyk-tok' }).secrets).toEqual([
        'snyk-tok',
        'p%40ss',
        'p@ss',
      ]);
      expect(() => parse({ registry: 'https://ci:50%zz@registry.example.com/' })).toThrow(
        `Input 'registry' has an invalid value "https://***@registry.example.com/": expected an http(s) URL such as https://registry.example.com/ (or empty for the repository npm configuration) whose percent-encoding is correct`,
      );
    } finally {
      process.stdout.write = write;
    }
    expect(written).toContain('::add-mask::p@ss');
  });
});
