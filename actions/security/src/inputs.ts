import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, maskSecret, parseBoolean, parseEnum, parseEnumList } from '@pipeline/action-kit';
import { SCANNERS, SEVERITIES } from './model.js';
import type { ScannerName, Severity } from './model.js';

export interface Inputs {
  /** Absolute directory that is scanned. */
  workingDirectory: string;
  /** The same, relative to the workspace with forward slashes ('' for the workspace itself): prefixes SARIF paths. */
  workingDirectoryFromRoot: string;
  workspace: string;
  scanners: readonly ScannerName[];
  severityThreshold: Severity;
  image: string;
  /** Absolute path of the allow-list, or undefined when none is given. */
  allowlist: string | undefined;
  /** Absolute path of the SARIF file to write. */
  sarifFile: string;
  snykToken: string;
  registry: string | undefined;
  failOnScannerError: boolean;
}

export const INPUT_NAMES = [
  'working-directory',
  'scanners',
  'severity-threshold',
  'image',
  'allowlist',
  'sarif-file',
  'snyk-token',
  'registry',
  'fail-on-scanner-error',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

const THRESHOLD_ACCEPTED = `one of ${SEVERITIES.join(', ')} (Trivy's and Snyk's "medium" is "moderate" here)`;

/** Validates raw input strings (as core.getInput returns them). Pure apart from checking that paths exist. */
export function parseInputs(raw: Readonly<Record<InputName, string>>, env: NodeJS.ProcessEnv = process.env): Inputs {
  const workspace = path.resolve(env['GITHUB_WORKSPACE'] || process.cwd());

  const workingDirectory = path.resolve(workspace, raw['working-directory'].trim() || '.');
  if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory()) {
    throw new InputError('working-directory', raw['working-directory'], `an existing directory (resolved to ${workingDirectory})`);
  }
  const relative = path.relative(workspace, workingDirectory).split(path.sep).join('/');
  const workingDirectoryFromRoot = relative.startsWith('..') ? '' : relative;

  const scanners = parseEnumList('scanners', raw['scanners'], SCANNERS);
  if (scanners.length === 0) throw new InputError('scanners', raw['scanners'], `at least one of ${SCANNERS.join(', ')}`);

  let severityThreshold: Severity;
  try {
    severityThreshold = parseEnum('severity-threshold', raw['severity-threshold'].trim().toLowerCase(), SEVERITIES, 'high');
  } catch {
    throw new InputError('severity-threshold', raw['severity-threshold'], THRESHOLD_ACCEPTED);
  }

  const image = raw['image'].trim();
  if (scanners.includes('trivy-image') && image === '') {
    throw new InputError('image', raw['image'], 'a container image reference (such as ghcr.io/org/app:1.2.3) because scanners includes trivy-image');
  }
  if (/\s/.test(image) || image.startsWith('-')) {
    throw new InputError('image', raw['image'], 'one image reference without spaces that does not start with "-"');
  }

  const allowlistRaw = raw['allowlist'].trim();
  const allowlist = allowlistRaw === '' ? undefined : path.resolve(workspace, allowlistRaw);

  const runnerTemp = env['RUNNER_TEMP'] || path.join(workspace, '.tmp');
  const sarifRaw = raw['sarif-file'].trim();
  const sarifFile = sarifRaw === '' ? path.join(runnerTemp, 'security', 'security.sarif') : path.resolve(workspace, sarifRaw);

  const snykToken = raw['snyk-token'].trim();
  maskSecret(snykToken);

  const registryRaw = raw['registry'].trim();
  let registry: string | undefined;
  if (registryRaw !== '') {
    let url: URL | undefined;
    try {
      url = new URL(registryRaw);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InputError('registry', registryRaw, 'an http(s) URL such as https://registry.example.com/ (or empty for the repository npm configuration)');
    }
    if (url.password) maskSecret(decodeURIComponent(url.password));
    registry = url.href.endsWith('/') ? url.href : `${url.href}/`;
  }

  const failOnScannerError = parseBoolean('fail-on-scanner-error', raw['fail-on-scanner-error'], true);

  return Object.freeze({
    workingDirectory,
    workingDirectoryFromRoot,
    workspace,
    scanners: Object.freeze([...scanners]),
    severityThreshold,
    image,
    allowlist,
    sarifFile,
    snykToken,
    registry,
    failOnScannerError,
  });
}

/** Reads every input once (the only place that calls core.getInput). */
export function getInputs(): Inputs {
  const raw = Object.fromEntries(INPUT_NAMES.map((name) => [name, core.getInput(name)])) as Record<InputName, string>;
  return parseInputs(raw);
}
