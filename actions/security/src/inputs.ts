import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  InputError,
  headerValueProblem,
  maskSecret,
  OUTSIDE_WORKSPACE_INPUT,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseEnumList,
  parseHttpUrl,
  parsePath,
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
  /** How long each scanner may run (its network calls included) before it is stopped. */
  timeoutMs: number;
  allowOutsideWorkspace: boolean;
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
  'timeout',
  OUTSIDE_WORKSPACE_INPUT,
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

const THRESHOLD_ACCEPTED = `one of ${SEVERITIES.join(', ')} (Trivy's and Snyk's "medium" is "moderate" here)`;

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env);

type RawInputs = Record<InputName, string>;

function parseWorkingDirectory(
  raw: RawInputs,
  workspace: string,
  allowOutside: boolean,
): Pick<Inputs, 'workingDirectory' | 'workingDirectoryFromRoot'> {
  const workingDirectory = parsePath('working-directory', raw['working-directory'].trim() || '.', {
    workspace,
    allowOutside,
    what: 'a directory',
  });
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
function parseSbomFile(
  raw: RawInputs,
  scanners: readonly ScannerName[],
  workspace: string,
  allowOutside: boolean,
): string | undefined {
  const value = raw['sbom-file'].trim();
  if (value === '') return undefined;
  if (!scanners.includes('trivy-image'))
    throw new InputError(
      'sbom-file',
      raw['sbom-file'],
      'a path only together with trivy-image in scanners (the SBOM is of the scanned image)',
    );
  return parsePath('sbom-file', value, { workspace, allowOutside, what: 'an SBOM file' });
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

const SARIF_ACCEPTED = 'a file path for the SARIF file (its folders are created)';
/** Longest file name most file systems take (bytes), past which writing fails with ENAMETOOLONG. */
const NAME_MAX = 255;

/**
 * The SARIF path, checked before any scanner runs (the write itself is probed
 * in main): inside the workspace or RUNNER_TEMP, not a directory, no name
 * longer than the file system takes.
 */
function parseSarifFile(raw: RawInputs, workspace: string, runnerTemp: string, allowOutside: boolean): string {
  const value = raw['sarif-file'].trim();
  if (value === '') return path.join(runnerTemp, 'security', 'security.sarif');
  const file = parsePath('sarif-file', value, {
    workspace,
    allowOutside,
    what: 'a SARIF file',
    alsoInside: [runnerTemp],
  });
  const long = file.split(path.sep).find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (long !== undefined)
    throw new InputError('sarif-file', value, `${SARIF_ACCEPTED} whose every name is at most ${NAME_MAX} bytes`);
  if (value.endsWith('/') || (existsSync(file) && statSync(file).isDirectory()))
    throw new InputError('sarif-file', value, `${SARIF_ACCEPTED}, not a directory (${file} is one)`);
  return file;
}

/** Validates every input, read once. Pure apart from checking that paths exist and registering secrets. */
export function parseInputs(read: ReadInput, env: RunEnv): Inputs {
  const raw = Object.fromEntries(INPUT_NAMES.map((name) => [name, read(name)])) as RawInputs;
  const { workspace, runnerTemp } = runContext(env);

  const allowOutside = parseBoolean(OUTSIDE_WORKSPACE_INPUT, raw[OUTSIDE_WORKSPACE_INPUT], false);
  const snykToken = raw['snyk-token'].trim();
  maskSecret(snykToken);
  // A token with a line break is masked line by line: a scanner line equal to one of them vanished from errors.
  const tokenIssue =
    snykToken === ''
      ? undefined
      : (headerValueProblem(snykToken) ?? (/\s/.test(snykToken) ? 'holds a space' : undefined));
  if (tokenIssue)
    throw new InputError(
      'snyk-token',
      '***',
      `a Snyk API token of printable ASCII on one line, without spaces; this one ${tokenIssue} (the value is not shown because it is secret)`,
    );
  const { workingDirectory, workingDirectoryFromRoot } = parseWorkingDirectory(raw, workspace, allowOutside);
  const scanners = parseScanners(raw);
  const severityThreshold = parseSeverityThreshold(raw);
  const image = parseImage(raw, scanners);

  const allowlistRaw = raw['allowlist'].trim();
  const allowlist =
    allowlistRaw === ''
      ? undefined
      : parsePath('allowlist', allowlistRaw, { workspace, allowOutside, what: 'an allow-list file' });
  const sarifFile = parseSarifFile(raw, workspace, runnerTemp, allowOutside);

  const sbomFile = parseSbomFile(raw, scanners, workspace, allowOutside);

  const { registry, secrets: registrySecrets } = parseRegistry(raw);
  const secrets = [snykToken, ...registrySecrets];

  const failOnScannerError = parseBoolean('fail-on-scanner-error', raw['fail-on-scanner-error'], true);
  const timeoutMs = parseDuration('timeout', raw['timeout'], { minMs: 1000, maxMs: 6 * 3_600_000 }, 600_000);

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
    timeoutMs,
    allowOutsideWorkspace: allowOutside,
    secrets: Object.freeze(secrets.filter((s) => s !== '')),
  });
}
