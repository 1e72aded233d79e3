/**
 * Every input of actions/smoke-test, read once and validated here.
 */
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import {
  ActionError,
  InputError,
  isHeaderName,
  headerValueProblem,
  HEADER_VALUE_ACCEPTED,
  maskSecret,
  parseDuration,
  parseHttpUrl,
  parseInteger,
  parseNumber,
  requireValue,
  runContext,
  isRecord,
  hasControlCharacters,
  parseBoolean,
  quoteValue,
  parsePath,
  OUTSIDE_WORKSPACE_INPUT,
  type ReadInput,
  type RunEnv,
} from '@pipeline/action-kit';
import { MANAGED_HEADERS, type Check } from '@pipeline/action-kit/checks';
import {
  decodeKubeconfig,
  kubeconfigMasks,
  parseServiceRef,
  type DecodedKubeconfig,
  type ServiceRef,
} from '@pipeline/action-kit/kube';
import { ChecksError, defaultCheck } from './check-model.js';
import { parseChecks } from './check-parsing.js';

/** A Service reached through the API server (a port-forward from this runner) instead of a URL. */
export interface ServiceTarget {
  ref: ServiceRef;
  kubeconfig: DecodedKubeconfig;
}

export interface Inputs {
  /** The service's base URL; undefined with `service` (then the port-forward's local URL). */
  url: URL | undefined;
  /** With `service`: which Service, and the kubeconfig to reach it with. */
  service?: ServiceTarget;
  /** Prometheus HTTP API base URL for promql checks. */
  prometheusUrl?: URL;
  checks: readonly Check[];
  /** Where the checks came from: `inline`, a file path, or `default` (GET url). */
  checksSource: string;
  /** Path polled until it answers 2xx, or undefined to start at once. */
  waitForReady?: string;
  timeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  loadDurationMs?: number;
  loadRequests?: number;
  loadConcurrency: number;
  loadRate?: number;
  maxP95Ms?: number;
  maxErrorRate?: number;
  headers: Readonly<Record<string, string>>;
  /** Values masked in the log and redacted from the report and summary. */
  secrets: readonly string[];
  /** What was tolerated while reading the inputs (shown as notices). */
  notices: readonly string[];
}

export const INPUT_NAMES = [
  'url',
  'service',
  'kubeconfig',
  'checks',
  'wait-for-ready',
  'timeout',
  'request-timeout',
  'retries',
  'load-duration',
  'load-requests',
  'load-concurrency',
  'load-rate',
  'max-p95-ms',
  'max-error-rate',
  'headers',
  'prometheus-url',
  OUTSIDE_WORKSPACE_INPUT,
] as const;
export type RawInputs = Record<(typeof INPUT_NAMES)[number], string>;

/** Reads a checks file (the file system on the runner, a table in tests). */
export type ReadFile = (file: string) => string;

/** The longest wait-for-ready path: far above any health endpoint, well under servers' request-line limits. */
export const MAX_READY_PATH_CHARS = 2048;

/** Header names whose values in `checks` are treated as secrets too (the `headers` input is always secret). */
const SENSITIVE_HEADER = /authorization|cookie|token|secret|api-?key|password|session|signature/i;

export const getInputs = (): Inputs => parseInputs(core.getInput, process.env, (file) => readFileSync(file, 'utf8'));

/**
 * Every input, read once and validated. Pure apart from reading a checks file
 * through `readFile` and registering secrets: the header values are masked
 * before anything can fail and print them.
 */
export function parseInputs(read: ReadInput, env: RunEnv, readFile: ReadFile): Inputs {
  const raw = Object.fromEntries(INPUT_NAMES.map((name) => [name, read(name)])) as RawInputs;
  // The kubeconfig first, in every spelling and each secret in it, even when it is too broken to use.
  for (const value of kubeconfigMasks(raw.kubeconfig)) maskSecret(value);
  const masked = new Set(rawHeaderValues(raw.headers));
  for (const value of masked) maskSecret(value);
  const inputs = validate(raw, runContext(env).workspace, readFile);
  for (const secret of inputs.secrets) if (!masked.has(secret)) maskSecret(secret);
  return inputs;
}

function rawHeaderValues(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = firstSeparator(line);
      return at > 0 ? line.slice(at + 1).trim() : '';
    })
    .filter((value) => value !== '');
}

function firstSeparator(line: string): number {
  const colon = line.indexOf(':');
  const eq = line.indexOf('=');
  if (colon < 0) return eq;
  if (eq < 0) return colon;
  return Math.min(colon, eq);
}

function validate(raw: RawInputs, workspace: string, readFile: ReadFile): Inputs {
  const { url, service } = parseTarget(raw);
  const headers = parseHeaders(raw.headers);
  const notices: string[] = [];
  const allowOutside = parseBoolean(OUTSIDE_WORKSPACE_INPUT, raw[OUTSIDE_WORKSPACE_INPUT], false);
  const { checks, source } = loadChecks(raw.checks, { workspace, allowOutside }, readFile, notices);

  const waitRaw = raw['wait-for-ready'].trim();
  let waitForReady: string | undefined;
  if (waitRaw !== '') {
    if (/^[a-z][a-z0-9+.-]*:/i.test(waitRaw) || waitRaw.startsWith('//'))
      throw new InputError(
        'wait-for-ready',
        waitRaw,
        'a path joined to url, such as /health/ready (not an absolute URL)',
      );
    if (/\s/.test(waitRaw) || hasControlCharacters(waitRaw))
      throw new InputError('wait-for-ready', waitRaw, 'a path without spaces, such as /health/ready');
    // A request line past a server's limit fails as the service's answer (414, a reset), not as this input.
    if (waitRaw.length > MAX_READY_PATH_CHARS)
      throw new InputError(
        'wait-for-ready',
        waitRaw,
        `a path of at most ${MAX_READY_PATH_CHARS} characters, such as /health/ready (got ${waitRaw.length})`,
      );
    waitForReady = waitRaw;
  }

  const timeoutMs = parseDuration('timeout', raw.timeout, { minMs: 1000, maxMs: 6 * 3_600_000 }, 120_000);
  const requestTimeoutMs = parseDuration(
    'request-timeout',
    raw['request-timeout'],
    { minMs: 100, maxMs: 600_000 },
    10_000,
  );
  const retries = parseInteger('retries', raw.retries, { min: 0, max: 10 }, 2);
  const loadConcurrency = parseInteger('load-concurrency', raw['load-concurrency'], { min: 1, max: 1000 }, 10);

  const inputs: Inputs = {
    url,
    checks,
    checksSource: source,
    timeoutMs,
    requestTimeoutMs,
    retries,
    loadConcurrency,
    headers,
    secrets: [],
    notices,
  };
  if (service) inputs.service = service;
  if (waitForReady !== undefined) inputs.waitForReady = waitForReady;
  const prometheusUrl = parsePrometheusUrl(raw['prometheus-url'], checks);
  if (prometheusUrl) inputs.prometheusUrl = prometheusUrl;
  if (raw['load-duration'].trim() !== '')
    inputs.loadDurationMs = parseDuration('load-duration', raw['load-duration'], { minMs: 100, maxMs: 3_600_000 });
  if (raw['load-requests'].trim() !== '')
    inputs.loadRequests = parseInteger('load-requests', raw['load-requests'], { min: 1, max: 10_000_000 });
  if (raw['load-rate'].trim() !== '') {
    inputs.loadRate = parseNumber('load-rate', raw['load-rate'], { min: 0.1, max: 1_000_000 });
    if (inputs.loadDurationMs === undefined && inputs.loadRequests === undefined) {
      throw new InputError(
        'load-rate',
        raw['load-rate'],
        'to be used with load-duration or load-requests (the rate alone does not start a load phase)',
      );
    }
  }
  if (raw['max-p95-ms'].trim() !== '') inputs.maxP95Ms = parseNumber('max-p95-ms', raw['max-p95-ms'], { min: 0 });
  if (raw['max-error-rate'].trim() !== '') inputs.maxErrorRate = parseErrorRate(raw['max-error-rate']);
  if ((inputs.loadDurationMs !== undefined || inputs.loadRequests !== undefined) && !checks.some((c) => c.load)) {
    throw new InputError(
      'checks',
      source,
      'at least one check without load: false when load-duration or load-requests is set (the load phase replays those checks)',
    );
  }

  const secrets = new Set<string>(Object.values(headers));
  for (const check of checks) {
    for (const [name, value] of Object.entries(check.headers))
      if (SENSITIVE_HEADER.test(name) && value !== '') secrets.add(value);
  }
  inputs.secrets = [...secrets];
  return Object.freeze(inputs);
}

/** `prometheus-url`: required when a check is a promql check. */
function parsePrometheusUrl(raw: string, checks: readonly Check[]): URL | undefined {
  const value = raw.trim();
  const promql = checks.filter((c) => c.promql).map((c) => c.name);
  if (value === '') {
    if (promql.length === 0) return undefined;
    throw new InputError(
      'prometheus-url',
      raw,
      `the base URL of a Prometheus HTTP API (such as http://prometheus.monitoring.svc:9090), which the promql checks ${promql.map((n) => `"${n}"`).join(', ')} query`,
    );
  }
  const url = parseHttpUrl('prometheus-url', value, {
    accepted: 'an absolute http:// or https:// URL of a Prometheus, such as http://prometheus:9090',
    credentialsHint: "pass credentials in a promql check's headers",
  });
  url.hash = '';
  return url;
}

const TARGET_ACCEPTED =
  'either url (the base URL of the service, such as https://staging.example.com) or service (a Service reached through the API server, such as shop/web:http, with kubeconfig)';

/** `url`, or `service` with `kubeconfig`: exactly one target. */
function parseTarget(raw: RawInputs): { url: URL | undefined; service?: ServiceTarget } {
  const hasUrl = raw.url.trim() !== '';
  const hasService = raw.service.trim() !== '';
  const hasKubeconfig = raw.kubeconfig.trim() !== '';
  if (hasUrl && hasService)
    throw new ActionError(
      `Inputs 'url' and 'service' are both set (url ${quoteValue(raw.url.trim())}, service ${quoteValue(raw.service.trim())}): expected ${TARGET_ACCEPTED}, not both.`,
    );
  if (!hasService) {
    // Never quote the kubeconfig: it is a secret.
    if (hasKubeconfig)
      throw new ActionError(
        `Input 'kubeconfig' is set but 'service' is empty: the kubeconfig is only used to reach a Service through the API server; pass service (such as shop/web:http), or drop kubeconfig to test url.`,
      );
    if (!hasUrl) requireValue('url', raw.url, TARGET_ACCEPTED);
    return { url: parseUrl(raw.url) };
  }
  const ref = parseServiceRef('service', raw.service);
  if (!hasKubeconfig)
    throw new ActionError(
      `Input 'kubeconfig' is empty: service ${quoteValue(raw.service.trim())} is reached through the API server with a kubeconfig (raw YAML or base64), such as the one the deploy used.`,
    );
  return { url: undefined, service: { ref, kubeconfig: decodeKubeconfig(raw.kubeconfig) } };
}

function parseUrl(raw: string): URL {
  const value = requireValue('url', raw, 'the base URL of the service, such as https://staging.example.com');
  const url = parseHttpUrl('url', value, {
    accepted: 'an absolute http:// or https:// URL, such as https://staging.example.com',
    credentialsHint: 'pass credentials in headers, which are masked',
  });
  url.hash = '';
  return url;
}

/** `headers`: one header per line, `Name: value` or `Name=value` (a header name contains neither `:` nor `=`, so the first of them splits). */
export function parseHeaders(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const line of raw.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = firstSeparator(trimmed);
    const name = at > 0 ? trimmed.slice(0, at).trim() : '';
    // Never echo the line: the value is a secret.
    if (!isHeaderName(name))
      throw new InputError(
        'headers',
        name === '' ? '(a line without a name)' : name,
        'one header per line as "Name: value" or "Name=value", with a valid header name',
      );
    if (seen.has(name.toLowerCase())) throw new InputError('headers', name, 'each header once');
    if ((MANAGED_HEADERS as readonly string[]).includes(name.toLowerCase()))
      throw new InputError(
        'headers',
        name,
        `a header the HTTP client does not manage itself (not ${MANAGED_HEADERS.join(', ')})`,
      );
    seen.add(name.toLowerCase());
    const value = trimmed.slice(at + 1).trim();
    // Refused here, by name, rather than as a fetch TypeError, a server's 431 or a mask split by a lone CR.
    const problem = headerValueProblem(value);
    if (problem) throw new InputError('headers', name, `${HEADER_VALUE_ACCEPTED} (the value of ${name} ${problem})`);
    headers[name] = value;
  }
  return headers;
}

/** `max-error-rate`: a fraction from 0 to 1 (`0.01`) or a percentage (`1%`). */
export function parseErrorRate(raw: string): number {
  const value = raw.trim();
  const accepted = 'a fraction from 0 to 1 (such as 0.01) or a percentage (such as 1%)';
  if (value.endsWith('%')) {
    const n = Number(value.slice(0, -1).trim());
    if (value.length === 1 || !Number.isFinite(n) || n < 0 || n > 100)
      throw new InputError('max-error-rate', raw, accepted);
    return n / 100;
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError('max-error-rate', raw, accepted);
  return n;
}

/**
 * `checks` is inline YAML or the path of a YAML file (relative to
 * GITHUB_WORKSPACE). A single line that does not start a YAML list (`-`, `[`)
 * is a path; anything else is inline YAML. Empty: one check, GET url, expect 200.
 */
function loadChecks(
  raw: string,
  where: { workspace: string; allowOutside: boolean },
  readFile: ReadFile,
  notices: string[],
): { checks: Check[]; source: string } {
  const value = raw.trim();
  if (value === '') return { checks: [defaultCheck()], source: 'default' };
  const isPath = !value.includes('\n') && !/^[-[{]/.test(value);
  let text = raw;
  let source = 'inline';
  if (isPath) {
    const file = parsePath('checks', value, { ...where, what: 'inline YAML or the path of a checks file' });
    source = value;
    try {
      text = readFile(file);
    } catch (error: unknown) {
      const code = isRecord(error) && 'code' in error ? String(error['code']) : '';
      const why =
        code === 'ENOENT'
          ? 'the file does not exist'
          : code === 'EISDIR'
            ? 'it is a directory'
            : `it cannot be read (${code || String(error)})`;
      throw new InputError(
        'checks',
        value,
        `inline YAML (a list starting with "- name: ...") or the path of a YAML file relative to the workspace; ${file}: ${why}`,
      );
    }
  }
  try {
    const checks = parseChecks(text, source, notices);
    return checks.length === 0 ? { checks: [defaultCheck()], source: 'default' } : { checks, source };
  } catch (error: unknown) {
    if (error instanceof ChecksError || error instanceof ActionError) throw error;
    throw new ActionError(`Input 'checks' (${source}) could not be read as YAML`, { cause: error });
  }
}
