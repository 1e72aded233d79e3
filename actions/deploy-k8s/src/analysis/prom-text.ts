/**
 * The Prometheus text exposition format, as far as the analysis needs it:
 * samples of a counter and of a histogram's buckets, the difference of two
 * scrapes (what happened during a step), and a quantile from buckets the
 * way histogram_quantile interpolates. Pure.
 */

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1] as string] = (l[2] as string).replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (!Number.isNaN(value)) samples.push({ name: m[1] as string, labels, value });
  }
  return samples;
}

const keyOf = (s: Sample): string =>
  `${s.name}{${Object.entries(s.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;

/**
 * after - before per series (a series new in `after` counts from 0; a
 * counter that went down was reset, so its `after` value is the increase).
 */
export function increase(before: readonly Sample[], after: readonly Sample[]): Sample[] {
  const old = new Map(before.map((s) => [keyOf(s), s.value]));
  return after.map((s) => {
    const previous = old.get(keyOf(s)) ?? 0;
    return { ...s, value: s.value >= previous ? s.value - previous : s.value };
  });
}

const STATUS_LABELS = ['code', 'status_code', 'status'];

/** Requests and 5xx answers counted by `counter` (label code, status_code or status). */
export function errorCounts(
  samples: readonly Sample[],
  counter = 'http_requests_total',
): { requests: number; errors: number } {
  let requests = 0;
  let errors = 0;
  for (const s of samples) {
    if (s.name !== counter) continue;
    requests += s.value;
    const status = STATUS_LABELS.map((l) => s.labels[l]).find((v) => v !== undefined) ?? '';
    if (/^5\d\d$/.test(status)) errors += s.value;
  }
  return { requests, errors };
}

/** Cumulative bucket counts by upper bound, summed over every series of the histogram. */
export function buckets(samples: readonly Sample[], histogram = 'http_request_duration_seconds'): [number, number][] {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${histogram}_bucket` || s.labels['le'] === undefined) continue;
    const bound = s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']);
    if (!Number.isNaN(bound)) byBound.set(bound, (byBound.get(bound) ?? 0) + s.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * The q-quantile (0..1) from cumulative buckets, interpolated linearly
 * inside the bucket it falls in; the highest finite bound when it falls in
 * +Inf; undefined without observations.
 */
export function bucketQuantile(q: number, cumulative: readonly [number, number][]): number | undefined {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of cumulative) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** The nearest-rank percentile (0..100) of measured values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
