import { describe, expect, it } from '@jest/globals';
import { imageMatches, imagesOf, normalizeRepository, parseImage, replaceImages } from '../src/images.js';

describe('parseImage', () => {
  it.each([
    ['nginx', { repository: 'nginx' }],
    ['nginx:1.27', { repository: 'nginx', tag: '1.27' }],
    ['ghcr.io/acme/web:1.0.0', { repository: 'ghcr.io/acme/web', tag: '1.0.0' }],
    ['localhost:5000/web:dev', { repository: 'localhost:5000/web', tag: 'dev' }],
    [
      `ghcr.io/acme/web@sha256:${'a'.repeat(64)}`,
      { repository: 'ghcr.io/acme/web', digest: `sha256:${'a'.repeat(64)}` },
    ],
    [`web:1.0@sha256:${'b'.repeat(64)}`, { repository: 'web', tag: '1.0', digest: `sha256:${'b'.repeat(64)}` }],
  ])('parses %s', (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });

  it.each(['', 'Web:1.0', 'web:', 'web@sha256:xyz', 'a b', 'web:tag with space'])('rejects %j', (image) => {
    expect(parseImage(image)).toBeUndefined();
  });
});

describe('normalizeRepository', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['acme/web', 'docker.io/acme/web'],
    ['docker.io/library/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/acme/web', 'docker.io/acme/web'],
    ['ghcr.io/acme/web', 'ghcr.io/acme/web'],
    ['localhost/web', 'localhost/web'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeRepository(input)).toBe(expected);
  });
});

describe('imageMatches', () => {
  it.each([
    ['web', 'ghcr.io/acme/web:1.0.0', true],
    ['web', 'ghcr.io/acme/web', true],
    ['web', `ghcr.io/acme/web@sha256:${'c'.repeat(64)}`, true],
    ['acme/web', 'ghcr.io/acme/web:1', true],
    ['ghcr.io/acme/web', 'ghcr.io/acme/web:1', true],
    ['ghcr.io/acme/web:2', 'ghcr.io/acme/web:1', true],
    ['nginx', 'docker.io/library/nginx:1.27', true],
    ['docker.io/library/nginx', 'nginx:1.27', true],
    ['web', 'ghcr.io/acme/webapp:1', false],
    ['web', 'ghcr.io/web-tools/api:1', false],
    ['acme/web', 'ghcr.io/other/web:1', false],
    ['web', 'not an image', false],
  ])('rule %s selects %s: %s', (name, image, expected) => {
    expect(imageMatches(name, image)).toBe(expected);
  });
});

describe('replaceImages', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      template: {
        spec: {
          initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/web:1.0.0' }],
          containers: [
            { name: 'web', image: 'ghcr.io/acme/web:1.0.0' },
            { name: 'proxy', image: 'envoyproxy/envoy:v1.30' },
          ],
        },
      },
    },
  });

  it('replaces containers and init containers that use the image, and reports each change', () => {
    const object = deployment();
    const changes = replaceImages(object, [{ name: 'web', image: 'ghcr.io/acme/web:2.0.0' }]);
    expect(changes).toEqual([
      {
        path: 'spec.template.spec.initContainers[0]',
        container: 'migrate',
        from: 'ghcr.io/acme/web:1.0.0',
        to: 'ghcr.io/acme/web:2.0.0',
        rule: 'web',
      },
      {
        path: 'spec.template.spec.containers[0]',
        container: 'web',
        from: 'ghcr.io/acme/web:1.0.0',
        to: 'ghcr.io/acme/web:2.0.0',
        rule: 'web',
      },
    ]);
    expect(imagesOf(object)).toEqual(['ghcr.io/acme/web:2.0.0', 'ghcr.io/acme/web:2.0.0', 'envoyproxy/envoy:v1.30']);
  });

  it('reaches CronJob and Pod templates and leaves other kinds alone', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'web:1' }] } } } } },
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'p', image: 'web:1' }] },
    };
    const map = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { image: 'web:1' } };
    const rules = [{ name: 'web', image: 'web:2' }];
    expect(replaceImages(cron, rules)).toHaveLength(1);
    expect(replaceImages(pod, rules)).toHaveLength(1);
    expect(replaceImages(map, rules)).toEqual([]);
    expect(map.data.image).toBe('web:1');
  });

  it('reports nothing when the image is already the wanted one', () => {
    const object = deployment();
    expect(replaceImages(object, [{ name: 'envoy', image: 'envoyproxy/envoy:v1.30' }])).toEqual([]);
  });
});
