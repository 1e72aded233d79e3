/**
 * The `service` output: which workload the deploy put the image in, and the
 * Service selecting its pods, read from the (fake) cluster.
 */
import { describe, expect, it } from '@jest/globals';
import type { DeployedResource } from '@pipeline/action-kit/kube';
import { KubeError } from '../src/kube.js';
import { emptyReport, type DeployReport, type ResourceReport } from '../src/report.js';
import { deployedService, workloadOf } from '../src/service-output.js';
import { FakeKube } from './helpers/fake-kube.js';

const image = 'registry.test/shop/web@sha256:abc';
const workload = (kind: string, name: string, newImages: string[]): DeployedResource => ({
  kind,
  name,
  namespace: 'shop',
  newImages,
});

describe('workloadOf', () => {
  const web = workload('Deployment', 'web', [image]);
  const worker = workload('Deployment', 'worker', ['registry.test/shop/worker:1']);
  it.each<[string, DeployedResource[], { name: string; image: string }[], string | undefined]>([
    ['the workload running a rule image', [worker, web], [{ name: 'web', image }], 'web'],
    [
      'the second rule when the first matches nothing',
      [worker, web],
      [
        { name: 'x', image: 'other/x:1' },
        { name: 'web', image },
      ],
      'web',
    ],
    ['by repository (another digest)', [worker, web], [{ name: 'web', image: 'registry.test/shop/web:v2' }], 'web'],
    ['the only workload without rules', [web], [], 'web'],
    ['none of several without a match', [worker, web], [], undefined],
    ['no workload at all', [{ kind: 'Service', name: 'web', namespace: 'shop', newImages: [] }], [], undefined],
  ])('%s', (_name, resources, images, expected) => {
    expect(workloadOf(resources, images)?.name).toBe(expected);
  });
});

function report(resources: Partial<ResourceReport>[], overrides: Partial<DeployReport> = {}): DeployReport {
  return {
    ...emptyReport(false),
    status: 'deployed',
    resources: resources.map((r) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      namespace: 'shop',
      file: 'k8s/app.yaml',
      document: 1,
      action: 'configure',
      oldImages: [],
      newImages: [image],
      result: 'ready',
      ...r,
    })),
    ...overrides,
  };
}

function cluster(services: { name: string; selector: Record<string, string>; ports: unknown[] }[]): FakeKube {
  const api = new FakeKube();
  api.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { template: { metadata: { labels: { app: 'web', tier: 'front' } } } },
  });
  for (const s of services)
    api.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: 'shop' },
      spec: { selector: s.selector, ports: s.ports },
    });
  return api;
}

describe('deployedService', () => {
  const rules = [{ name: 'web', image }];
  it.each<[string, Parameters<typeof cluster>[0], string]>([
    [
      'the Service selecting the pods, its http port',
      [
        { name: 'other', selector: { app: 'other' }, ports: [{ port: 1 }] },
        {
          name: 'web',
          selector: { app: 'web' },
          ports: [
            { name: 'metrics', port: 9090 },
            { name: 'http', port: 80 },
          ],
        },
      ],
      'shop/web:80',
    ],
    [
      'its first TCP port without an http one',
      [{ name: 'web', selector: { tier: 'front' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 8080 }] }],
      'shop/web:8080',
    ],
    ['no Service selects the pods', [{ name: 'db', selector: { app: 'db' }, ports: [{ port: 5432 }] }], ''],
    ['a Service without a selector', [{ name: 'web', selector: {}, ports: [{ port: 80 }] }], ''],
  ])('%s', async (_name, services, expected) => {
    const log: string[] = [];
    expect(await deployedService(cluster(services), report([{}]), rules, (m) => void log.push(m))).toBe(expected);
    expect(log.join('\n')).toMatch(
      expected
        ? `service output: ${expected} (selects the pods of Deployment/web)`
        : /no Service in namespace shop selects the pods of Deployment\/web/,
    );
  });

  it.each<[string, DeployReport]>([
    ['a failed deploy', report([{}], { status: 'rolled-back' })],
    ['a dry run', report([{}], { dryRun: true, status: 'unchanged' })],
    ['no workload', report([{ kind: 'ConfigMap', apiVersion: 'v1', newImages: [] }])],
  ])('is empty for %s', async (_name, r) => {
    const api = cluster([{ name: 'web', selector: { app: 'web' }, ports: [{ port: 80 }] }]);
    expect(await deployedService(api, r, rules, () => undefined)).toBe('');
  });

  it('names the Service after a canary paused at its manual gate (it fronts the stable and the canary pods)', async () => {
    const api = cluster([{ name: 'web', selector: { app: 'web' }, ports: [{ port: 80 }] }]);
    expect(await deployedService(api, report([{}], { status: 'paused' }), rules, () => undefined)).toBe('shop/web:80');
  });

  it('leaves the output empty, and says why, when the Services cannot be read (the deploy still succeeded)', async () => {
    const api = cluster([]);
    api.list = async () => {
      throw new KubeError('services is forbidden: User "deployer" cannot list resource "services"', 403, 'Forbidden');
    };
    const log: string[] = [];
    expect(await deployedService(api, report([{}]), rules, (m) => void log.push(m))).toBe('');
    expect(log).toEqual([
      'service output: the Service in front of Deployment/web could not be read (services is forbidden: User "deployer" cannot list resource "services")',
    ]);
  });
});
