// Monitoring checked against the service itself: the metrics every rule and dashboard panel
// names are in a real /metrics output (the real app, real PostgreSQL and Redis, real traffic:
// queries, a validation error, an internal error, 429s, a 503), promtool accepts the rules as
// the overlays deploy them, and promtool's unit tests of the alert expressions pass on series
// the service really exports (and fail when a threshold is broken).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { gql, startApp } from './helpers.ts';
import { SERVICE_ROOT } from './services.ts';

const exec = promisify(execFile);
const REPO = path.resolve(SERVICE_ROOT, '..');
const MONITORING = path.join(SERVICE_ROOT, 'monitoring');
/** Labels a scrape adds (ServiceMonitor / kubernetes_sd), not the service. */
const TARGET_LABELS = new Set([
  'job',
  'instance',
  'namespace',
  'pod',
  'service',
  'endpoint',
  'container',
]);
/** Series from elsewhere: Prometheus itself and kube-state-metrics. */
const EXTERNAL = /^(up|kube_[a-z_]+)$/;

type Labels = Record<string, string>;

function findPromtool(): string | undefined {
  const local = path.join(REPO, 'tools/monitoring/bin/promtool');
  if (existsSync(local)) return local;
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0
    ? 'promtool'
    : undefined;
}
const promtool = findPromtool();
// .ci/run installs promtool (tools/monitoring/prometheus.sh) and sets REQUIRE_PROMTOOL=1.
const noPromtool =
  !promtool &&
  (process.env.REQUIRE_PROMTOOL === '1'
    ? false
    : 'no promtool (tools/monitoring/prometheus.sh install)');

/** Prometheus text exposition -> metric name -> label sets. */
export function parseExposition(text: string): Map<string, Labels[]> {
  const series = new Map<string, Labels[]>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+/.exec(line);
    if (!m) continue;
    const labels: Labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2]!;
    series.set(m[1], [...(series.get(m[1]) ?? []), labels]);
  }
  return series;
}

/** Metric names an expression selects, read with the Prometheus project's own PromQL grammar. */
function referenced(expr: string): string[] {
  const names: string[] = [];
  const text = expr.replaceAll('$__rate_interval', '5m');
  promql.parse(text).iterate({
    enter: (n) => {
      if (n.type.name === 'Identifier' && n.node.parent?.type.name === 'VectorSelector')
        names.push(text.slice(n.from, n.to));
    },
  });
  return names;
}

interface RuleFile {
  groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}
const rules = () =>
  parseYaml(readFileSync(path.join(MONITORING, 'prometheus-rules.yaml'), 'utf8')) as RuleFile;

describe('monitoring against the real service', () => {
  let real: Map<string, Labels[]>;
  before(async () => {
    const app = await startApp({ label: 'monitoring', env: { RATE_LIMIT_MAX: '4' } });
    try {
      assert.equal((await gql(app.url, '{ books(first: 2) { id title } }')).status, 200);
      assert.equal((await gql(app.url, '{ nope }')).status, 400); // validation error
      await app.db.close(); // PostgreSQL gone: an internal GraphQL error and a 503 readiness
      await gql(app.url, '{ authors(first: 1) { id } }');
      assert.equal((await fetch(`${app.url}/health/ready`)).status, 503);
      for (let i = 0; i < 3; i++) await gql(app.url, '{ books(first: 1) { id } }'); // 429s
      real = parseExposition(await (await fetch(`${app.url}/metrics`)).text());
    } finally {
      await app.handle.app.close();
      await app.cache.close();
    }
  });

  test('the exposition parser reads names and labels', () => {
    const s = parseExposition('# HELP x\na_total{code="X",le="+Inf"} 3\nb 1\n');
    assert.deepEqual(s.get('a_total'), [{ code: 'X', le: '+Inf' }]);
    assert.deepEqual(s.get('b'), [{}]);
    assert.deepEqual(
      referenced('sum by (le) (rate(x_bucket{job="a b"}[5m])) > 0.5 and on (pod) y or absent(up)'),
      ['x_bucket', 'y', 'up'],
    );
  });

  test('every metric a rule or dashboard panel names is in the real /metrics output', () => {
    const all = rules().groups.flatMap((g) => g.rules);
    const records = new Set(all.flatMap((r) => (r.record ? [r.record] : [])));
    const dashboard = JSON.parse(
      readFileSync(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8'),
    ) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const uses = [
      ...all.map((r) => ({ where: r.alert ?? r.record!, expr: r.expr })),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: p.title, expr: t.expr }))),
    ];
    let checked = 0;
    for (const { where, expr } of uses) {
      for (const name of referenced(expr)) {
        if (records.has(name) || EXTERNAL.test(name)) continue;
        assert.ok(real.has(name), `${where}: ${name} is not in the service's /metrics output`);
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} metric references checked`);
  });

  test("promtool's unit tests use series the service really exports", () => {
    const file = parseYaml(
      readFileSync(path.join(MONITORING, 'prometheus-rules.test.yaml'), 'utf8'),
    ) as { tests: Array<{ input_series: Array<{ series: string }> }> };
    const inputs = file.tests.flatMap((t) => t.input_series.map((s) => s.series));
    assert.ok(inputs.length > 20);
    for (const series of inputs) {
      const [parsed] = [...parseExposition(`${series} 0`)];
      const [name, [labels]] = parsed;
      if (EXTERNAL.test(name)) continue;
      const own = Object.fromEntries(Object.entries(labels).filter(([k]) => !TARGET_LABELS.has(k)));
      const candidates = real.get(name) ?? [];
      assert.ok(
        candidates.some((c) => sameLabels(c, own)),
        `${series}: the service exports no ${name} with labels ${JSON.stringify(own)} ` +
          `(it has ${JSON.stringify(candidates)})`,
      );
    }
  });
});

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

describe('promtool', { skip: noPromtool }, () => {
  let dir: string;
  before(() => {
    if (!promtool)
      assert.fail('REQUIRE_PROMTOOL=1 but no promtool: run tools/monitoring/prometheus.sh install');
    dir = mkdtempSync(path.join(tmpdir(), 'es-promtool-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check rules: the source file and the PrometheusRule of both overlays', async () => {
    const { stdout } = await exec(promtool!, [
      'check',
      'rules',
      path.join(MONITORING, 'prometheus-rules.yaml'),
    ]);
    assert.match(stdout, /SUCCESS: 12 rules found/);
    const kubectl = path.join(REPO, 'tools/kube/bin/kubectl');
    if (!existsSync(kubectl)) return;
    for (const overlay of ['staging', 'production']) {
      const { stdout: out } = await exec(kubectl, [
        'kustomize',
        path.join(SERVICE_ROOT, 'k8s/overlays', overlay),
      ]);
      const rule = out
        .split(/^---$/m)
        .map((d) => parseYaml(d) as { kind: string; spec: unknown })
        .find((d) => d.kind === 'PrometheusRule');
      assert.ok(rule, `${overlay}: no PrometheusRule`);
      const file = path.join(dir, `${overlay}.yaml`);
      writeFileSync(file, stringify(rule.spec));
      const { stdout: checked } = await exec(promtool!, ['check', 'rules', file]);
      assert.match(checked, /SUCCESS: 12 rules found/, overlay);
    }
  });

  test('test rules: the alert expressions fire and stay quiet as the unit tests expect', async () => {
    const { stdout } = await exec(promtool!, [
      'test',
      'rules',
      path.join(MONITORING, 'prometheus-rules.test.yaml'),
    ]);
    assert.match(stdout, /SUCCESS/);
  });

  test('test rules fails when a threshold is broken (the unit tests can fail)', async () => {
    copyFileSync(
      path.join(MONITORING, 'prometheus-rules.test.yaml'),
      path.join(dir, 'prometheus-rules.test.yaml'),
    );
    const broken = readFileSync(path.join(MONITORING, 'prometheus-rules.yaml'), 'utf8').replace(
      'example_service:http_error_ratio:rate5m > 0.02',
      'example_service:http_error_ratio:rate5m > 0.2',
    );
    assert.notEqual(broken, readFileSync(path.join(MONITORING, 'prometheus-rules.yaml'), 'utf8'));
    writeFileSync(path.join(dir, 'prometheus-rules.yaml'), broken);
    const run = spawnSync(
      promtool!,
      ['test', 'rules', path.join(dir, 'prometheus-rules.test.yaml')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /ExampleServiceHighErrorRate/);
  });
});
