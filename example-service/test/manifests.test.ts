// Kubernetes manifests and monitoring as code, checked against the service itself:
// every YAML parses, overlays render (kubectl kustomize, when the repo's tools/kube built one),
// probes/ports/env match the service, the pool fits PostgreSQL at 20 replicas, and the
// manifests are accepted by a real API server (server-side dry run) when tools/kube's cluster runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import pino from 'pino';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { loadConfig } from '../src/config.ts';
import { Db } from '../src/db/pool.ts';
import { MemoryCache } from '../src/cache/cache.ts';
import { createMetrics } from '../src/metrics.ts';
import { SERVICE_ROOT } from './services.ts';
import { renderMonitoring, staleFiles, STAGING_SEVERITY } from '../scripts/render-monitoring.ts';

const exec = promisify(execFile);
const K8S = path.join(SERVICE_ROOT, 'k8s');
const REPO = path.resolve(SERVICE_ROOT, '..');
type Obj = {
  kind: string;
  apiVersion: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  spec?: any;
  data?: Record<string, string>;
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

function findKubectl(): string | undefined {
  const local = path.join(REPO, 'tools/kube/bin/kubectl');
  if (existsSync(local)) return local;
  const onPath = spawnSync('kubectl', ['version', '--client'], {
    stdio: 'ignore',
  });
  return onPath.status === 0 ? 'kubectl' : undefined;
}
const kubectl = findKubectl();

async function render(overlay: string): Promise<Obj[]> {
  if (!kubectl) throw new Error('no kubectl');
  const { stdout } = await exec(kubectl, ['kustomize', path.join(K8S, overlay)], {
    maxBuffer: 10 * 1024 * 1024,
  });
  return parseAllDocuments(stdout).map((d) => d.toJSON() as Obj);
}

/** Without kubectl: base resources read as they are (enough for the probe and port checks). */
function rawBase(): Obj[] {
  const k = parseYaml(readFileSync(path.join(K8S, 'base/kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  return k.resources.flatMap((r) =>
    parseAllDocuments(readFileSync(path.join(K8S, 'base', r), 'utf8')).map(
      (d) => d.toJSON() as Obj,
    ),
  );
}

const one = (objs: Obj[], kind: string, name?: string) => {
  const o = objs.find((x) => x.kind === kind && (!name || x.metadata.name === name));
  assert.ok(o, `${kind} ${name ?? ''} missing`);
  return o;
};

describe('kubernetes manifests', () => {
  test('every YAML file parses and each layer has a kustomization.yaml', () => {
    for (const f of walk(K8S)) {
      for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) assert.deepEqual(d.errors, [], f);
    }
    for (const dir of ['base', 'overlays/staging', 'overlays/production'])
      assert.ok(existsSync(path.join(K8S, dir, 'kustomization.yaml')), dir);
  });

  test('the Deployment matches the service: port, probes, config, shutdown budget, security', async () => {
    const objs = kubectl ? await render('base') : rawBase();
    const dep = one(objs, 'Deployment', 'example-service');
    const cm = one(objs, 'ConfigMap', 'example-service-config');
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    const config = loadConfig(cm.data); // every value is valid for the service
    assert.equal(c.ports[0].containerPort, config.port);
    assert.equal(c.ports[0].name, 'http');
    assert.equal(c.livenessProbe.httpGet.path, '/health/live');
    assert.equal(c.readinessProbe.httpGet.path, '/health/ready');
    assert.equal(c.startupProbe.httpGet.path, '/health/live');
    for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe])
      assert.equal(p.httpGet.port, 'http');
    assert.ok(
      c.readinessProbe.timeoutSeconds * 1000 > config.readinessTimeoutMs,
      'readiness checks finish before the probe times out',
    );
    const preStopMs = Number(
      /setTimeout\(\(\) => \{\}, (\d+)\)/.exec(c.lifecycle.preStop.exec.command.join(' '))![1],
    );
    assert.ok(
      pod.terminationGracePeriodSeconds * 1000 >
        preStopMs + config.shutdownDelayMs + config.shutdownTimeoutMs,
      'grace period covers preStop + drain',
    );
    assert.ok(c.resources.requests.cpu && c.resources.limits.memory);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    const secretKeys = c.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name);
    assert.deepEqual(secretKeys.sort(), ['DATABASE_URL', 'REDIS_URL']);
    const svc = one(objs, 'Service', 'example-service');
    assert.equal(svc.spec.ports[0].targetPort, 'http');
    for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>))
      assert.equal(dep.spec.template.metadata.labels[k], v, `selector ${k}`);
  });

  test(
    'overlays: staging 2 replicas with in-cluster PostgreSQL and Redis; production HPA 3-20, PDB, spread, Ingress',
    { skip: !kubectl && 'no kubectl (tools/kube/build.sh builds one)' },
    async () => {
      const staging = await render('overlays/staging');
      assert.equal(one(staging, 'Deployment', 'example-service').spec.replicas, 2);
      one(staging, 'StatefulSet', 'postgres');
      one(staging, 'Deployment', 'redis');
      const secret = one(staging, 'Secret', 'example-service-secrets');
      assert.ok(secret.data?.DATABASE_URL && secret.data?.REDIS_URL);
      for (const o of staging)
        if (o.kind !== 'Namespace')
          assert.equal(
            o.metadata.namespace,
            'example-service-staging',
            `${o.kind}/${o.metadata.name}`,
          );

      const prod = await render('overlays/production');
      const hpa = one(prod, 'HorizontalPodAutoscaler', 'example-service');
      assert.equal(hpa.spec.minReplicas, 3);
      assert.equal(hpa.spec.maxReplicas, 20);
      const pool = Number(one(prod, 'ConfigMap', 'example-service-config').data!.PG_POOL_MAX);
      assert.ok(
        hpa.spec.maxReplicas * pool <= 90,
        `20 pods x pool ${pool} must leave headroom under max_connections=100`,
      );
      const dep = one(prod, 'Deployment', 'example-service');
      const labels = dep.spec.template.metadata.labels;
      const spread = dep.spec.template.spec.topologySpreadConstraints;
      assert.ok(spread.length >= 1);
      for (const s of spread)
        for (const [k, v] of Object.entries(s.labelSelector.matchLabels as Record<string, string>))
          assert.equal(labels[k], v);
      const pdb = one(prod, 'PodDisruptionBudget', 'example-service');
      for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels as Record<string, string>))
        assert.equal(labels[k], v);
      const ing = one(prod, 'Ingress', 'example-service');
      const backend = ing.spec.rules[0].http.paths[0].backend.service;
      assert.equal(backend.name, 'example-service');
      assert.equal(backend.port.name, 'http');
      assert.ok(
        !prod.some((o) => o.kind === 'Secret'),
        'production references an externally managed Secret',
      );
    },
  );

  test('monitoring component: generated files are up to date (npm run monitoring:render)', () => {
    assert.deepEqual(staleFiles(), []);
    assert.equal(renderMonitoring().size, 3);
  });

  test(
    'monitoring component in both overlays: ServiceMonitor on the Service, ' +
      'PrometheusRule (production pages, staging warns), dashboard ConfigMap',
    { skip: !kubectl && 'no kubectl (tools/kube/build.sh builds one)' },
    async () => {
      const source = parseYaml(
        readFileSync(path.join(SERVICE_ROOT, 'monitoring/prometheus-rules.yaml'), 'utf8'),
      ) as { groups: Array<{ rules: Array<{ alert?: string; labels?: Record<string, string> }> }> };
      const dashboard = readFileSync(
        path.join(SERVICE_ROOT, 'monitoring/grafana-dashboard.json'),
        'utf8',
      );
      const severities = (o: Obj) =>
        (o.spec.groups as typeof source.groups).flatMap((g) =>
          g.rules.filter((r) => r.alert).map((r) => r.labels?.severity),
        );
      for (const [overlay, namespace] of [
        ['overlays/staging', 'example-service-staging'],
        ['overlays/production', 'example-service'],
      ] as const) {
        const objs = await render(overlay);
        const svc = one(objs, 'Service', 'example-service');
        const sm = one(objs, 'ServiceMonitor', 'example-service');
        assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
        assert.equal(sm.metadata.namespace, namespace);
        for (const [k, v] of Object.entries(sm.spec.selector.matchLabels as Record<string, string>))
          assert.equal(svc.metadata.labels?.[k], v, `${overlay}: ServiceMonitor selects ${k}=${v}`);
        const endpoint = sm.spec.endpoints[0];
        assert.ok(
          svc.spec.ports.some((p: { name: string }) => p.name === endpoint.port),
          `${overlay}: the Service has a port named ${endpoint.port}`,
        );
        assert.equal(endpoint.path, '/metrics');
        const rule = one(objs, 'PrometheusRule', 'example-service');
        assert.equal(rule.metadata.namespace, namespace);
        assert.equal(rule.spec.groups.length, source.groups.length);
        const cm = one(objs, 'ConfigMap', 'example-service-dashboard');
        assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
        assert.equal(cm.metadata.namespace, namespace);
        assert.equal(cm.data?.['grafana-dashboard.json'], dashboard);
        if (overlay === 'overlays/production') {
          // the rules as written: the same groups, pages included
          const expected = JSON.parse(JSON.stringify(source.groups));
          assert.deepEqual(rule.spec.groups, expected);
          assert.ok(severities(rule).includes('page'));
        } else {
          assert.deepEqual(
            [...new Set(severities(rule))],
            [STAGING_SEVERITY],
            'staging: every alert only warns',
          );
          assert.equal(severities(rule).length, severities({ spec: source } as Obj).length);
        }
      }
    },
  );

  test('a real API server accepts both overlays (server-side dry run, restricted Pod Security)', async (t) => {
    // .ci/run starts the cluster and sets REQUIRE_KUBE_CLUSTER=1: there a missing
    // cluster is a failure, not a skip. (CI=true alone is not enough: the
    // pipeline's own test job has no cluster.)
    const required = process.env.REQUIRE_KUBE_CLUSTER === '1';
    const skipOrFail = (why: string): void => {
      if (required) assert.fail(`REQUIRE_KUBE_CLUSTER=1 but ${why}`);
      t.skip(why);
    };
    if (!kubectl || !existsSync(path.join(REPO, 'tools/kube/cluster.sh')))
      return skipOrFail('no kubectl (tools/kube/build.sh)');
    const status = spawnSync('bash', [path.join(REPO, 'tools/kube/cluster.sh'), 'status'], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    const kubeconfig = path.join(REPO, '.tmp/kube/kubeconfig');
    if (status.status !== 0 || !existsSync(kubeconfig))
      return skipOrFail('the local cluster is not running (tools/kube/cluster.sh up)');
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const ns = `es-dryrun-${randomBytes(3).toString('hex')}`;
    await exec(kubectl, ['create', 'namespace', ns], { env });
    try {
      await exec(
        kubectl,
        ['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted'],
        { env },
      );
      for (const overlay of ['overlays/staging', 'overlays/production']) {
        const docs = (await render(overlay))
          .filter((o) => o.kind !== 'Namespace')
          .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
        const input = JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: docs,
        }); // JSON: no YAML 1.1 surprises (`no` as a boolean)
        const child = execFile(kubectl, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], {
          env,
        });
        let out = '';
        let err = '';
        child.stdout!.on('data', (d) => (out += d));
        child.stderr!.on('data', (d) => (err += d));
        child.stdin!.end(input);
        const code = await new Promise<number | null>((r) => child.on('exit', r));
        assert.equal(code, 0, `${overlay}: ${err}`);
        assert.doesNotMatch(err, /violate PodSecurity/, `${overlay}: ${err}`);
        assert.equal((out.match(/\(server dry run\)/g) ?? []).length, docs.length, out);
      }
    } finally {
      await exec(kubectl, ['delete', 'namespace', ns, '--wait=false'], {
        env,
      }).catch(() => {});
    }
  });
});

describe('monitoring as code', () => {
  // Metric names the service really exports (prom-client registry of the real code).
  async function exported(): Promise<Set<string>> {
    const db = new Db(
      {
        connectionString: 'postgres://127.0.0.1:1/none',
        max: 1,
        statementTimeoutMs: 1000,
        connectTimeoutMs: 100,
      },
      pino({ level: 'silent' }),
    );
    const m = createMetrics(db, new MemoryCache(), () => false);
    m.httpRequests.inc({ method: 'GET', route: '/x', status_code: '200' });
    m.httpErrors.inc({ method: 'GET', route: '/x', status_code: '500' });
    m.httpDuration.observe({ method: 'GET', route: '/x', status_code: '200' }, 0.01);
    m.gqlDuration.observe({ operation_type: 'query', outcome: 'success' }, 0.01);
    m.gqlErrors.inc({ code: 'BAD_USER_INPUT' });
    m.rateLimited.inc();
    const text = await m.registry.metrics();
    await db.close();
    return new Set([...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map((x) => x[1]));
  }
  /** PromQL syntax check with the Prometheus project's own grammar (the one its UI uses). */
  const promqlErrors = (expr: string): boolean => {
    let bad = false;
    promql.parse(expr.replaceAll('$__rate_interval', '5m')).iterate({
      enter: (n) => {
        if (n.type.isError) bad = true;
      },
    });
    return bad;
  };
  const external = new Set([
    'up',
    'kube_deployment_status_replicas_available',
    'kube_deployment_spec_replicas',
  ]);
  const referenced = (expr: string) =>
    [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?:\{|\[)/g)]
      .map((m) => m[1])
      .filter((n) => !['by', 'sum', 'rate', 'max', 'min', 'on', 'without'].includes(n));

  test('the PromQL check catches broken expressions', () => {
    assert.equal(promqlErrors('sum(rate(http_requests_total[5m])) by (route)'), false);
    assert.equal(promqlErrors('sum(rate(http_requests_total[5m]) /'), true);
  });

  test('alert rules: error rate, p95 latency, saturation, readiness; valid PromQL; every metric exists', async () => {
    const rules = parseYaml(
      readFileSync(path.join(SERVICE_ROOT, 'monitoring/prometheus-rules.yaml'), 'utf8'),
    ) as {
      groups: Array<{
        rules: Array<{
          alert?: string;
          record?: string;
          expr: string;
          for?: string;
        }>;
      }>;
    };
    const all = rules.groups.flatMap((g) => g.rules);
    const alerts = all.filter((r) => r.alert).map((r) => r.alert!);
    for (const a of [
      'ExampleServiceHighErrorRate',
      'ExampleServiceHighLatencyP95',
      'ExampleServiceDbPoolSaturated',
      'ExampleServiceNotReady',
      'ExampleServiceDegraded',
    ])
      assert.ok(alerts.includes(a), a);
    const names = await exported();
    const records = new Set(all.filter((r) => r.record).map((r) => r.record!));
    for (const r of all) {
      assert.equal(
        promqlErrors(r.expr),
        false,
        `${r.alert ?? r.record}: PromQL syntax error in ${r.expr}`,
      );
      for (const n of referenced(r.expr)) {
        const base = n.replace(/_(bucket|sum|count)$/, '');
        assert.ok(
          names.has(n) || names.has(base) || external.has(n) || records.has(n) || n === 'absent',
          `${r.alert ?? r.record}: unknown metric ${n}`,
        );
      }
    }
  });

  test('Grafana dashboard JSON: valid PromQL, panels query only exported metrics', async () => {
    const dash = JSON.parse(
      readFileSync(path.join(SERVICE_ROOT, 'monitoring/grafana-dashboard.json'), 'utf8'),
    ) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    assert.equal(dash.uid, 'example-service');
    assert.ok(dash.panels.length >= 8);
    const names = await exported();
    for (const p of dash.panels) {
      for (const t of p.targets) {
        assert.equal(promqlErrors(t.expr), false, `${p.title}: PromQL syntax error in ${t.expr}`);
        for (const n of referenced(t.expr)) {
          assert.ok(
            names.has(n) || names.has(n.replace(/_(bucket|sum|count)$/, '')),
            `${p.title}: unknown metric ${n}`,
          );
        }
      }
    }
  });
});
