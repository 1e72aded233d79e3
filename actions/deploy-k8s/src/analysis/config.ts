/**
 * The `canary-analysis` input: YAML with smoke-test-format `checks`, the
 * budgets of the measured requests, and `metrics` (built-in ones read from
 * the pods, or Prometheus queries with thresholds). Every problem is
 * reported at once, naming the key. Pure.
 */
import { InputError, isRecord, parseHttpUrl } from '@pipeline/action-kit';
import {
  meets,
  OPERATORS,
  parseThreshold as parseKitThreshold,
  type Operator,
  type Threshold,
} from '@pipeline/action-kit/checks';
import { parse } from 'yaml';
import { str } from '../records.js';
import { parseCheckList, type HttpCheck } from './checks.js';

export const BUILTIN_METRICS = ['error-rate', 'p95-ms', 'restarts'] as const;
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number];
export { meets, OPERATORS, type Operator, type Threshold };

export type MetricSpec =
  | { name: string; builtin: BuiltinMetric; threshold: Threshold }
  /** A PromQL instant query; `$pods` becomes a regex of the analysed track's pod names. */
  | { name: string; query: string; threshold: Threshold };

export interface AnalysisConfig {
  checks: readonly HttpCheck[];
  /** Requests sent to each track (canary, and stable for the comparison) per step. */
  requests: number;
  concurrency: number;
  maxErrorRate: number | undefined;
  maxP95Ms: number | undefined;
  /** How much worse than stable (relative) the canary may be before a breached budget counts. */
  tolerance: number;
  prometheusUrl: string | undefined;
  metrics: readonly MetricSpec[];
  metricsPath: string;
  metricsPort: number | undefined;
  /** Compare with the stable pods over the same window (default true). */
  compare: boolean;
}

export const ANALYSIS_KEYS = [
  'checks',
  'requests',
  'concurrency',
  'max-error-rate',
  'max-p95-ms',
  'tolerance',
  'prometheus-url',
  'metrics',
  'metrics-path',
  'metrics-port',
  'compare',
] as const;

export const DEFAULT_ANALYSIS: AnalysisConfig = Object.freeze<AnalysisConfig>({
  checks: [],
  requests: 50,
  concurrency: 4,
  maxErrorRate: 0.01,
  maxP95Ms: undefined,
  tolerance: 0.2,
  prometheusUrl: undefined,
  metrics: [{ name: 'restarts', builtin: 'restarts', threshold: { op: '<=', value: 0 } }],
  metricsPath: '/metrics',
  metricsPort: undefined,
  compare: true,
});

/** `5%`, `0.05` or 0.05: a fraction from 0 to 1. */
export function parseRate(value: unknown): number | undefined {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) / (m[2] ? 100 : 1);
  return n >= 0 && n <= 1 ? n : undefined;
}

/** `< 0.05`, `<= 250`: an operator and a number (the kit's reading, as smoke-test's promql checks). */
export function parseThreshold(value: unknown): Threshold | undefined {
  const parsed = typeof value === 'string' ? parseKitThreshold(value) : undefined;
  return typeof parsed === 'string' ? undefined : parsed;
}

function parseMetric(item: unknown, index: number, problems: string[]): MetricSpec | undefined {
  const where = `metrics[${index}]`;
  if (!isRecord(item)) return void problems.push(`${where}: must be a mapping with a name`);
  const name = typeof item['name'] === 'string' ? item['name'].trim() : '';
  for (const key of Object.keys(item))
    if (!['name', 'query', 'threshold', 'max'].includes(key))
      problems.push(`${where}: unknown key '${key}'; accepted: name, query, threshold, max`);
  const raw = item['threshold'] ?? (item['max'] !== undefined ? `<= ${str(item['max'])}` : undefined);
  const threshold = raw === undefined ? undefined : parseThreshold(raw);
  if (!threshold)
    problems.push(
      `${where} (${name || 'unnamed'}): 'threshold' must be an operator (${OPERATORS.join(' ')}) and a number, e.g. "< 0.05" (or 'max: <number>')`,
    );
  if (typeof item['query'] === 'string' && item['query'].trim() !== '') {
    if (!name) problems.push(`${where}: 'name' is required`);
    return threshold && name ? { name, query: item['query'].trim(), threshold } : undefined;
  }
  if (!(BUILTIN_METRICS as readonly string[]).includes(name)) {
    problems.push(
      `${where}: unknown metric ${JSON.stringify(name)}: a metric without 'query' must be one of the built-in ones (${BUILTIN_METRICS.join(', ')}); give a 'query' for a Prometheus one`,
    );
    return undefined;
  }
  return threshold ? { name, builtin: name as BuiltinMetric, threshold } : undefined;
}

function whole(value: unknown, key: string, min: number, max: number, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  problems.push(`'${key}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return undefined;
}

function parseNumbers(data: Record<string, unknown>, problems: string[]): Partial<AnalysisConfig> {
  const out: Partial<AnalysisConfig> = {};
  const requests = whole(data['requests'], 'requests', 0, 100_000, problems);
  if (requests !== undefined) out.requests = requests;
  const concurrency = whole(data['concurrency'], 'concurrency', 1, 64, problems);
  if (concurrency !== undefined) out.concurrency = concurrency;
  for (const [key, field] of [
    ['max-error-rate', 'maxErrorRate'],
    ['tolerance', 'tolerance'],
  ] as const) {
    if (data[key] === undefined) continue;
    const rate = parseRate(data[key]);
    if (rate === undefined)
      problems.push(`'${key}' must be a fraction (0.05) or a percentage (5%), got ${JSON.stringify(data[key])}`);
    else out[field] = rate;
  }
  if (data['max-p95-ms'] !== undefined) {
    const ms = Number(data['max-p95-ms']);
    if (Number.isFinite(ms) && ms > 0) out.maxP95Ms = ms;
    else
      problems.push(
        `'max-p95-ms' must be a positive number of milliseconds, got ${JSON.stringify(data['max-p95-ms'])}`,
      );
  }
  const port = whole(data['metrics-port'], 'metrics-port', 1, 65_535, problems);
  if (port !== undefined) out.metricsPort = port;
  return out;
}

function parseUrl(data: Record<string, unknown>, problems: string[]): string | undefined {
  const raw = data['prometheus-url'];
  if (raw === undefined || raw === '') return undefined;
  try {
    return parseHttpUrl('canary-analysis', str(raw)).toString().replace(/\/$/, '');
  } catch {
    problems.push(`'prometheus-url' must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
    return undefined;
  }
}

/** Parses `canary-analysis` (empty: the defaults). `input` names the input in errors. */
export function parseAnalysis(raw: string, input = 'canary-analysis'): AnalysisConfig {
  if (raw.trim() === '') return DEFAULT_ANALYSIS;
  let data: unknown;
  try {
    data = parse(raw, { uniqueKeys: true });
  } catch (error: unknown) {
    const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new InputError(
      input,
      '(YAML)',
      `YAML with the keys ${ANALYSIS_KEYS.join(', ')}; it does not parse: ${first}`,
    );
  }
  if (!isRecord(data))
    throw new InputError(input, '(YAML)', `a YAML mapping with the keys ${ANALYSIS_KEYS.join(', ')}`);
  const problems: string[] = [];
  for (const key of Object.keys(data))
    if (!(ANALYSIS_KEYS as readonly string[]).includes(key))
      problems.push(`unknown key '${key}'; accepted: ${ANALYSIS_KEYS.join(', ')}`);
  const checks = parseCheckList(data['checks'], problems);
  const metricsRaw = data['metrics'];
  if (metricsRaw !== undefined && !Array.isArray(metricsRaw)) problems.push("'metrics' must be a list");
  const metrics = (Array.isArray(metricsRaw) ? metricsRaw : [])
    .map((m: unknown, i) => parseMetric(m, i, problems))
    .filter((m): m is MetricSpec => m !== undefined);
  const prometheusUrl = parseUrl(data, problems);
  if (!prometheusUrl && metrics.some((m) => 'query' in m))
    problems.push("metrics with a 'query' need 'prometheus-url' (the Prometheus HTTP API they are sent to)");
  const metricsPath = str(data['metrics-path']) || '/metrics';
  if (!metricsPath.startsWith('/'))
    problems.push(`'metrics-path' must start with /, got ${JSON.stringify(metricsPath)}`);
  const numbers = parseNumbers(data, problems);
  if (problems.length > 0)
    throw new InputError(input, '(YAML)', `a valid analysis; problems:\n  - ${problems.join('\n  - ')}\n`);
  return Object.freeze({
    ...DEFAULT_ANALYSIS,
    ...numbers,
    checks,
    metrics: metricsRaw === undefined ? DEFAULT_ANALYSIS.metrics : metrics,
    prometheusUrl,
    metricsPath,
    compare: data['compare'] !== false,
  });
}
