import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../src/objects.js';
import {
  CONFIG_COPIES,
  configCopies,
  recordedCopies,
  referencedConfig,
  useCopies,
} from '../src/strategy/config-copies.js';
import { CANARY_OF, TRACK_LABEL } from '../src/strategy/targets.js';

const deployment = (podSpec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
  },
});

const container = (extra: Record<string, unknown>): Record<string, unknown> => ({
  name: 'app',
  image: 'web:2',
  ...extra,
});

const configMap = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels: { app: 'web' } },
  data,
  ...extra,
});

const secret = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type: 'Opaque',
  stringData: { token: 't' },
});

describe('referencedConfig: every place a pod template names a ConfigMap or Secret', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['nothing', { containers: [container({})] }, []],
    [
      'a configMap volume',
      { containers: [container({})], volumes: [{ name: 'v', configMap: { name: 'cfg' } }] },
      ['ConfigMap/cfg'],
    ],
    [
      'a secret volume',
      { containers: [container({})], volumes: [{ name: 'v', secret: { secretName: 's' } }] },
      ['Secret/s'],
    ],
    [
      'projected sources',
      {
        containers: [container({})],
        volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'a' } }, { secret: { name: 'b' } }] } }],
      },
      ['ConfigMap/a', 'Secret/b'],
    ],
    [
      'envFrom of every container kind',
      {
        initContainers: [container({ envFrom: [{ configMapRef: { name: 'init' } }] })],
        containers: [container({ envFrom: [{ secretRef: { name: 's' } }, { configMapRef: { name: 'cfg' } }] })],
      },
      ['ConfigMap/init', 'Secret/s', 'ConfigMap/cfg'],
    ],
    [
      'env valueFrom, each name once',
      {
        containers: [
          container({
            env: [
              { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a' } } },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'b' } } },
              { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'c' } } },
              { name: 'D', value: 'plain' },
              { name: 'E', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
          }),
        ],
      },
      ['ConfigMap/cfg', 'Secret/s'],
    ],
  ])('%s', (_what, podSpec, expected) => {
    expect(referencedConfig(deployment(podSpec))).toEqual(expected);
  });
});

describe('configCopies and useCopies', () => {
  const podSpec = {
    containers: [
      container({
        envFrom: [{ configMapRef: { name: 'cfg' } }],
        env: [
          { name: 'T', valueFrom: { secretKeyRef: { name: 'token', key: 'token' } } },
          { name: 'X', valueFrom: { configMapKeyRef: { name: 'external', key: 'x' } } },
        ],
      }),
    ],
    volumes: [{ name: 'files', configMap: { name: 'cfg' } }],
  };
  const objects: KubeObject[] = [
    deployment(podSpec),
    configMap('cfg', { GREETING: 'new' }, { immutable: true }),
    configMap('unrelated', { a: 'b' }),
    secret('token'),
    { ...configMap('cfg', { other: 'ns' }), metadata: { name: 'cfg', namespace: 'elsewhere' } },
  ];

  it('copies what the manifests carry and the template names, into the namespace, and nothing of another one', () => {
    const copies = configCopies(objects, objects[0] as KubeObject, 'shop');
    expect(copies.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual(['ConfigMap/cfg-canary', 'Secret/token-canary']);
    expect(copies.map((c) => c.metadata.namespace)).toEqual(['shop', 'shop']);
    expect(copies.map((c) => c['data'] ?? c['stringData'])).toEqual([{ GREETING: 'new' }, { token: 't' }]);
  });

  it('keeps the content, marks the copy as the canary, and drops immutable', () => {
    const [copy] = configCopies(objects, objects[0] as KubeObject, 'shop');
    expect(copy).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'cfg-canary',
        namespace: 'shop',
        labels: { app: 'web', [TRACK_LABEL]: 'canary' },
        annotations: { [CANARY_OF]: 'web' },
      },
      data: { GREETING: 'new' },
    });
  });

  it('points the canary at the copies only, records them, and leaves the original objects alone', () => {
    const original = deployment(podSpec);
    const copies = configCopies(objects, original, 'shop');
    const canary = useCopies(structuredClone(original), copies);
    const names = JSON.stringify(canary['spec']);
    expect(names).toContain('"configMapRef":{"name":"cfg-canary"}');
    expect(names).toContain('"configMap":{"name":"cfg-canary"}');
    expect(names).toContain('"secretKeyRef":{"name":"token-canary","key":"token"}');
    expect(names).toContain('"configMapKeyRef":{"name":"external","key":"x"}');
    expect(canary.metadata.annotations?.[CONFIG_COPIES]).toBe('ConfigMap/cfg-canary,Secret/token-canary');
    expect(referencedConfig(original)).toEqual(['ConfigMap/cfg', 'Secret/token', 'ConfigMap/external']);
    expect(objects[1]?.metadata.name).toBe('cfg');
  });

  it('changes nothing without copies', () => {
    const canary = deployment(podSpec);
    expect(useCopies(canary, [])).toEqual(deployment(podSpec));
  });
});

describe('recordedCopies', () => {
  it.each<[string | undefined, Array<{ kind: string; name: string }>]>([
    [undefined, []],
    ['', []],
    [
      'ConfigMap/cfg-canary,Secret/token-canary',
      [
        { kind: 'ConfigMap', name: 'cfg-canary' },
        { kind: 'Secret', name: 'token-canary' },
      ],
    ],
    ['Pod/x, ConfigMap/Bad_Name ,ConfigMap/ok', [{ kind: 'ConfigMap', name: 'ok' }]],
  ])('%p', (annotation, expected) => {
    const live =
      annotation === undefined
        ? undefined
        : { ...deployment({}), metadata: { name: 'web-canary', annotations: { [CONFIG_COPIES]: annotation } } };
    expect(recordedCopies(live)).toEqual(expected);
  });
});
