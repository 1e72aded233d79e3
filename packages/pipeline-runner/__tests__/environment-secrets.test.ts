import { describe, expect, it } from '@jest/globals';
import { missingSecretsReason, secretsNotInManifests, secretsRead } from '../src/provisioning/environment-secrets.js';
import type { ManifestObject, PodSpec } from '../src/provisioning/environment-secrets.js';

const deployment = (name: string, spec: object, namespace?: string): ManifestObject => ({
  kind: 'Deployment',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { template: { spec } },
});

describe('secretsRead', () => {
  it.each([
    [
      'env secretKeyRef',
      { containers: [{ env: [{ valueFrom: { secretKeyRef: { name: 'db', key: 'URL' } } }] }] },
      ['db'],
    ],
    ['envFrom secretRef', { containers: [{ envFrom: [{ secretRef: { name: 'all' } }] }] }, ['all']],
    ['a secret volume', { containers: [{}], volumes: [{ secret: { secretName: 'tls' } }] }, ['tls']],
    ['an init container', { initContainers: [{ envFrom: [{ secretRef: { name: 'init' } }] }] }, ['init']],
    [
      'optional references do not count',
      {
        containers: [
          { env: [{ valueFrom: { secretKeyRef: { name: 'opt', key: 'k', optional: true } } }] },
          { envFrom: [{ secretRef: { name: 'opt2', optional: true } }] },
        ],
        volumes: [{ secret: { secretName: 'opt3', optional: true } }],
      },
      [],
    ],
    ['ConfigMaps are not Secrets', { containers: [{ envFrom: [{ configMapRef: { name: 'cfg' } }] }] }, []],
    [
      'each name once, sorted',
      {
        containers: [
          {
            env: [
              { valueFrom: { secretKeyRef: { name: 'b', key: 'x' } } },
              { valueFrom: { secretKeyRef: { name: 'a', key: 'y' } } },
            ],
          },
          { envFrom: [{ secretRef: { name: 'b' } }] },
        ],
      },
      ['a', 'b'],
    ],
  ])('%s', (_what, spec, names) => {
    expect(secretsRead(spec as PodSpec)).toEqual(names);
  });
});

describe('secretsNotInManifests', () => {
  const reads = (name: string) => ({ containers: [{ envFrom: [{ secretRef: { name } }] }] });
  it('a Secret the manifests define in the same namespace is not missing', () => {
    const objects = [
      deployment('app', reads('app-secrets'), 'prod'),
      { kind: 'Secret', metadata: { name: 'app-secrets', namespace: 'prod' } },
    ];
    expect(secretsNotInManifests(objects, 'default')).toEqual([]);
  });

  it('a Secret defined in another namespace is missing, with every reader named', () => {
    const objects = [
      deployment('api', reads('shared'), 'prod'),
      {
        kind: 'CronJob',
        metadata: { name: 'report', namespace: 'prod' },
        spec: { jobTemplate: { spec: { template: { spec: reads('shared') } } } },
      },
      { kind: 'Secret', metadata: { name: 'shared', namespace: 'staging' } },
    ] as ManifestObject[];
    expect(secretsNotInManifests(objects, 'default')).toEqual([
      { namespace: 'prod', name: 'shared', readers: ['Deployment/api', 'CronJob/report'] },
    ]);
  });

  it('objects without a namespace are in the default one', () => {
    expect(secretsNotInManifests([deployment('app', reads('s'))], 'team-a')).toEqual([
      { namespace: 'team-a', name: 's', readers: ['Deployment/app'] },
    ]);
  });

  it('the reason names each Secret, its readers and the two ways on', () => {
    const reason = missingSecretsReason([
      { namespace: 'example-service', name: 'example-service-secrets', readers: ['Deployment/example-service'] },
    ]);
    expect(reason).toContain('example-service/example-service-secrets (read by Deployment/example-service)');
    expect(reason).toContain('kubectl create secret');
    expect(reason).toContain('--kwok-only');
  });
});
