import { describe, expect, it } from '@jest/globals';
import { trivyMirrorConfig } from '../src/provisioning/containers.js';
import { dockerRunArgs, parseImagesInput } from '../src/provisioning/service-image.js';

describe("deploy-k8s's images input, as the smoke stage reads it", () => {
  it.each<[string, { name: string; ref: string }[]]>([
    ['example-service=ghcr.io/o/r@sha256:abc', [{ name: 'example-service', ref: 'ghcr.io/o/r@sha256:abc' }]],
    [
      'a=ghcr.io/o/a:1, b = ghcr.io/o/b@sha256:def\n',
      [
        { name: 'a', ref: 'ghcr.io/o/a:1' },
        { name: 'b', ref: 'ghcr.io/o/b@sha256:def' },
      ],
    ],
    ['example-service=', []],
    ['no pair here', []],
  ])('%j', (value, expected) => expect(parseImagesInput(value)).toEqual(expected));
});

describe('docker run of the built image', () => {
  it('passes the environment by name only, so no value (a database password) is in the command line', () => {
    const args = dockerRunArgs('pipeline-smoke-1', '127.0.0.1:5000/o/r@sha256:abc', {
      PORT: '4100',
      DATABASE_URL: 'postgres://u:secret@127.0.0.1:5432/app',
    });
    expect(args).toEqual([
      'run',
      '--rm',
      '--name',
      'pipeline-smoke-1',
      '--network',
      'host',
      '--pull',
      'always',
      '-e',
      'DATABASE_URL',
      '-e',
      'PORT',
      '127.0.0.1:5000/o/r@sha256:abc',
    ]);
    expect(args.join(' ')).not.toContain('secret');
  });
});

describe("Trivy's view of the images this run pushed", () => {
  it('mirrors each redirected registry to the local one, once', () => {
    expect(
      trivyMirrorConfig(
        [
          { from: 'ghcr.io/o/r:main', to: '127.0.0.1:5000/o/r:main' },
          { from: 'ghcr.io/o/r:sha-1234567', to: '127.0.0.1:5000/o/r:sha-1234567' },
          { from: 'registry.example.com/x:1', to: '127.0.0.1:5000/x:1' },
        ],
        '127.0.0.1:5000',
      ),
    ).toBe(
      'registry:\n  mirrors:\n    ghcr.io:\n      - 127.0.0.1:5000\n    registry.example.com:\n      - 127.0.0.1:5000\n',
    );
  });
});
