import { describe, expect, it } from '@jest/globals';
import { runContext } from '@pipeline/action-kit';
import {
  applyRank,
  cleanObject,
  comparable,
  objectDiff,
  redactSecret,
  runAnnotations,
  sameObject,
  sortForApply,
  stampAnnotations,
  type KubeObject,
} from '../src/objects.js';

const obj = (kind: string, name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name },
  ...extra,
});

describe('apply order', () => {
  it('puts what others depend on first and keeps manifest order within a kind', () => {
    const kinds = [
      'Ingress',
      'Deployment',
      'Service',
      'ConfigMap',
      'Secret',
      'Widget',
      'Namespace',
      'CustomResourceDefinition',
      'RoleBinding',
      'ServiceAccount',
      'Role',
      'PersistentVolumeClaim',
      'HorizontalPodAutoscaler',
      'StatefulSet',
    ];
    const items = kinds.map((kind, i) => ({ object: obj(kind, `o${i}`) }));
    expect(sortForApply(items).map((i) => i.object.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'Secret',
      'PersistentVolumeClaim',
      'Service',
      'Deployment',
      'StatefulSet',
      'Ingress',
      'HorizontalPodAutoscaler',
      'Widget',
    ]);
    expect(applyRank('Widget')).toBeGreaterThan(applyRank('PodDisruptionBudget'));
  });
});

describe('cleanObject', () => {
  it('drops what the server manages and keeps the rest', () => {
    const live: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: 'u',
        resourceVersion: '9',
        generation: 3,
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'x' }],
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '3', team: 'payments' },
      },
      spec: { replicas: 3 },
      status: { readyReplicas: 3 },
    };
    expect(cleanObject(live)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: { team: 'payments' } },
      spec: { replicas: 3 },
    });
    expect(live.metadata['uid']).toBe('u');
  });
});

describe('redactSecret', () => {
  it('replaces Secret values by digests and leaves other kinds alone', () => {
    const secret = obj('Secret', 's', { data: { password: 'aHVudGVyMg==' }, stringData: { token: 'plain' } });
    const redacted = redactSecret(secret);
    expect(redacted['data']).toEqual({ password: expect.stringMatching(/^<redacted sha256:[0-9a-f]{12}>$/) });
    expect(JSON.stringify(redacted)).not.toContain('plain');
    expect(secret['data']).toEqual({ password: 'aHVudGVyMg==' });
    const map = obj('ConfigMap', 'c', { data: { a: 'b' } });
    expect(redactSecret(map)).toBe(map);
  });
});

describe('run annotations and change detection', () => {
  const env = {
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_SHA: 'abc',
    GITHUB_RUN_ID: '7',
    GITHUB_RUN_ATTEMPT: '2',
    GITHUB_ACTOR: 'ann',
    GITHUB_SERVER_URL: 'https://github.example',
  };

  it('stamps repository, commit, run URL, actor and the user annotations', () => {
    const annotations = runAnnotations(runContext(env), new Map([['team', 'payments']]));
    expect(Object.fromEntries(annotations)).toEqual({
      'deploy-k8s.pipeline-actions.io/repository': 'o/r',
      'deploy-k8s.pipeline-actions.io/commit': 'abc',
      'deploy-k8s.pipeline-actions.io/run-url': 'https://github.example/o/r/actions/runs/7/attempts/2',
      'deploy-k8s.pipeline-actions.io/actor': 'ann',
      team: 'payments',
    });
    const o = obj('ConfigMap', 'c', { metadata: { name: 'c', annotations: { keep: 'me' } } });
    stampAnnotations(o, annotations);
    expect(o.metadata.annotations).toMatchObject({ keep: 'me', team: 'payments' });
  });

  it('does not count run metadata or server fields as a change, but counts everything else', () => {
    const volatile = new Set(['deploy-k8s.pipeline-actions.io/run-url']);
    const a = obj('ConfigMap', 'c', {
      metadata: { name: 'c', resourceVersion: '1', annotations: { 'deploy-k8s.pipeline-actions.io/run-url': 'u1' } },
      data: { x: '1' },
    });
    const b = obj('ConfigMap', 'c', {
      metadata: { name: 'c', resourceVersion: '2', annotations: { 'deploy-k8s.pipeline-actions.io/run-url': 'u2' } },
      data: { x: '1' },
    });
    const c = obj('ConfigMap', 'c', { metadata: { name: 'c' }, data: { x: '2' } });
    expect(sameObject(a, b, volatile)).toBe(true);
    expect(sameObject(a, c, volatile)).toBe(false);
    expect(comparable(a, volatile)).toEqual({
      apiVersion: 'v1',
      data: { x: '1' },
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    });
  });
});

describe('objectDiff', () => {
  it('shows a unified diff of the cleaned objects, or a creation', () => {
    const before = obj('ConfigMap', 'c', {
      metadata: { name: 'c', resourceVersion: '5' },
      data: { greeting: 'hello' },
    });
    const after = obj('ConfigMap', 'c', {
      metadata: { name: 'c', resourceVersion: '5' },
      data: { greeting: 'bonjour' },
    });
    const diff = objectDiff(before, after, 'ConfigMap/c');
    expect(diff).toContain('--- live/ConfigMap/c');
    expect(diff).toContain('-  greeting: hello');
    expect(diff).toContain('+  greeting: bonjour');
    expect(diff).not.toContain('resourceVersion');
    expect(objectDiff(undefined, after, 'ConfigMap/c')).toContain('--- /dev/null');
  });
});
