import { describe, expect, it } from '@jest/globals';
import { runContext, type ReadInput } from '@pipeline/action-kit';
import type { KubeObject } from '../src/objects.js';
import { parseStrategyInputs } from '../src/strategy/inputs.js';
import { canaryReplicas, effectiveWeight, parseSteps } from '../src/strategy/weights.js';
import {
  canaryDeployment,
  canaryIngress,
  canaryService,
  findTarget,
  httpPort,
  TRACK_LABEL,
} from '../src/strategy/targets.js';
import {
  colourDeployment,
  colourSelector,
  COLOR_LABEL,
  liveColour,
  otherColour,
  previewService,
  previousSelector,
  routedService,
} from '../src/strategy/colours.js';
import { finalState } from '../src/deployments/track.js';
import { emptyReport } from '../src/report.js';
import { orderProblem } from './helpers/local-github.js';
import { analysisOutput } from '../src/strategy/report.js';
import { deploymentsSection, progressiveSection } from '../src/strategy/summary.js';

describe('canary-steps', () => {
  it.each([
    ['', [10, 50, 100]],
    ['10,50,100', [10, 50, 100]],
    ['5, 25 ,100', [5, 25, 100]],
    ['20%,100%', [20, 100]],
    ['100', [100]],
  ])('%p', (raw, steps) => {
    expect(parseSteps(raw)).toEqual(steps);
  });

  it.each([
    ['10,50', /ending in 100.*the last step is the full promotion/],
    ['50,10,100', /10 does not follow 50/],
    ['10,10,100', /10 does not follow 10/],
    ['0,100', /"0" is not/],
    ['10,150', /"150" is not/],
    ['ten,100', /"ten" is not/],
    ['12.5,100', /"12.5" is not/],
  ])('refuses %p, naming the input', (raw, message) => {
    expect(() => parseSteps(raw)).toThrow(/^Input 'canary-steps' has an invalid value/);
    expect(() => parseSteps(raw)).toThrow(message);
  });
});

describe('weight -> canary replicas next to an untouched stable', () => {
  it.each([
    // weight, stable, canary, effective %
    [10, 2, 1, 33.3],
    [10, 9, 1, 10],
    [25, 3, 1, 25],
    [50, 2, 2, 50],
    [50, 3, 3, 50],
    [75, 1, 3, 75],
    [90, 2, 18, 90],
    [30, 10, 4, 28.6],
    [10, 0, 1, 100],
  ])('%p%% next to %p stable: %p canary pod(s), %p%%', (weight, stable, canary, effective) => {
    expect(canaryReplicas(weight, stable)).toBe(canary);
    expect(effectiveWeight(canary, stable)).toBe(effective);
  });

  it('caps the canary', () => {
    expect(canaryReplicas(99, 10, 20)).toBe(20);
  });
});

const read =
  (values: Record<string, string>): ReadInput =>
  (name) =>
    values[name] ?? '';
const env = { GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'abc123', GITHUB_API_URL: 'http://127.0.0.1:9/api/v3/' };
const parse = (values: Record<string, string>, e: Record<string, string> = env) =>
  parseStrategyInputs(read(values), e, runContext(e));

describe('strategy inputs', () => {
  it('defaults to rolling without Deployments', () => {
    expect(parse({})).toMatchObject({
      strategy: 'rolling',
      action: 'deploy',
      promote: 'auto',
      steps: [10, 50, 100],
      stepDurationMs: 30_000,
      blueGreenKeep: true,
      github: undefined,
    });
  });

  it('reads a canary with a manual gate and Deployments', () => {
    const inputs = parse({
      strategy: 'canary',
      'canary-steps': '20,100',
      'canary-step-duration': '10s',
      promote: 'manual',
      'github-token': 't0k',
      environment: 'production',
      'environment-url': 'https://app.example/',
    });
    expect(inputs).toMatchObject({ strategy: 'canary', steps: [20, 100], stepDurationMs: 10_000, promote: 'manual' });
    expect(inputs.github).toEqual({
      token: 't0k',
      environment: 'production',
      environmentUrl: 'https://app.example/',
      apiUrl: 'http://127.0.0.1:9/api/v3',
      repository: 'o/r',
      ref: 'abc123',
    });
  });

  it('uses the public API without GITHUB_API_URL', () => {
    const e = { GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'abc' };
    expect(parse({ 'github-token': 't', environment: 'staging' }, e).github?.apiUrl).toBe('https://api.github.com');
  });

  it.each([
    [{ strategy: 'linear' }, /Input 'strategy'.*one of rolling, canary, blue-green/],
    [{ strategy: 'canary', action: 'rollback' }, /Input 'action'.*one of deploy, promote, reject, switch-back/],
    [{ action: 'promote' }, /Input 'action'.*with strategy rolling/],
    [{ strategy: 'canary', action: 'switch-back' }, /switch-back is for blue-green/],
    [{ promote: 'manual' }, /Input 'promote'.*a manual gate needs strategy canary or blue-green/],
    [{ strategy: 'canary', 'canary-steps': '10,50' }, /Input 'canary-steps'/],
    [{ strategy: 'canary', 'canary-analysis': 'metrics: [{name: cpu, max: 1}]' }, /unknown metric "cpu"/],
    [{ 'github-token': 't' }, /Input 'environment'/],
    [{ environment: 'production' }, /Input 'github-token'/],
    [{ 'github-token': 't', environment: 'production', 'environment-url': 'not a url' }, /Input 'environment-url'/],
  ])('refuses %p', (values, message) => {
    expect(() => parse(values)).toThrow(message);
  });

  it('needs the repository and commit for a deployment', () => {
    expect(() => parse({ 'github-token': 't', environment: 'production' }, {})).toThrow(
      /GITHUB_REPOSITORY and GITHUB_SHA/,
    );
  });
});

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web', tier: 'api' } },
      spec: { containers: [{ name: 'web', image: 'r/web:2', ports: [{ containerPort: 9000 }] }] },
    },
  },
};
const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns' },
  spec: { selector: { app: 'web' }, clusterIP: '10.0.0.1', ports: [{ port: 80, targetPort: 9000 }] },
};
const other: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'db' },
  spec: { selector: { app: 'db' } },
};
const ingress: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' } },
  spec: {
    tls: [{ hosts: ['a.example'] }],
    rules: [
      {
        host: 'a.example',
        http: {
          paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }],
        },
      },
    ],
  },
};

describe('targets', () => {
  it('finds the Deployment, the Services selecting it and the Ingresses routing to those', () => {
    const target = findTarget([other, service, deployment, ingress]);
    expect(typeof target).toBe('object');
    if (typeof target === 'string') return;
    expect(target.services.map((s) => s.metadata.name)).toEqual(['web']);
    expect(target.ingresses.map((i) => i.metadata.name)).toEqual(['web']);
  });

  it.each([
    [[service], /no apps\/v1 Deployment/],
    [[deployment, { ...deployment, metadata: { name: 'two' } }, service], /2 Deployments \(web, two\)/],
    [[deployment, other], /no Service in the manifests selects the pods of Deployment web/],
  ])('explains what does not fit', (objects, message) => {
    expect(findTarget(objects)).toMatch(message);
  });

  it('the canary Deployment carries the track label on itself, its selector and its pods', () => {
    const canary = canaryDeployment(deployment, 1, { step: '1/3', paused: true });
    expect(canary.metadata.name).toBe('web-canary');
    expect(canary['spec']).toMatchObject({
      replicas: 1,
      selector: { matchLabels: { app: 'web', [TRACK_LABEL]: 'canary' } },
      template: { metadata: { labels: { app: 'web', tier: 'api', [TRACK_LABEL]: 'canary' } } },
    });
    expect(canary.metadata.annotations).toMatchObject({
      'deploy-k8s.pipeline-actions.dev/paused': 'true',
      'deploy-k8s.pipeline-actions.dev/canary-step': '1/3',
    });
    // The stable Service (app=web) still selects the canary's pods: that is the pod-ratio split.
    expect(deployment['spec']).toMatchObject({ selector: { matchLabels: { app: 'web' } } });
  });

  it('ingress mode: canary pods leave the stable Service, a canary Service and weighted Ingress reach them', () => {
    const canary = canaryDeployment(deployment, 1, { step: '1/2', paused: false, relabel: ['app'] });
    expect(canary['spec']).toMatchObject({ template: { metadata: { labels: { app: 'web-canary' } } } });
    expect(canaryService(service)['spec']).toEqual({
      selector: { app: 'web-canary', [TRACK_LABEL]: 'canary' },
      ports: [{ port: 80, targetPort: 9000 }],
    });
    const ing = canaryIngress(ingress, new Set(['web']), 20);
    expect(ing.metadata.name).toBe('web-canary');
    expect(ing.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '20',
      'nginx.ingress.kubernetes.io/proxy-body-size': '1m',
    });
    expect(JSON.stringify(ing['spec'])).toContain('"name":"web-canary"');
    expect(ing['spec']).not.toHaveProperty('tls');
  });

  it('the port the analysis talks to', () => {
    expect(httpPort(deployment)).toBe(9000);
    expect(httpPort(deployment, 9100)).toBe(9100);
  });
});

describe('blue-green colours', () => {
  it.each([
    [{ app: 'web' }, undefined, 'blue'],
    [{ app: 'web', [COLOR_LABEL]: 'blue' }, 'blue', 'green'],
    [{ app: 'web', [COLOR_LABEL]: 'green' }, 'green', 'blue'],
  ])('live %p is %p, next %p', (selector, live, next) => {
    expect(liveColour(selector)).toBe(live);
    expect(otherColour(liveColour(selector))).toBe(next);
  });

  it('builds the colour Deployment, the preview Service and the switched Service', () => {
    expect(colourDeployment(deployment, 'green')['spec']).toMatchObject({
      selector: { matchLabels: { [COLOR_LABEL]: 'green' } },
      template: { metadata: { labels: { [COLOR_LABEL]: 'green' } } },
    });
    const preview = previewService(service, 'blue');
    expect(preview.metadata.name).toBe('web-preview');
    expect(preview['spec']).toEqual({
      selector: { app: 'web', [COLOR_LABEL]: 'blue' },
      ports: [{ port: 80, targetPort: 9000 }],
    });
    const switched = routedService(service, colourSelector({ app: 'web', 'pod-template-hash': 'abc' }, 'green'), {
      app: 'web',
      'pod-template-hash': 'abc',
    });
    expect(switched['spec']).toMatchObject({ selector: { app: 'web', [COLOR_LABEL]: 'green' } });
    expect(previousSelector(switched)).toEqual({ app: 'web', 'pod-template-hash': 'abc' });
    expect(previousSelector(service)).toBeUndefined();
  });
});

describe('GitHub deployment states', () => {
  const report = (status: 'deployed' | 'paused' | 'aborted' | 'rolled-back') => ({ ...emptyReport(false), status });
  it.each([
    ['deployed', false, 'success'],
    ['rolled-back', true, 'failure'],
    ['rolled-back', false, 'success'],
    ['aborted', true, 'failure'],
    ['paused', false, undefined],
  ] as const)('%s (failed %p) ends %p', (status, failed, state) => {
    expect(finalState(report(status), failed)).toBe(state);
  });

  it.each([
    [[], 'in_progress', undefined],
    [[], 'success', /success before in_progress/],
    [['in_progress'], 'success', undefined],
    [['in_progress', 'success'], 'failure', /after the final success/],
    [['in_progress', 'success'], 'inactive', undefined],
    [['in_progress', 'failure'], 'inactive', /only a successful deployment/],
  ])('the local server order rule: %p then %p', (history, next, problem) => {
    const why = orderProblem(history, next);
    if (problem) expect(why).toMatch(problem);
    else expect(why).toBeUndefined();
  });
});

describe('the summary of a progressive deploy', () => {
  it('has a Mermaid timeline of the steps and a table per step with both tracks', () => {
    const measurement = {
      pods: ['p'],
      requests: 40,
      errors: 6,
      p95Ms: 80,
      checkFailures: {},
      restarts: 0,
      podErrorRate: 0.14,
      podP95Ms: 9,
      queries: {},
    };
    const report = {
      strategy: 'canary' as const,
      traffic: 'pods' as const,
      canary: 'shop/web-canary',
      action: 'deploy',
      steps: [
        {
          step: 1,
          weight: 25,
          effectiveWeight: 33.3,
          canaryReplicas: 1,
          stableReplicas: 2,
          startedAt: 1000,
          endedAt: 9000,
          outcome: 'failed' as const,
          verdict: {
            ok: false,
            reason: 'error rate 0.1500',
            criteria: [{ name: 'error rate', canary: 0.15, stable: 0, threshold: '<= 0.05', ok: false }],
          },
          canary: measurement,
          stable: { ...measurement, errors: 0 },
        },
      ],
    };
    const text = progressiveSection(report).join('\n\n');
    expect(text).toContain('```mermaid\ngantt');
    expect(text).toContain('step 1 25% failed :crit, s1, 1000, 9000');
    expect(text).toContain('**Step 1: 25% asked, 33.3% (1 canary / 2 stable pods)**: ❌ failed: error rate 0.1500');
    expect(text).toMatch(/\| error rate \| 0\.1500 \| 0 \| &lt;= 0\.05 \| ❌ \|/);
    expect(text).toContain('| requests (errors) | 40 (6) | 40 (0) |');
    expect(JSON.parse(analysisOutput(report))).toMatchObject({
      steps: [{ step: 1, ok: false, canary: { requests: 40, errors: 6 } }],
    });
    expect(deploymentsSection([{ state: 'in_progress', at: 1, deploymentId: 7 }]).join('')).toContain(
      '| #7 | in_progress |',
    );
  });
});
