/**
 * The promql check kind: threshold parsing and comparison, the query URL,
 * judging Prometheus API answers (in the shapes /api/v1/query returns),
 * the checks format and inputs, and runCheck over an injected Send (the
 * real Prometheus: promql.e2e.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { parseChecks, ChecksError } from '../src/checks.js';
import { meets, parseThreshold, type HttpResponse, type PromqlQuery } from '@pipeline/action-kit/checks';
import type { HttpRequest } from '../src/http.js';
import { parseInputs, INPUT_NAMES } from '../src/inputs.js';
import { evaluatePromql, promqlUrl } from '../src/promql.js';
import { measureFromChecks } from '../src/report.js';
import { runCheck } from '../src/runner.js';
import { summarize } from '../src/stats.js';

describe('parseThreshold and meets', () => {
  it.each([
    ['< 0.01', { op: '<', value: 0.01 }],
    ['==1', { op: '==', value: 1 }],
    ['  >=  3 ', { op: '>=', value: 3 }],
    ['!= 0', { op: '!=', value: 0 }],
    ['<= 1e-3', { op: '<=', value: 0.001 }],
    ['> -Inf', { op: '>', value: -Infinity }],
    [1, { op: '==', value: 1 }],
  ])('%j', (raw, expected) => {
    expect(parseThreshold(raw)).toEqual(expected);
  });

  it.each([['1'], ['=< 1'], ['< one'], ['<'], [''], [undefined], [true]])('rejects %j', (raw) => {
    expect(parseThreshold(raw)).toMatch(/^must be an operator \(<= >= == != < >\) and a number/);
  });

  it.each([
    [0.5, '< 1', true],
    [1, '< 1', false],
    [1, '<= 1', true],
    [2, '> 1', true],
    [1, '>= 1', true],
    [1, '== 1', true],
    [0, '== 1', false],
    [0, '!= 1', true],
    [NaN, '< 1', false],
  ])('%d %s is %s', (sample, threshold, expected) => {
    expect(meets(sample, parseThreshold(threshold) as Exclude<ReturnType<typeof parseThreshold>, string>)).toBe(
      expected,
    );
  });
});

describe('promqlUrl', () => {
  it.each([
    ['http://127.0.0.1:9090', 'http://127.0.0.1:9090/api/v1/query?query=up+%3D%3D+1'],
    ['http://proxy/prometheus/', 'http://proxy/prometheus/api/v1/query?query=up+%3D%3D+1'],
    ['http://p:9090/x?old=1#frag', 'http://p:9090/x/api/v1/query?query=up+%3D%3D+1'],
  ])('%s', (base, expected) => {
    expect(promqlUrl(new URL(base), 'up == 1').href).toBe(expected);
  });
});

const answer = (body: unknown, status = 200): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  bodyTruncated: false,
  durationMs: 3,
});
const vector = (...samples: Array<[Record<string, string>, string]>) => ({
  status: 'success',
  data: { resultType: 'vector', result: samples.map(([metric, v]) => ({ metric, value: [1764633600.123, v] })) },
});
const upEquals1: PromqlQuery = { query: 'up{job="es"}', threshold: { op: '==', value: 1 } };

describe('evaluatePromql', () => {
  it.each([
    ['every pod up', vector([{ __name__: 'up', pod: 'a' }, '1'], [{ __name__: 'up', pod: 'b' }, '1']), []],
    [
      'one pod down',
      vector([{ __name__: 'up', pod: 'a' }, '1'], [{ __name__: 'up', pod: 'b' }, '0']),
      ['promql: 1 of 2 sample(s) do not meet == 1: up{pod="b"} = 0'],
    ],
    ['a scalar', { status: 'success', data: { resultType: 'scalar', result: [1, '1'] } }, []],
    [
      'no series',
      vector(),
      ['promql: the query returned no series (no data; is the target scraped, are the labels right?)'],
    ],
    [
      'a range vector',
      { status: 'success', data: { resultType: 'matrix', result: [] } },
      ['promql: the query returned a matrix; a threshold needs an instant vector or a scalar (drop the [range])'],
    ],
    ['NaN fails every comparison', vector([{}, 'NaN']), ['promql: 1 of 1 sample(s) do not meet == 1: {} = NaN']],
  ])('%s', (_label, body, expected) => {
    expect(evaluatePromql(upEquals1, answer(body))).toEqual(expected);
  });

  it('reports what Prometheus says about a bad query, and a non-JSON answer', () => {
    expect(
      evaluatePromql(
        upEquals1,
        answer({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error' }, 400),
      ),
    ).toEqual([
      'promql: Prometheus refused the query (status 400) bad_data: invalid parameter "query": 1:5: parse error',
    ]);
    expect(evaluatePromql(upEquals1, answer('<html>proxy error</html>', 502))).toEqual([
      'promql: expected a Prometheus API answer (JSON), got status 502: <html>proxy error</html>',
    ]);
  });

  it('shows at most five failing series', () => {
    const many = vector(
      ...Array.from({ length: 7 }, (_, i): [Record<string, string>, string] => [{ pod: `p${i}` }, '0']),
    );
    const [failure] = evaluatePromql(upEquals1, answer(many));
    expect(failure).toMatch(/^promql: 7 of 7 sample\(s\) do not meet == 1: .*\{pod="p4"\} = 0 and 2 more$/);
  });
});

describe('the checks format', () => {
  it('reads a promql check: GET, never replayed by the load phase', () => {
    const [check] = parseChecks('- name: up\n  promql: up{job="es"} \n  threshold: "== 1"\n', 'inline');
    expect(check).toMatchObject({
      name: 'up',
      method: 'GET',
      load: false,
      promql: { query: 'up{job="es"}', threshold: { op: '==', value: 1 } },
    });
  });

  it('lists every problem of a promql check', () => {
    const parse = () =>
      parseChecks('- name: up\n  promql: ""\n  threshold: "about 1"\n  path: /x\n- promql: up\n', 'inline');
    expect(parse).toThrow(ChecksError);
    expect(() => parse()).toThrow(
      [
        `Input 'checks' (inline) is invalid:`,
        `  - checks[0] ("up"): field 'promql' must be a non-empty PromQL expression`,
        `  - checks[0] ("up"): field 'threshold' must be an operator (<= >= == != < >) and a number, such as "< 0.01" or "== 1", got "about 1"`,
        `  - checks[0] ("up"): field 'path' does not apply to a promql check (it accepts name, promql, threshold, headers)`,
        `  - checks[1]: field 'name' is required (a unique, non-empty string)`,
        `  - checks[1]: field 'threshold' must be an operator (<= >= == != < >) and a number, such as "< 0.01" or "== 1", got nothing`,
      ].join('\n'),
    );
  });
});

describe('inputs', () => {
  const raw = (overrides: Record<string, string>) => {
    const values: Record<string, string> = Object.fromEntries(INPUT_NAMES.map((n) => [n, '']));
    Object.assign(values, { url: 'https://svc.example', ...overrides });
    return (name: string) => values[name] ?? '';
  };
  const checks = '- name: up\n  promql: up\n  threshold: "== 1"\n';

  it('needs prometheus-url when a check is a promql check', () => {
    expect(() => parseInputs(raw({ checks }), {}, () => '')).toThrow(
      `Input 'prometheus-url' has an invalid value "": expected the base URL of a Prometheus HTTP API (such as http://prometheus.monitoring.svc:9090), which the promql checks "up" query.`,
    );
    expect(() => parseInputs(raw({ checks, 'prometheus-url': 'ftp://x' }), {}, () => '')).toThrow(
      /Input 'prometheus-url' has an invalid value "ftp:\/\/x": expected an absolute http/,
    );
    const inputs = parseInputs(raw({ checks, 'prometheus-url': 'http://127.0.0.1:9090' }), {}, () => '');
    expect(inputs.prometheusUrl?.href).toBe('http://127.0.0.1:9090/');
  });

  it('rejects a load phase with only promql checks (they are never replayed)', () => {
    expect(() =>
      parseInputs(raw({ checks, 'prometheus-url': 'http://p:9090', 'load-requests': '10' }), {}, () => ''),
    ).toThrow(/at least one check without load: false/);
  });
});

describe('runCheck for a promql check', () => {
  it('queries prometheus-url with its own headers only (never the service headers), retrying until the threshold holds', async () => {
    const requests: HttpRequest[] = [];
    const answers = [vector([{ pod: 'a' }, '0']), vector([{ pod: 'a' }, '1'])];
    const [check] = parseChecks(
      '- name: up\n  promql: up{job="es"}\n  threshold: "== 1"\n  headers: { X-Scope-OrgID: team }\n',
      'inline',
    );
    const result = await runCheck(check!, {
      baseUrl: new URL('https://svc.example'),
      prometheusUrl: new URL('http://127.0.0.1:9090'),
      headers: { Authorization: 'Bearer service-secret' },
      retries: 2,
      requestTimeoutMs: 1000,
      send: async (request) => {
        requests.push(request);
        return answer(answers.shift());
      },
      sleep: async () => undefined,
    });
    expect(result).toMatchObject({ passed: true, attempts: 2, kind: 'promql' });
    expect(requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22es%22%7D'],
      ['GET', 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22es%22%7D'],
    ]);
    expect(requests[0]?.headers).toEqual({ accept: 'application/json', 'X-Scope-OrgID': 'team' });
    // Prometheus' answers are not the service's latency or errors.
    expect(measureFromChecks([result], summarize)).toMatchObject({ requests: 0, errors: 0, latency: null });
  });
});
