import { describe, expect, it } from '@jest/globals';
import { localizeImageOutputs, repositoryOf } from '../src/local-images.js';
import { engineStepInputs } from '../src/provisioning/containers.js';

describe('image outputs of a local run', () => {
  it.each([
    ['ghcr.io/o/r:main', 'ghcr.io/o/r'],
    ['ghcr.io/o/r@sha256:abc', 'ghcr.io/o/r'],
    ['127.0.0.1:5000/o/r:sha-1234567', '127.0.0.1:5000/o/r'],
    ['127.0.0.1:5000/o/r', '127.0.0.1:5000/o/r'],
  ])('repositoryOf(%s) is %s', (ref, repo) => expect(repositoryOf(ref)).toBe(repo));

  const mappings = [{ from: 'ghcr.io/o/r:main', to: '127.0.0.1:5000/o/r:main' }];

  it('rewrites an image-ref with a digest or tag to the local registry and says so', () => {
    const { outputs, notes } = localizeImageOutputs(
      { 'image-ref': 'ghcr.io/o/r@sha256:abc', image: 'ghcr.io/o/r', 'deploy-status': 'deployed' },
      mappings,
    );
    expect(outputs).toEqual({
      'image-ref': '127.0.0.1:5000/o/r@sha256:abc',
      image: 'ghcr.io/o/r',
      'deploy-status': 'deployed',
    });
    expect(notes).toEqual([expect.stringMatching(/^output image-ref is local: 127\.0\.0\.1:5000\/o\/r@sha256:abc/)]);
  });

  it('leaves outputs alone when nothing was pushed under a local name', () => {
    expect(localizeImageOutputs({ 'image-ref': 'ghcr.io/o/r@sha256:abc' }, [])).toEqual({
      outputs: { 'image-ref': 'ghcr.io/o/r@sha256:abc' },
      notes: [],
    });
    expect(localizeImageOutputs({ other: 'ghcr.io/o/r-other:1' }, mappings).notes).toEqual([]);
  });
});

describe('a step that runs an image on the engine', () => {
  const mappings = [{ from: 'ghcr.io/o/r:main', to: '127.0.0.1:5000/o/r:main' }];
  const engine = { DOCKER_HOST: 'unix:///state/docker.sock', DOCKER_CONFIG: '/state/docker-config' };

  it('gets the pushed image by its local name, the engine variables, and a note', () => {
    const result = engineStepInputs(
      'probe-image',
      { 'probe-image': 'ghcr.io/o/r@sha256:abc', port: '' },
      engine,
      mappings,
    );
    expect(result.withValues).toEqual({ 'probe-image': '127.0.0.1:5000/o/r@sha256:abc', port: '' });
    expect(result.env).toEqual(engine);
    expect(result.notes).toEqual([
      expect.stringMatching(/^input probe-image is local: 127\.0\.0\.1:5000\/o\/r@sha256:abc/),
    ]);
  });

  it.each<
    [string, string | undefined, Record<string, string>, Record<string, string> | undefined, Record<string, string>]
  >([
    [
      'an image the run did not push: as named, with the engine',
      'probe-image',
      { 'probe-image': 'app:1' },
      engine,
      engine,
    ],
    ['no engine: as written', 'probe-image', { 'probe-image': 'ghcr.io/o/r@sha256:abc' }, undefined, {}],
    ['the input empty (the first containerize step)', 'probe-image', { 'probe-image': '' }, engine, {}],
    ['no rule', undefined, { 'probe-image': 'ghcr.io/o/r@sha256:abc' }, engine, {}],
  ])('%s', (_what, input, withValues, docker, env) => {
    const result = engineStepInputs(input, withValues, docker, mappings);
    expect(result).toEqual({ withValues, env, notes: [] });
  });
});
