/**
 * Which failures are sent again (isTransient), and how `send` does it: only
 * those, with backoff, within the budget, told once in the log and again
 * when the server answers.
 */
import { describe, expect, it } from '@jest/globals';
import { isTransient, KubeError } from '../src/kube.js';
import { send, type Sending } from '../src/kube-send.js';

const network = (code: string): KubeError =>
  new KubeError(`Applying x: cannot reach (${code})`, undefined, undefined, code);

describe('isTransient', () => {
  it.each([
    ['connection refused (restarting)', network('ECONNREFUSED'), true],
    ['connection reset', network('ECONNRESET'), true],
    ['socket closed by the server', network('UND_ERR_SOCKET'), true],
    ['429 Too Many Requests', new KubeError('x', 429, 'TooManyRequests'), true],
    ['503 Service Unavailable', new KubeError('x', 503, 'ServiceUnavailable'), true],
    ['name does not resolve', network('ENOTFOUND'), false],
    ['TLS certificate problem', network('DEPTH_ZERO_SELF_SIGNED_CERT'), false],
    ['403 Forbidden', new KubeError('x', 403, 'Forbidden'), false],
    ['409 Conflict', new KubeError('x', 409, 'Conflict'), false],
    ['422 Invalid', new KubeError('x', 422, 'Invalid'), false],
    ['500', new KubeError('x', 500), false],
    ['not a KubeError', new Error('ECONNREFUSED'), false],
  ])('%s', (_name, error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

function sending(retryMs: number): Sending & { lines: string[] } {
  const lines: string[] = [];
  return { server: 'https://k.invalid', timeoutMs: 5000, retryMs, log: (m) => void lines.push(m), lines };
}

/** A request that fails with `failures` (in order), then answers `ok`. */
function flaky(failures: Error[]): { body: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    body: async () => {
      const failure = failures[calls++];
      if (failure !== undefined) throw failure;
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('send', () => {
  it('sends a refused request again until it is answered, and says so twice', async () => {
    const s = sending(10_000);
    const request = flaky([network('ECONNREFUSED'), network('ECONNREFUSED')]);
    await expect(send(s, 'Applying x', request.body)).resolves.toBe('ok');
    expect(request.calls()).toBe(3);
    expect(s.lines).toEqual([
      'Applying x: cannot reach (ECONNREFUSED); sending it again for up to 10 s',
      expect.stringMatching(/^Applying x: the API server answered again after \d+\.\d s$/),
    ]);
  });

  it('does not retry what is not transient, a fail-fast request, or without a budget', async () => {
    const forbidden = new KubeError('Applying x: forbidden', 403, 'Forbidden');
    const s = sending(10_000);
    const denied = flaky([forbidden]);
    await expect(send(s, 'Applying x', denied.body)).rejects.toBe(forbidden);
    expect(denied.calls()).toBe(1);
    const fast = flaky([network('ECONNREFUSED')]);
    await expect(send(s, 'Listing', fast.body, true)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(fast.calls()).toBe(1);
    const none = flaky([network('ECONNREFUSED')]);
    await expect(send(sending(0), 'Listing', none.body)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(none.calls()).toBe(1);
    expect(s.lines).toEqual([]);
  });

  it('out of budget: the last failure itself is thrown', async () => {
    const s = sending(300);
    const request = flaky(Array.from({ length: 100 }, () => network('ECONNREFUSED')));
    await expect(send(s, 'Applying x', request.body)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(request.calls()).toBeLessThan(5);
  });

  it('turns what the client throws into a KubeError naming what was being done', async () => {
    const s = sending(0);
    const error = Object.assign(new Error('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    await expect(send(s, 'Reading x', () => Promise.reject(error))).rejects.toThrow(
      /^Reading x: cannot reach the Kubernetes API server https:\/\/k\.invalid \(ENOTFOUND\)/,
    );
  });
});
