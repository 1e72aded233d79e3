/**
 * Instant queries against a Prometheus HTTP API (`GET /api/v1/query`), and
 * the reachability probe run before anything changes: an unreachable
 * `prometheus-url` must stop the deploy while stable is untouched.
 */
import { ActionError, isRecord } from '@pipeline/action-kit';

const TIMEOUT_MS = 10_000;

export type Fetch = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/** The sample values of an instant query's answer (vector or scalar). */
export function sampleValues(body: unknown): number[] {
  if (!isRecord(body) || body['status'] !== 'success' || !isRecord(body['data'])) return [];
  const { resultType, result } = body['data'] as { resultType?: string; result?: unknown };
  if (resultType === 'scalar' && Array.isArray(result)) return [Number(result[1])];
  if (resultType !== 'vector' || !Array.isArray(result)) return [];
  return result
    .map((r: unknown) => (isRecord(r) && Array.isArray(r['value']) ? Number(r['value'][1]) : Number.NaN))
    .filter((v) => !Number.isNaN(v));
}

export async function instantQuery(base: string, promql: string, fetcher: Fetch = fetch): Promise<number[]> {
  const url = `${base}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const answer = await fetcher(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await answer.text();
  if (answer.status !== 200) throw new ActionError(`Prometheus answered ${answer.status} to ${promql}`);
  return sampleValues(JSON.parse(text) as unknown);
}

/** The worst sample for a threshold direction ("higher is worse" for < and <=). */
export function worstSample(values: readonly number[], higherIsWorse: boolean): number | undefined {
  if (values.length === 0) return undefined;
  return higherIsWorse ? Math.max(...values) : Math.min(...values);
}

/** Fails, naming the URL, unless Prometheus answers a trivial query. */
export async function probePrometheus(base: string, fetcher: Fetch = fetch): Promise<void> {
  try {
    const values = await instantQuery(base, 'vector(1)', fetcher);
    if (values[0] !== 1) throw new ActionError('the answer to vector(1) is not a vector holding 1');
  } catch (error: unknown) {
    const why =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new ActionError(
      `canary-analysis: prometheus-url ${base} is not a reachable Prometheus HTTP API (${why}); nothing was changed.`,
    );
  }
}
