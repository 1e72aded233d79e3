/**
 * Measuring one track (the canary's pods, or stable's) during a step: the
 * checks once per pod, then `requests` requests replaying the checks
 * round-robin over the pods, spread over the step, through the API server
 * proxy. The pods' /metrics are scraped before and after, restarts counted.
 * Both tracks run at once, so they share the window.
 */
import { mapLimit, sleep } from '@pipeline/action-kit';
import type { KubeApi, ProxyResponse } from '../kube.js';
import type { KubeObject } from '../objects.js';
import { podRestarts } from '../rollout.js';
import { checkAnswer, requestPath, type HttpCheck } from './checks.js';
import type { AnalysisConfig } from './config.js';
import {
  buckets,
  bucketQuantile,
  errorCounts,
  increase,
  parseExposition,
  percentile,
  type Sample,
} from './prom-text.js';
import type { TrackMeasurement } from './verdict.js';

const REQUEST_TIMEOUT_MS = 10_000;

export interface Track {
  namespace: string;
  /** Pod names of the track, and the port their HTTP server listens on. */
  pods: readonly string[];
  port: number;
}

const DEFAULT_CHECK: HttpCheck = {
  name: 'GET /',
  method: 'GET',
  path: '/',
  headers: {},
  status: [{ class: 2 }],
  contains: [],
  json: [],
  allowErrors: false,
  load: true,
};

export function podPath(track: Track, pod: string, path: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(track.namespace)}/pods/${encodeURIComponent(pod)}:${track.port}/proxy${path}`;
}

async function send(api: KubeApi, track: Track, pod: string, check: HttpCheck): Promise<ProxyResponse | Error> {
  if (!api.proxy) return new Error('this connection cannot reach pods (no API server proxy)');
  try {
    return await api.proxy({
      method: check.method,
      path: podPath(track, pod, requestPath(check)),
      headers: check.headers,
      ...(check.body !== undefined ? { body: check.body } : {}),
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (error: unknown) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

async function scrape(api: KubeApi, track: Track, path: string): Promise<Sample[] | undefined> {
  const all: Sample[] = [];
  for (const pod of track.pods) {
    const answer = await send(api, track, pod, { ...DEFAULT_CHECK, path });
    if (answer instanceof Error || answer.status !== 200) return undefined;
    all.push(...parseExposition(answer.body).map((s) => ({ ...s, labels: { ...s.labels, pod } })));
  }
  return all;
}

export async function restartsOf(api: KubeApi, track: Track): Promise<number> {
  const { items } = await api.list('v1', 'Pod', track.namespace);
  return items.filter((p: KubeObject) => track.pods.includes(p.metadata.name)).reduce((n, p) => n + podRestarts(p), 0);
}

async function runChecks(api: KubeApi, track: Track, checks: readonly HttpCheck[]): Promise<Record<string, string>> {
  const failures: Record<string, string> = {};
  for (const check of checks) {
    for (const pod of track.pods) {
      const answer = await send(api, track, pod, check);
      const why = answer instanceof Error ? answer.message : checkAnswer(check, answer.status, answer.body);
      if (why) {
        failures[check.name] = `${pod}: ${why}`;
        break;
      }
    }
  }
  return failures;
}

interface Load {
  requests: number;
  errors: number;
  latencies: number[];
}

/** `count` requests over `windowMs`, round-robin over checks and pods, at most `concurrency` in flight. */
async function drive(
  api: KubeApi,
  track: Track,
  checks: readonly HttpCheck[],
  count: number,
  windowMs: number,
  concurrency: number,
): Promise<Load> {
  const load: Load = { requests: 0, errors: 0, latencies: [] };
  if (count === 0 || track.pods.length === 0) return load;
  const started = Date.now();
  const spacing = windowMs / count;
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const wait = started + i * spacing - Date.now();
      if (wait > 0) await sleep(wait);
      const check = checks[i % checks.length] as HttpCheck;
      const answer = await send(api, track, track.pods[i % track.pods.length] as string, check);
      load.requests += 1;
      if (answer instanceof Error || answer.status >= 500 || answer.status === 0) load.errors += 1;
      if (!(answer instanceof Error)) load.latencies.push(answer.durationMs);
    },
  );
  return load;
}

async function queryAll(
  config: AnalysisConfig,
  track: Track,
  query: (promql: string) => Promise<number | undefined>,
): Promise<Record<string, number | undefined>> {
  const podsRegex = track.pods.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|');
  const results: Record<string, number | undefined> = {};
  for (const metric of config.metrics)
    if ('query' in metric)
      results[metric.name] = await query(metric.query.replaceAll('$pods', podsRegex)).catch(() => undefined);
  return results;
}

export interface MeasureOptions {
  api: KubeApi;
  config: AnalysisConfig;
  windowMs: number;
  /** PromQL instant query (the Prometheus URL's), resolving to the worst sample. */
  query: (promql: string) => Promise<number | undefined>;
}

/** Measures a track over the step window. */
export async function measureTrack(options: MeasureOptions, track: Track): Promise<TrackMeasurement> {
  const { api, config, windowMs } = options;
  const restartsBefore = await restartsOf(api, track);
  const before = await scrape(api, track, config.metricsPath);
  const checkFailures = await runChecks(api, track, config.checks);
  const loadChecks = config.checks.filter((c) => c.load);
  const load = await drive(
    api,
    track,
    loadChecks.length > 0 ? loadChecks : [DEFAULT_CHECK],
    config.requests,
    windowMs,
    config.concurrency,
  );
  const after = before ? await scrape(api, track, config.metricsPath) : undefined;
  const delta = before && after ? increase(before, after) : undefined;
  const counts = delta ? errorCounts(delta) : undefined;
  const p95 = delta ? bucketQuantile(0.95, buckets(delta)) : undefined;
  return {
    pods: track.pods,
    requests: load.requests,
    errors: load.errors + Object.keys(checkFailures).length,
    p95Ms: percentile(load.latencies, 95),
    checkFailures,
    restarts: (await restartsOf(api, track)) - restartsBefore,
    podErrorRate: counts && counts.requests > 0 ? counts.errors / counts.requests : undefined,
    podP95Ms: p95 === undefined ? undefined : p95 * 1000,
    queries: await queryAll(config, track, options.query),
  };
}
