import { describe, expect, it } from '@jest/globals';
import { checkAnswer, parseCheckList, requestPath } from '../src/analysis/checks.js';
import { DEFAULT_ANALYSIS, parseAnalysis, parseRate, parseThreshold } from '../src/analysis/config.js';
import {
  bucketQuantile,
  buckets,
  errorCounts,
  increase,
  parseExposition,
  percentile,
} from '../src/analysis/prom-text.js';
import { sampleValues, worstSample } from '../src/analysis/prometheus.js';
import { criterion, judgeStep, type TrackMeasurement } from '../src/analysis/verdict.js';

const track = (overrides: Partial<TrackMeasurement> = {}): TrackMeasurement => ({
  pods: ['p'],
  requests: 100,
  errors: 0,
  p95Ms: 20,
  checkFailures: {},
  restarts: 0,
  podErrorRate: 0,
  podP95Ms: 10,
  queries: {},
  ...overrides,
});

describe('parseAnalysis', () => {
  it('is the defaults when empty', () => {
    expect(parseAnalysis('')).toBe(DEFAULT_ANALYSIS);
  });

  it('reads every key', () => {
    const config = parseAnalysis(`
checks:
  - {name: root, path: /}
  - {name: mutation, method: POST, path: /api, body: {a: 1}, status: [201, 2xx], load: false}
requests: 80
concurrency: 8
max-error-rate: 5%
max-p95-ms: 250
tolerance: 0.5
compare: false
prometheus-url: http://prom.example:9090/
metrics-path: /stats
metrics-port: 9100
metrics:
  - {name: restarts, max: 0}
  - {name: p95-ms, threshold: "< 300"}
  - {name: queue, query: 'sum(queue{pod=~"$pods"})', threshold: "<= 10"}
`);
    expect(config).toMatchObject({
      requests: 80,
      concurrency: 8,
      maxErrorRate: 0.05,
      maxP95Ms: 250,
      tolerance: 0.5,
      compare: false,
      prometheusUrl: 'http://prom.example:9090',
      metricsPath: '/stats',
      metricsPort: 9100,
    });
    expect(config.checks.map((c) => [c.name, c.method, c.load])).toEqual([
      ['root', 'GET', true],
      ['mutation', 'POST', false],
    ]);
    expect(config.checks[1]?.headers).toEqual({ 'content-type': 'application/json' });
    expect(config.metrics).toEqual([
      { name: 'restarts', builtin: 'restarts', threshold: { op: '<=', value: 0 } },
      { name: 'p95-ms', builtin: 'p95-ms', threshold: { op: '<', value: 300 } },
      { name: 'queue', query: 'sum(queue{pod=~"$pods"})', threshold: { op: '<=', value: 10 } },
    ]);
  });

  it.each([
    ['unknown key', 'request: 5', /unknown key 'request'/],
    [
      'unknown metric',
      'metrics: [{name: latency, max: 5}]',
      /unknown metric "latency".*built-in ones \(error-rate, p95-ms, restarts\)/,
    ],
    ['query without Prometheus', 'metrics: [{name: q, query: up, threshold: "> 0"}]', /need 'prometheus-url'/],
    ['bad threshold', 'metrics: [{name: restarts, threshold: "about 3"}]', /'threshold' must be an operator/],
    ['bad rate', 'max-error-rate: lots', /'max-error-rate' must be a fraction/],
    ['rate above 100%', 'max-error-rate: 150%', /'max-error-rate' must be a fraction/],
    ['bad url', 'prometheus-url: ftp://x', /'prometheus-url' must be an http/],
    ['requests not whole', 'requests: 2.5', /'requests' must be a whole number/],
    ['not a mapping', '- a', /a YAML mapping/],
    ['not YAML', 'a: [', /does not parse/],
    ['check without name', 'checks: [{path: /}]', /checks\[0\]: field 'name' is required/],
    ['check unknown field', 'checks: [{name: c, url: /x}]', /unknown field 'url'/],
    ['check with a URL', 'checks: [{name: c, path: "http://x/y"}]', /not an absolute URL/],
    ['check body on GET', 'checks: [{name: c, body: x}]', /'body' cannot be sent with GET/],
    ['duplicate check', 'checks: [{name: c}, {name: c}]', /name must be unique/],
  ])('refuses %s, naming the input', (_what, yaml, message) => {
    expect(() => parseAnalysis(yaml)).toThrow(/^Input 'canary-analysis'/);
    expect(() => parseAnalysis(yaml)).toThrow(message);
  });

  it('reports every problem at once', () => {
    expect(() => parseAnalysis('requests: -1\nmetrics: [{name: nope, max: 1}]')).toThrow(/nope[\s\S]*requests/);
  });
});

describe('rates and thresholds', () => {
  it.each([
    ['5%', 0.05],
    ['0.05', 0.05],
    [0.2, 0.2],
    ['100%', 1],
    ['1.5', undefined],
    ['-1', undefined],
    ['x', undefined],
  ])('parseRate(%p) is %p', (raw, expected) => {
    expect(parseRate(raw)).toBe(expected);
  });

  it.each([
    ['< 0.05', { op: '<', value: 0.05 }],
    ['>=1', { op: '>=', value: 1 }],
    ['== 0', { op: '==', value: 0 }],
    ['!= -2', { op: '!=', value: -2 }],
    ['< 1e3', { op: '<', value: 1000 }],
    ['=< 1', undefined],
    ['5', undefined],
  ])('parseThreshold(%p)', (raw, expected) => {
    expect(parseThreshold(raw)).toEqual(expected);
  });
});

describe('checks in smoke-test format', () => {
  const [check] = parseCheckList(
    [
      {
        name: 'books',
        path: '/graphql',
        graphql: { query: '{ books { id } }' },
        json: { 'data.books[0].id': '1' },
        contains: 'books',
      },
    ],
    [],
  );

  it.each([
    [200, '{"data":{"books":[{"id":"1"}]}}', undefined],
    [500, 'boom', /status: expected 200, got 500/],
    [200, '{"data":{"books":[{"id":"2"}]}}', /json data.books\[0\].id: expected "1" \(string\), got "2"/],
    [200, '{"errors":[{"message":"x"}],"data":{"books":[]}}', /graphql: expected no errors, got 1: x/],
    [200, 'not json books', /not JSON/],
    [200, '{"data":{}}', /expected the body to contain "books"/],
  ])('status %p body %p', (status, body, problem) => {
    const why = checkAnswer(check!, status, body);
    if (problem) expect(why).toMatch(problem);
    else expect(why).toBeUndefined();
  });

  it('requests a GraphQL GET with its query in the URL, and keeps a query string', () => {
    const [get, plain] = parseCheckList(
      [
        { name: 'g', method: 'GET', graphql: { query: '{ a }' } },
        { name: 'q', path: 'items?limit=2' },
      ],
      [],
    );
    expect(requestPath(get!)).toBe('/graphql?query=%7B+a+%7D');
    expect(requestPath(plain!)).toBe('/items?limit=2');
  });

  it('leaves promql checks to the metrics, and roots relative paths at the pod', () => {
    const checks = parseCheckList(
      [
        { name: 'p', promql: 'up', threshold: '> 0' },
        { name: 'r', path: '' },
        { name: 'h', path: 'health' },
      ],
      [],
    );
    expect(checks.map((c) => [c.name, c.path])).toEqual([
      ['r', '/'],
      ['h', '/health'],
    ]);
  });

  it('matches status classes and lists', () => {
    const [c] = parseCheckList([{ name: 'c', status: ['2xx', 404] }], []);
    expect(checkAnswer(c!, 204, '')).toBeUndefined();
    expect(checkAnswer(c!, 404, '')).toBeUndefined();
    expect(checkAnswer(c!, 500, '')).toMatch(/expected one of 2xx, 404, got 500/);
  });
});

describe('Prometheus text and histograms', () => {
  const before = parseExposition(`# TYPE http_requests_total counter
http_requests_total{route="/",code="200"} 10
http_requests_total{route="/api",code="500"} 1
http_request_duration_seconds_bucket{route="/",le="0.1"} 10
http_request_duration_seconds_bucket{route="/",le="0.5"} 11
http_request_duration_seconds_bucket{route="/",le="+Inf"} 11
`);
  const after = parseExposition(`http_requests_total{route="/",code="200"} 80
http_requests_total{route="/api",code="500"} 21
http_requests_total{route="/new",status_code="503"} 5
http_request_duration_seconds_bucket{route="/",le="0.1"} 50
http_request_duration_seconds_bucket{route="/",le="0.5"} 101
http_request_duration_seconds_bucket{route="/",le="+Inf"} 111
`);

  it('counts requests and 5xx answers of the window only', () => {
    expect(errorCounts(increase(before, after))).toEqual({ requests: 95, errors: 25 });
  });

  it('treats a counter that went down as reset', () => {
    const reset = increase(after, before);
    expect(errorCounts(reset)).toEqual({ requests: 11, errors: 1 });
  });

  it.each([
    [0.5, 0.1 + (0.4 * (50 - 40)) / 50],
    [0.3, 0.1 * (30 / 40)],
    [0.95, 0.5],
  ])('quantile %p from bucket increases', (q, expected) => {
    expect(bucketQuantile(q, buckets(increase(before, after)))).toBeCloseTo(expected, 6);
  });

  it('has no quantile without observations', () => {
    expect(bucketQuantile(0.95, [])).toBeUndefined();
  });

  it('nearest-rank percentile of measured latencies', () => {
    expect(percentile([5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 95)).toBe(10);
    expect(percentile([5, 1, 4, 2, 3, 10, 9, 8, 7, 6], 50)).toBe(5);
    expect(percentile([], 95)).toBeUndefined();
  });

  it('reads instant query answers', () => {
    expect(
      sampleValues({
        status: 'success',
        data: { resultType: 'vector', result: [{ value: [1, '3'] }, { value: [1, '7'] }] },
      }),
    ).toEqual([3, 7]);
    expect(sampleValues({ status: 'success', data: { resultType: 'scalar', result: [1, '2'] } })).toEqual([2]);
    expect(sampleValues({ status: 'error' })).toEqual([]);
    expect(worstSample([3, 7], true)).toBe(7);
    expect(worstSample([3, 7], false)).toBe(3);
  });
});

describe('verdicts: canary against stable over the same window', () => {
  const options = { compare: true, tolerance: 0.2 };
  it.each([
    ['within budget', 0.001, 0, true, undefined],
    ['over budget, stable clean', 0.3, 0, false, undefined],
    ['over budget, stable as bad', 0.3, 0.28, true, /baseline is bad/],
    ['over budget, stable bad but canary much worse', 0.6, 0.3, false, undefined],
    ['no data', undefined, 0, false, /no data/],
  ])('%s', (_what, canary, stable, ok, note) => {
    const c = criterion('error rate', canary, stable, { op: '<=', value: 0.05 }, options);
    expect(c.ok).toBe(ok);
    if (note) expect(c.note).toMatch(note);
  });

  it('a lower-is-worse threshold compares the other way', () => {
    expect(criterion('throughput', 50, 52, { op: '>=', value: 100 }, options).ok).toBe(true);
    expect(criterion('throughput', 20, 52, { op: '>=', value: 100 }, options).ok).toBe(false);
  });

  it('without compare, stable does not excuse the canary', () => {
    expect(criterion('e', 0.3, 0.3, { op: '<=', value: 0.05 }, { compare: false, tolerance: 0.2 }).ok).toBe(false);
  });

  const config = parseAnalysis(
    'max-error-rate: 1%\nmax-p95-ms: 100\nmetrics: [{name: restarts, max: 0}, {name: error-rate, max: 0.05}, {name: p95-ms, max: 200}]',
  );
  it.each([
    ['a good canary', track(), track(), true, []],
    ['30% errors', track({ errors: 30, podErrorRate: 0.3 }), track(), false, ['error rate', 'error-rate']],
    ['raised p95', track({ p95Ms: 400, podP95Ms: 380 }), track(), false, ['p95 ms', 'p95-ms']],
    ['a restart', track({ restarts: 1 }), track(), false, ['restarts']],
    ['a failed check', track({ checkFailures: { root: 'p: status 500' } }), track(), false, ['check root']],
    [
      'a check failing on stable too',
      track({ checkFailures: { root: 'x' } }),
      track({ checkFailures: { root: 'x' } }),
      true,
      [],
    ],
    ['slow baseline, equally slow canary', track({ p95Ms: 400 }), track({ p95Ms: 390 }), true, []],
    ['no pod metrics', track({ podErrorRate: undefined }), track(), false, ['error-rate']],
  ])('%s', (_what, canary, stable, ok, failed) => {
    const verdict = judgeStep(config, canary, stable);
    expect(verdict.ok).toBe(ok);
    expect(verdict.criteria.filter((c) => !c.ok).map((c) => c.name)).toEqual(failed);
    if (!ok) expect(verdict.reason).toContain(failed[0]);
  });

  it('a query metric is judged from its own results', () => {
    const withQuery = parseAnalysis('prometheus-url: http://p:9090\nmetrics: [{name: q, query: up, threshold: "> 0"}]');
    expect(judgeStep(withQuery, track({ queries: { q: 1 } }), undefined).ok).toBe(true);
    expect(judgeStep(withQuery, track({ queries: { q: 0 } }), undefined).ok).toBe(false);
    expect(judgeStep(withQuery, track({ queries: {} }), undefined).reason).toMatch(/no data/);
  });
});
