import { describe, expect, it } from '@jest/globals';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeconfigMasks } from '@pipeline/action-kit/kube';
import { maskingReader, parseInputs } from '../src/inputs.js';

const kubeconfig =
  'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user:\n    token: tok-abcdef123456\n';

function reader(values: Record<string, string>): (name: string) => string {
  const defaults: Record<string, string> = {
    manifests: 'k8s',
    timeout: '5m',
    'rollback-on-failure': 'true',
    wait: 'true',
    lock: 'true',
    'dry-run': 'false',
    'field-manager': 'deploy-k8s',
    'failure-grace': '5s',
    'unknown-kinds': 'fail',
  };
  return (name) => values[name] ?? defaults[name] ?? '';
}

const masked: string[] = [];
const collect = (value: string): void => void masked.push(value);

describe('parseInputs', () => {
  it('reads defaults', () => {
    const inputs = parseInputs(maskingReader(reader({}), collect), {});
    expect(inputs).toMatchObject({
      kubeconfig: undefined,
      context: undefined,
      namespace: undefined,
      manifests: ['k8s'],
      images: [],
      timeoutMs: 300_000,
      rollbackOnFailure: true,
      wait: true,
      lock: true,
      dryRun: false,
      fieldManager: 'deploy-k8s',
      failureGraceMs: 5000,
      unknownKinds: 'fail',
    });
    expect(Object.isFrozen(inputs)).toBe(true);
  });

  it('reads every input', () => {
    const inputs = parseInputs(
      maskingReader(
        reader({
          kubeconfig: Buffer.from(kubeconfig).toString('base64'),
          context: 'x',
          namespace: 'shop',
          manifests: 'k8s/base\n# comment\nk8s/overlays/*.yaml\n',
          images: 'web=ghcr.io/acme/web:2.0.0\nghcr.io/acme/worker=ghcr.io/acme/worker@sha256:' + 'a'.repeat(64),
          timeout: '90s',
          'rollback-on-failure': 'false',
          wait: 'false',
          lock: 'false',
          'dry-run': 'true',
          'field-manager': 'ci',
          annotations: 'team=payments\nexample.com/owner=ann',
          'failure-grace': '1m',
          'unknown-kinds': 'skip',
        }),
        collect,
      ),
      {},
    );
    expect(masked).toEqual(
      expect.arrayContaining([Buffer.from(kubeconfig).toString('base64'), kubeconfig, 'tok-abcdef123456']),
    );
    expect(inputs.kubeconfig?.encoding).toBe('base64');
    expect(inputs.kubeconfig?.text).toContain('tok-abcdef123456');
    expect(inputs.manifests).toEqual(['k8s/base', 'k8s/overlays/*.yaml']);
    expect(inputs.images).toEqual([
      { name: 'web', image: 'ghcr.io/acme/web:2.0.0' },
      { name: 'ghcr.io/acme/worker', image: `ghcr.io/acme/worker@sha256:${'a'.repeat(64)}` },
    ]);
    expect(inputs).toMatchObject({
      context: 'x',
      namespace: 'shop',
      timeoutMs: 90_000,
      rollbackOnFailure: false,
      wait: false,
      lock: false,
      dryRun: true,
      fieldManager: 'ci',
      failureGraceMs: 60_000,
      unknownKinds: 'skip',
    });
    expect(Object.fromEntries(inputs.annotations)).toEqual({ team: 'payments', 'example.com/owner': 'ann' });
  });

  it.each([
    [
      { manifests: '' },
      'Input \'manifests\' has an invalid value "": expected at least one file, directory or glob pattern, one per line.',
    ],
    [{ namespace: 'Shop' }, 'Input \'namespace\' has an invalid value "Shop": expected a namespace name'],
    [{ images: 'web' }, 'Input \'images\' has an invalid value "web": expected one key=value pair per line'],
    [
      { images: 'web=Not An Image' },
      'Input \'images\' has an invalid value "web=Not An Image": expected name=registry/name:tag lines whose right-hand side is an image reference',
    ],
    [{ timeout: 'soon' }, 'Input \'timeout\' has an invalid value "soon": expected a duration'],
    [{ timeout: '0s' }, 'Input \'timeout\' has an invalid value "0s": expected a duration'],
    [{ wait: 'maybe' }, 'Input \'wait\' has an invalid value "maybe": expected true or false.'],
    [
      { annotations: 'bad key=1' },
      'Input \'annotations\' has an invalid value "bad key": expected key=value lines with Kubernetes annotation keys',
    ],
    [{ 'field-manager': 'a b' }, 'Input \'field-manager\' has an invalid value "a b"'],
    [
      { 'unknown-kinds': 'ignore' },
      'Input \'unknown-kinds\' has an invalid value "ignore": expected one of fail, skip.',
    ],
    // Issue 13: a glob from the root walked the whole file system for 11 s.
    [
      { manifests: '/**/*.x' },
      'Input \'manifests\' has an invalid value "/**/*.x": expected a manifest file, directory or glob relative to the workspace',
    ],
    [{ manifests: 'k8s\n../../etc/*' }, 'Input \'manifests\' has an invalid value "../../etc/*"'],
    [{ manifests: '/etc/passwd' }, 'set allow-outside-workspace: true to allow patterns outside it'],
    [
      { 'allow-outside-workspace': 'sure' },
      'Input \'allow-outside-workspace\' has an invalid value "sure": expected true or false.',
    ],
  ])('rejects %j', (values, message) => {
    expect(() => parseInputs(maskingReader(reader(values), collect), {})).toThrow(message);
  });
});

describe('hardening (issue 13)', () => {
  it('refuses a 130 KB manifests value by its length, not "pattern is too long"', () => {
    expect(() => parseInputs(maskingReader(reader({ manifests: 'k'.repeat(130_000) }), collect), {})).toThrow(
      `Input 'manifests' has an invalid value "${'k'.repeat(117)}...": expected a manifest file, directory or glob of at most 4096 characters (got 130000).`,
    );
  });

  it('takes manifests outside the workspace with allow-outside-workspace', () => {
    const inputs = parseInputs(
      maskingReader(reader({ manifests: '/srv/k8s/*.yaml', 'allow-outside-workspace': 'true' }), collect),
      {},
    );
    expect(inputs).toMatchObject({ manifests: ['/srv/k8s/*.yaml'], allowOutsideWorkspace: true });
  });
});

describe('masking a broken kubeconfig', () => {
  it('masks the value and the token inside even when it cannot be used', () => {
    const seen: string[] = [];
    const broken = 'kind: Config\nusers:\n- name: u\n  user:\n    token: tok-broken-0987654321\n';
    expect(() =>
      parseInputs(
        maskingReader(reader({ kubeconfig: broken }), (v) => void seen.push(v)),
        {},
      ),
    ).toThrow("Input 'kubeconfig' is not a usable kubeconfig: it has no clusters.");
    expect(seen).toEqual(expect.arrayContaining([broken, 'tok-broken-0987654321']));
  });
});

describe('kubeconfigMasks', () => {
  it.each([
    ['', []],
    ['  \n', []],
    [`  ${kubeconfig}`, [`  ${kubeconfig}`, kubeconfig.trim(), 'tok-abcdef123456']],
    [
      Buffer.from(kubeconfig).toString('base64url'),
      [Buffer.from(kubeconfig).toString('base64url'), kubeconfig, 'tok-abcdef123456'],
    ],
  ])('%#', (raw, expected) => {
    expect(kubeconfigMasks(raw)).toEqual(expected);
  });

  it('masks only the kubeconfig input, when it is read', () => {
    const seen: string[] = [];
    const read = maskingReader(
      reader({ kubeconfig, context: 'tok-abcdef123456-not-secret-here' }),
      (v) => void seen.push(v),
    );
    read('context');
    expect(seen).toEqual([]);
    read('kubeconfig');
    expect(seen).toContain('tok-abcdef123456');
  });
});

describe('what parseInputs takes from the environment', () => {
  const env = {
    GITHUB_WORKSPACE: '/ws',
    RUNNER_TEMP: '/rt',
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_SHA: 'abc',
    GITHUB_RUN_ID: '7',
    GITHUB_RUN_ATTEMPT: '3',
    GITHUB_ACTOR: 'ann',
    GITHUB_JOB: 'deploy',
  };

  it('stamps the run metadata, which does not count as a change, beside the user annotations', () => {
    const inputs = parseInputs(reader({ annotations: 'team=payments' }), env);
    expect(inputs.run).toMatchObject({
      workspace: '/ws',
      runnerTemp: '/rt',
      runUrl: 'https://github.com/o/r/actions/runs/7/attempts/3',
      job: 'deploy',
    });
    expect(inputs.backupDir).toBe(path.join('/rt', 'deploy-k8s'));
    expect(Object.fromEntries(inputs.stampedAnnotations)).toEqual({
      'deploy-k8s.pipeline-actions.io/repository': 'o/r',
      'deploy-k8s.pipeline-actions.io/commit': 'abc',
      'deploy-k8s.pipeline-actions.io/run-url': 'https://github.com/o/r/actions/runs/7/attempts/3',
      'deploy-k8s.pipeline-actions.io/actor': 'ann',
      team: 'payments',
    });
    expect([...inputs.volatileAnnotations].sort()).toEqual([
      'deploy-k8s.pipeline-actions.io/actor',
      'deploy-k8s.pipeline-actions.io/commit',
      'deploy-k8s.pipeline-actions.io/repository',
      'deploy-k8s.pipeline-actions.io/run-url',
    ]);
  });

  it('counts a run-metadata key the user sets as a change, and falls back to the system temp directory', () => {
    const inputs = parseInputs(reader({ annotations: 'deploy-k8s.pipeline-actions.io/commit=pinned' }), {
      GITHUB_SHA: 'abc',
      RUNNER_TEMP: '',
    });
    expect(inputs.stampedAnnotations.get('deploy-k8s.pipeline-actions.io/commit')).toBe('pinned');
    expect(inputs.volatileAnnotations.has('deploy-k8s.pipeline-actions.io/commit')).toBe(false);
    expect(inputs.backupDir).toBe(path.join(tmpdir(), 'deploy-k8s'));
  });
});
