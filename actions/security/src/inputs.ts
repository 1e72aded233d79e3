import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  InputError,
  maskSecret,
  parseBoolean,
  parseEnum,
  parseEnumList,
  parseHttpUrl,
  runContext,
  urlSecrets,
  type ReadInput,
  type RunEnv,
} from '@pipeline/action-kit';
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
  /** Absolute path of the image's CycloneDX SBOM to write (trivy-image only), or undefined. */
  sbomFile: string | undefined;
  snykToken: string;
  registry: string | undefined;
  failOnScannerError: boolean;
  /** Every secret the inputs carry (the Snyk token, the registry URL's credentials), for redact(). */
  secrets: readonly string[];
}

export const INPUT_NAMES = [
  'working-directory',
  'scanners',
  'severity-threshold',
  'image',
  'allowlist',
  'sarif-file',
  'sbom-file',
  'snyk-token',
  'registry',
  'fail-on-scanner-error',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

const THRESHOLD_ACCEPTED = `one of ${SEVERITIES.join(', ')} (Trivy's and Snyk's "medium" is "moderate" here)`;

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);

type RawInputs = Record<InputName, string>;

function parseWorkingDirectory(
  raw: RawInputs,
  workspace: string,
): Pick<Inputs, 'workingDirectory' | 'workingDirectoryFromRoot'> {
  const workingDirectory = path.resolve(workspace, raw['working-directory'].trim() || '.');
  if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory()) {
    throw new InputError(
      'working-directory',
      raw['working-directory'],
      `an existing directory (resolved to ${workingDirectory})`,
    );
  }
  const relative = path.relative(workspace, workingDirectory).split(path.sep).join('/');
  const workingDirectoryFromRoot = relative.startsWith('..') ? '' : relative;
  return { workingDirectory, workingDirectoryFromRoot };
}

function parseScanners(raw: RawInputs): readonly ScannerName[] {
  const scanners = parseEnumList('scanners', raw['scanners'], SCANNERS);
  if (scanners.length === 0)
    throw new InputError('scanners', raw['scanners'], `at least one of ${SCANNERS.join(', ')}`);
  return scanners;
}

function parseSeverityThreshold(raw: RawInputs): Severity {
  try {
    return parseEnum('severity-threshold', raw['severity-threshold'].trim().toLowerCase(), SEVERITIES, 'high');
  } catch {
    throw new InputError('severity-threshold', raw['severity-threshold'], THRESHOLD_ACCEPTED);
  }
}

function parseImage(raw: RawInputs, scanners: readonly ScannerName[]): string {
  const image = raw['image'].trim();
  if (scanners.includes('trivy-image') && image === '') {
    throw new InputError(
      'image',
      raw['image'],
      'a container image reference (such as ghcr.io/org/app:1.2.3) because scanners includes trivy-image',
    );
  }
  if (/\s/.test(image) || image.startsWith('-')) {
    throw new InputError('image', raw['image'], 'one image reference without spaces that does not start with "-"');
  }
  return image;
}

/** The SBOM path (relative to the workspace); it describes the scanned image, so it needs trivy-image. */
function parseSbomFile(raw: RawInputs, scanners: readonly ScannerName[], workspace: string): string | undefined {
  const value = raw['sbom-file'].trim();
  if (value === '') return undefined;
  if (!scanners.includes('trivy-image'))
    throw new InputError(
      'sbom-file',
      raw['sbom-file'],
      'a path only together with trivy-image in scanners (the SBOM is of the scanned image)',
    );
  return path.resolve(workspace, value);
}

/** The registry URL with a trailing slash (undefined when empty), and the credentials it carries. */
function parseRegistry(raw: RawInputs): { registry: string | undefined; secrets: string[] } {
  const registryRaw = raw['registry'].trim();
  if (registryRaw === '') return { registry: undefined, secrets: [] };
  const url = parseHttpUrl('registry', registryRaw, {
    credentials: 'mask',
    accepted: 'an http(s) URL such as https://registry.example.com/ (or empty for the repository npm configuration)',
  });
  return { registry: url.href.endsWith('/') ? url.href : `${url.href}/`, secrets: urlSecrets(url) };
}

/** Validates every input, read once. Pure apart from checking that paths exist and registering secrets. */
export function parseInputs(read: ReadInput, env: RunEnv): Inputs {
  const raw = Object.fromEntries(INPUT_NAMES.map((name) => [name, read(name)])) as RawInputs;
  const { workspace, runnerTemp } = runContext(env);

  const { workingDirectory, workingDirectoryFromRoot } = parseWorkingDirectory(raw, workspace);
  const scanners = parseScanners(raw);
  const severityThreshold = parseSeverityThreshold(raw);
  const image = parseImage(raw, scanners);

  const allowlistRaw = raw['allowlist'].trim();
  const allowlist = allowlistRaw === '' ? undefined : path.resolve(workspace, allowlistRaw);

  const sarifRaw = raw['sarif-file'].trim();
  const sarifFile =
    sarifRaw === '' ? path.join(runnerTemp, 'security', 'security.sarif') : path.resolve(workspace, sarifRaw);

  const sbomFile = parseSbomFile(raw, scanners, workspace);

  const snykToken = raw['snyk-token'].trim();
  maskSecret(snykToken);

  const { registry, secrets: registrySecrets } = parseRegistry(raw);
  const secrets = [snykToken, ...registrySecrets];

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
    sbomFile,
    snykToken,
    registry,
    failOnScannerError,
    secrets: Object.freeze(secrets.filter((s) => s !== '')),
  });
}
