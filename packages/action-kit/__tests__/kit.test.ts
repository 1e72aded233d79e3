import { describe, expect, it, jest } from '@jest/globals';
import { backoffDelay, cell, describeError, markdownTable, redact, retry, run, secretFragments } from '../src/index.js';

describe('run', () => {
  it('turns a thrown Error into one setFailed with the message', async () => {
    const setFailed = jest.fn<(m: string) => void>();
    await run(async () => Promise.reject(new TypeError('bad thing')), { setFailed, debug: () => undefined });
    expect(setFailed).toHaveBeenCalledWith('TypeError: bad thing');
  });

  it('reports non-Error throws readably', async () => {
    const setFailed = jest.fn<(m: string) => void>();
    await run(
      async () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
        throw { code: 42 };
      },
      { setFailed, debug: () => undefined },
    );
    expect(setFailed).toHaveBeenCalledWith('Unexpected non-error value thrown: {"code":42}');
  });

  it('does not fail when main succeeds', async () => {
    const setFailed = jest.fn<(m: string) => void>();
    await run(async () => undefined, { setFailed, debug: () => undefined });
    expect(setFailed).not.toHaveBeenCalled();
  });

  it('includes causes', () => {
    expect(describeError(new Error('deploy failed', { cause: new Error('ECONNREFUSED') }))).toBe(
      'deploy failed (caused by: ECONNREFUSED)',
    );
  });
});

describe('retry', () => {
  it('retries until success with growing delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { attempts: 5, initialDelayMs: 100, sleep: async (ms) => void delays.push(ms), random: () => 1 },
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([100, 200]);
  });

  it('rethrows the last error after the last attempt', async () => {
    await expect(
      retry(async (n) => Promise.reject(new Error(`attempt ${n}`)), { attempts: 2, sleep: async () => undefined }),
    ).rejects.toThrow('attempt 2');
  });

  it('stops at once when shouldRetry says no', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('permanent');
        },
        { attempts: 5, shouldRetry: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('caps the delay', () => {
    expect(backoffDelay(20, { initialDelayMs: 500, maxDelayMs: 8000 }, () => 1)).toBe(8000);
    expect(backoffDelay(1, { initialDelayMs: 500 }, () => 0)).toBe(250);
  });
});

describe('summary helpers', () => {
  it('escapes table cells', () => {
    expect(cell('a|b\n<c> & d')).toBe('a\\|b<br>&lt;c&gt; &amp; d');
    expect(markdownTable(['tool', 'errors'], [['eslint', 2]])).toBe('| tool | errors |\n| --- | --- |\n| eslint | 2 |');
  });

  it('redacts secrets, longest first', () => {
    expect(redact('token=abcd1234 and abcd1234xyz', ['abcd1234', 'abcd1234xyz'])).toBe('token=*** and ***');
  });
});

describe('secretFragments', () => {
  it('masks values of a kubeconfig, not its structure', () => {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'users:',
      '- name: ci',
      '  user:',
      '    token: eyJhbGciOiJSUzI1NiJ9.payload.signature',
      '    client-key-data: "LS0tLS1CRUdJTiBSU0Eg"',
    ].join('\n');
    expect(secretFragments(kubeconfig)).toEqual(['eyJhbGciOiJSUzI1NiJ9.payload.signature', 'LS0tLS1CRUdJTiBSU0Eg']);
  });

  it('masks each long line of a PEM key', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    expect(secretFragments(pem)).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
  });

  it('adds nothing for a one-line secret (it is masked whole)', () => {
    expect(secretFragments('xoxb-123-456-abcdef')).toEqual([]);
  });
});
