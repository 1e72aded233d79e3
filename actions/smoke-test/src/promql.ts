/**
 * The `promql` check kind: a PromQL query sent to a Prometheus HTTP API
 * (GET /api/v1/query on the `prometheus-url` input) and a threshold every
 * returned sample must meet:
 *
 *   - name: every pod is up
 *     promql: up{job="example-service"}
 *     threshold: "== 1"
 *   - name: 5xx ratio under budget
 *     promql: sum(rate(http_request_errors_total[5m])) / sum(rate(http_requests_total[5m]))
 *     threshold: "< 0.01"
 *
 * An empty result fails (no data is no proof): write the query so that it
 * returns a series when all is well. The `headers` input is never sent to
 * Prometheus (it is the service's); a check's own `headers` are.
 */
import { isRecord } from '@pipeline/action-kit';
import { describeThreshold, meets, oneLine, type HttpResponse, type PromqlQuery } from '@pipeline/action-kit/checks';

/** The instant query URL: <prometheus-url>/api/v1/query?query=..., keeping the base URL's path prefix. */
export function promqlUrl(base: URL, query: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  url.search = '';
  url.hash = '';
  url.searchParams.set('query', query);
  return url;
}

/** `up{job="x", pod="p"}` for messages. */
function seriesName(metric: unknown): string {
  if (!isRecord(metric)) return '{}';
  const { __name__: name, ...labels } = metric;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
    .join(', ');
  return `${typeof name === 'string' ? name : ''}{${inner}}`;
}

/** [name, value] of every sample of an instant query's result, or the reason there are none. */
function samples(data: unknown): Array<[string, number]> | string {
  if (!isRecord(data)) return 'the answer has no data';
  const { resultType, result } = data;
  const value = (pair: unknown): number => Number(Array.isArray(pair) ? String(pair[1]) : NaN);
  if (resultType === 'scalar') return [['scalar', value(result)]];
  if (resultType === 'vector' && Array.isArray(result))
    return result.map((s: unknown) => [
      seriesName(isRecord(s) ? s['metric'] : {}),
      value(isRecord(s) ? s['value'] : []),
    ]);
  return `the query returned a ${String(resultType)}; a threshold needs an instant vector or a scalar (drop the [range])`;
}

/** Failures of a Prometheus answer for the check (an empty list means it passed). */
export function evaluatePromql(check: PromqlQuery, response: HttpResponse): string[] {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return [
      `promql: expected a Prometheus API answer (JSON), got status ${response.status}: ${oneLine(response.body, 200)}`,
    ];
  }
  if (!isRecord(body) || body['status'] !== 'success') {
    const text = (v: unknown, fallback: string): string =>
      typeof v === 'string' ? v : v === undefined ? fallback : JSON.stringify(v);
    const error = isRecord(body) ? `${text(body['errorType'], 'error')}: ${text(body['error'], '')}` : '';
    return [`promql: Prometheus refused the query (status ${response.status}) ${oneLine(error, 300)}`];
  }
  const found = samples(body['data']);
  if (typeof found === 'string') return [`promql: ${found}`];
  if (found.length === 0)
    return [`promql: the query returned no series (no data; is the target scraped, are the labels right?)`];
  const t = describeThreshold(check.threshold);
  const failing = found.filter(([, v]) => !meets(v, check.threshold));
  const shown = failing.slice(0, 5).map(([name, v]) => `${oneLine(name, 200)} = ${v}`);
  const more = failing.length > 5 ? ` and ${failing.length - 5} more` : '';
  return failing.length === 0
    ? []
    : [`promql: ${failing.length} of ${found.length} sample(s) do not meet ${t}: ${shown.join('; ')}${more}`];
}
