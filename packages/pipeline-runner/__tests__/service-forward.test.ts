import { describe, expect, it } from '@jest/globals';
import {
  deployedWorkload,
  pickService,
  repositoryOf,
  type DeployedResource,
  type LiveService,
} from '@pipeline/action-kit/kube';
import { parseResourcesOutput } from '../src/provisioning/service-forward.js';
import { normalizeImage, standInsUsed } from '../src/provisioning/stand-ins.js';

const resource = (kind: string, name: string, newImages: string[] = []): DeployedResource => ({
  kind,
  name,
  namespace: 'ns',
  newImages,
});

describe('parseResourcesOutput', () => {
  it.each([
    ['', 0],
    ['not json', 0],
    ['{"kind":"Deployment"}', 0],
    ['[{"kind":"Deployment","name":"a","namespace":"n","newImages":["x", 3]}]', 1],
    ['[{"kind":"Service"},{"kind":"Service","name":"s"}]', 1],
  ])('%s → %i objects', (json, count) => {
    expect(parseResourcesOutput(json)).toHaveLength(count);
  });

  it('keeps only string images', () => {
    expect(parseResourcesOutput('[{"kind":"Deployment","name":"a","newImages":["x", 3]}]')[0]?.newImages).toEqual([
      'x',
    ]);
  });
});

describe('deployedWorkload', () => {
  const digest = 'ghcr.io/o/app@sha256:' + 'a'.repeat(64);
  const staging = [
    resource('StatefulSet', 'postgres', ['postgres:17-alpine']),
    resource('Deployment', 'redis', ['redis:7-alpine']),
    resource('Service', 'app'),
    resource('Deployment', 'app', [digest]),
  ];
  it.each([
    ['the exact reference', staging, digest, 'app'],
    ['the same repository under a tag', staging, 'ghcr.io/o/app:sha-1234', 'app'],
    ['no match among several workloads', staging, 'ghcr.io/o/other@sha256:1', undefined],
    ['the only workload', [resource('Deployment', 'solo', ['x:1'])], 'y:2', 'solo'],
    ['no workload', [resource('Service', 's')], digest, undefined],
  ])('%s', (_what, resources, image, expected) => {
    expect(deployedWorkload(resources, image)?.name).toBe(expected);
  });

  it.each([
    ['ghcr.io/o/r@sha256:abc', 'ghcr.io/o/r'],
    ['ghcr.io/o/r:v1', 'ghcr.io/o/r'],
    ['127.0.0.1:5000/o/r:v1', '127.0.0.1:5000/o/r'],
    ['127.0.0.1:5000/o/r', '127.0.0.1:5000/o/r'],
  ])('repositoryOf(%s) = %s', (ref, repo) => {
    expect(repositoryOf(ref)).toBe(repo);
  });
});

describe('pickService', () => {
  const svc = (name: string, selector: Record<string, string>, ports: LiveService['ports']): LiveService => ({
    name,
    namespace: 'ns',
    selector,
    ports,
  });
  const labels = { 'app.kubernetes.io/component': 'api', 'app.kubernetes.io/name': 'example-service' };
  it.each([
    [
      'the Service whose selector picks the pods, by its http port',
      [
        svc('postgres', { 'app.kubernetes.io/name': 'postgres' }, [{ port: 5432 }]),
        svc('app', { 'app.kubernetes.io/component': 'api' }, [
          { name: 'metrics', port: 9090 },
          { name: 'http', port: 80 },
        ]),
      ],
      { name: 'app', port: 80 },
    ],
    [
      'the first TCP port without an http one',
      [svc('app', labels, [{ protocol: 'UDP', port: 53 }, { port: 8080 }])],
      { name: 'app', port: 8080 },
    ],
    ['no selector never matches', [svc('headless', {}, [{ port: 80 }])], undefined],
    ['a selector label the pods lack', [svc('x', { ...labels, tier: 'web' }, [{ port: 80 }])], undefined],
    ['a Service with only UDP ports', [svc('dns', labels, [{ protocol: 'UDP', port: 53 }])], undefined],
  ])('%s', (_what, services, expected) => {
    const picked = pickService(labels, services);
    expect(picked ? { name: picked.service.name, port: picked.port } : undefined).toEqual(expected);
  });
});

describe('stand-ins', () => {
  it.each([
    ['postgres:17-alpine', 'docker.io/library/postgres:17-alpine'],
    ['library/redis:7-alpine', 'docker.io/library/redis:7-alpine'],
    ['docker.io/library/redis:7-alpine', 'docker.io/library/redis:7-alpine'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['ghcr.io/o/r@sha256:abc', 'ghcr.io/o/r@sha256:abc'],
    ['localhost/x', 'localhost/x:latest'],
    ['127.0.0.1:5000/x:1', '127.0.0.1:5000/x:1'],
  ])('normalizeImage(%s) = %s', (ref, normalized) => {
    expect(normalizeImage(ref)).toBe(normalized);
  });

  it('names each stand-in once with the objects that ran it, and nothing else', () => {
    const notes = standInsUsed([
      resource('StatefulSet', 'postgres', ['postgres:17-alpine']),
      resource('Deployment', 'redis', ['redis:7-alpine']),
      resource('Deployment', 'cache', ['docker.io/library/redis:7-alpine']),
      resource('Deployment', 'app', ['ghcr.io/o/app@sha256:1']),
    ]);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('docker.io/library/postgres:17-alpine (StatefulSet/postgres)');
    expect(notes[1]).toContain('(Deployment/redis, Deployment/cache)');
    expect(notes.join()).not.toContain('ghcr.io');
  });
});
