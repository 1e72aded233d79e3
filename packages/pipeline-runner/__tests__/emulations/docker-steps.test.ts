import { describe, expect, it } from '@jest/globals';
import { processOutcome } from '../../src/step-rules.js';
import { DOCKER_STEP_EMULATIONS, emulationSummary, outcomeToProcess } from '../../src/emulations/docker-steps.js';
import { findEmulation } from '../../src/emulations/index.js';

describe('docker emulations in the step loop', () => {
  it.each([
    'docker/setup-qemu-action@96fe6ef7f33517b61c61be40b68a1882f3264fb8',
    'docker/setup-buildx-action@v4',
    'Docker/Build-Push-Action@v7',
    'docker/login-action@v4',
    'docker/metadata-action@v6',
  ])('%s is emulated', (uses) => expect(findEmulation(uses)).toBeDefined());

  it('covers the five actions the pipeline uses, and no other docker action', () => {
    expect(DOCKER_STEP_EMULATIONS.map((e) => e.uses).sort()).toEqual([
      'docker/build-push-action',
      'docker/login-action',
      'docker/metadata-action',
      'docker/setup-buildx-action',
      'docker/setup-qemu-action',
    ]);
    expect(findEmulation('docker/bake-action@v6')).toBeUndefined();
  });

  it('a failed emulation fails the step with its own reason, not an exit code', () => {
    const result = outcomeToProcess(
      { status: 'failure', reason: 'docker/build-push-action: app/Dockerfile does not exist', outputs: {} },
      5,
      ['#1 [internal] load build definition'],
    );
    expect(processOutcome(result, 45)).toEqual({
      outcome: 'failure',
      reason: 'docker/build-push-action: app/Dockerfile does not exist',
    });
    expect(result.tail).toEqual(['#1 [internal] load build definition']);
  });

  it("a success keeps the real action's outputs, warnings and exported variables", () => {
    const result = outcomeToProcess(
      {
        status: 'success',
        outputs: { digest: 'sha256:abc', imageid: 'sha256:def' },
        warnings: ["Unexpected input(s) 'foo'"],
        env: { DOCKER_METADATA_OUTPUT_VERSION: 'main' },
      },
      5,
      [],
    );
    expect(processOutcome(result, 45)).toEqual({ outcome: 'success' });
    expect(result.outputs).toEqual({ digest: 'sha256:abc', imageid: 'sha256:def' });
    expect(result.annotations).toEqual([{ level: 'warning', message: "Unexpected input(s) 'foo'" }]);
    expect(result.exportedEnv).toEqual({ DOCKER_METADATA_OUTPUT_VERSION: 'main' });
  });

  it('the summary lists what was done locally and every image mapping', () => {
    const summary = emulationSummary({
      status: 'success',
      outputs: {},
      notes: ['emulated: pushed to the local registry 127.0.0.1:5000'],
      mappings: [{ from: 'ghcr.io/o/r:main', to: '127.0.0.1:5000/o/r:main' }],
    });
    expect(summary).toContain('- emulated: pushed to the local registry 127.0.0.1:5000');
    expect(summary).toContain('| `ghcr.io/o/r:main` | `127.0.0.1:5000/o/r:main` |');
    expect(emulationSummary({ status: 'success', outputs: {} })).toBe('');
  });
});
