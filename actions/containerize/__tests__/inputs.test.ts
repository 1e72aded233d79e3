import { describe, expect, it } from '@jest/globals';
import { parseInputs } from '../src/inputs.js';
import type { Inputs } from '../src/inputs.js';

const env = { GITHUB_WORKSPACE: '/ws', RUNNER_TEMP: '/rt' };
const parse = (values: Record<string, string>): Inputs => parseInputs((name) => values[name] ?? '', env);

describe('containerize inputs', () => {
  it('applies defaults: no Dockerfile named, nothing overridden', () => {
    expect(parse({})).toEqual({
      workingDirectory: '/ws',
      dockerfile: undefined,
      startCommand: undefined,
      port: undefined,
      nodeVersion: '24',
      outputDirectory: '/rt/containerize',
      probeImage: undefined,
      probeTimeoutMs: 20_000,
    });
  });

  it.each([
    [{ 'working-directory': 'svc' }, { workingDirectory: '/ws/svc' }],
    [{ 'working-directory': 'svc', dockerfile: 'docker/Dockerfile' }, { dockerfile: '/ws/svc/docker/Dockerfile' }],
    [{ 'start-command': ' node dist/server.js ' }, { startCommand: 'node dist/server.js' }],
    [{ port: '8080' }, { port: 8080 }],
    [{ 'node-version': '22' }, { nodeVersion: '22' }],
    [{ 'probe-image': ' ghcr.io/o/app@sha256:0123abcd ' }, { probeImage: 'ghcr.io/o/app@sha256:0123abcd' }],
    [{ 'probe-image': '127.0.0.1:5000/o/app:sha-1234567' }, { probeImage: '127.0.0.1:5000/o/app:sha-1234567' }],
    [{ 'probe-timeout': '45s' }, { probeTimeoutMs: 45_000 }],
  ] as [Record<string, string>, Partial<Inputs>][])('%j', (values, expected) => {
    expect(parse(values)).toMatchObject(expected);
  });

  it.each([
    [{ port: '0' }, 'Input \'port\' has an invalid value "0": expected a whole number from 1 to 65535'],
    [{ port: 'http' }, 'Input \'port\' has an invalid value "http"'],
    [{ 'node-version': '24; rm -rf /' }, "Input 'node-version' has an invalid value"],
    [{ 'start-command': 'node a\nnode b' }, "Input 'start-command' has an invalid value"],
    [
      { 'probe-image': '--privileged' },
      'Input \'probe-image\' has an invalid value "--privileged": expected one image reference',
    ],
    [{ 'probe-image': 'app:1 --rm' }, "Input 'probe-image' has an invalid value"],
    [{ 'probe-timeout': '0.5s' }, 'Input \'probe-timeout\' has an invalid value "0.5s"'],
    [{ 'probe-timeout': 'soon' }, "Input 'probe-timeout' has an invalid value"],
    [{ dockerfile: '../../etc/passwd' }, "Input 'dockerfile'"],
    [{ 'working-directory': '../elsewhere' }, "Input 'working-directory'"],
  ])('rejects %j', (values, message) => {
    expect(() => parse(values)).toThrow(message);
  });
});
