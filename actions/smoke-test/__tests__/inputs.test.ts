import { describe, expect, it } from '@jest/globals';
import { parseErrorRate, parseHeaders, parseInputs, type RawInputs } from '../src/inputs.js';

const defaults: RawInputs = {
  url: 'https://svc.example',
  service: '',
  kubeconfig: '',
  checks: '',
  'wait-for-ready': '',
  timeout: '2m',
  'request-timeout': '10s',
  retries: '2',
  'load-duration': '',
  'load-requests': '',
  'load-concurrency': '10',
  'load-rate': '',
  'max-p95-ms': '',
  'max-error-rate': '',
  headers: '',
  'prometheus-url': '',
  'allow-outside-workspace': 'false',
};
const files: Record<string, string> = {
  '/ws/smoke/checks.yml': '- name: from file\n  path: /health/ready\n',
  '/abs/checks.yaml': '- name: absolute\n',
};
const env = { GITHUB_WORKSPACE: '/ws' };
const readFile = (file: string): string => {
  const text = files[file];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${file}'`), { code: 'ENOENT' });
  return text;
};
const parse = (overrides: Partial<RawInputs>) => {
  const raw: RawInputs = { ...defaults, ...overrides };
  return parseInputs((name) => raw[name as keyof RawInputs], env, readFile);
};

describe('parseInputs', () => {
  it('applies the defaults: one check GETting url, no load phase, no budgets', () => {
    const inputs = parse({});
    expect(inputs.url?.href).toBe('https://svc.example/');
    expect(inputs.checksSource).toBe('default');
    expect(inputs.checks.map((c) => [c.name, c.method, c.path])).toEqual([['GET url', 'GET', '']]);
    expect(inputs).toMatchObject({
      timeoutMs: 120_000,
      requestTimeoutMs: 10_000,
      retries: 2,
      loadConcurrency: 10,
      headers: {},
      secrets: [],
    });
    expect(
      inputs.loadDurationMs ??
        inputs.loadRequests ??
        inputs.loadRate ??
        inputs.maxP95Ms ??
        inputs.maxErrorRate ??
        inputs.waitForReady,
    ).toBeUndefined();
    expect(Object.isFrozen(inputs)).toBe(true);
  });

  it('reads inline YAML, a file relative to the workspace, or an absolute file', () => {
    expect(parse({ checks: '- name: inline\n' }).checks[0]?.name).toBe('inline');
    expect(parse({ checks: '[{ name: flow }]' }).checks[0]?.name).toBe('flow');
    const fromFile = parse({ checks: 'smoke/checks.yml' });
    expect(fromFile.checksSource).toBe('smoke/checks.yml');
    expect(fromFile.checks[0]).toMatchObject({ name: 'from file', path: '/health/ready' });
    expect(parse({ checks: '/abs/checks.yaml', 'allow-outside-workspace': 'true' }).checks[0]?.name).toBe('absolute');
  });

  // Issue 13: a checks path outside the workspace was read, and a file that is not YAML was echoed.
  it.each([
    [
      '/abs/checks.yaml',
      /Input 'checks' has an invalid value "\/abs\/checks.yaml": expected inline YAML or the path of a checks file inside the workspace \(\/ws\); set allow-outside-workspace: true/,
    ],
    ['/proc/self/environ', /inside the workspace/],
    ['../etc/passwd', /inside the workspace/],
  ])('refuses the checks path %j outside the workspace', (checks, message) => {
    expect(() => parse({ checks })).toThrow(message);
  });

  it('names a checks file that is not a list without showing what is in it', () => {
    files['/ws/env.txt'] = 'SECRET_TOKEN=s3cr3t-value-123 OTHER=1';
    expect(() => parse({ checks: 'env.txt' })).toThrow(/got a string \(the file is not shown\)/);
    try {
      parse({ checks: 'env.txt' });
    } catch (error: unknown) {
      expect(String(error)).not.toContain('s3cr3t');
    }
  });

  it('refuses a header value with a lone CR, naming only the header', () => {
    expect(() => parse({ headers: 'Authorization: Bearer abc\rdef-secret' })).toThrow(
      'Input \'headers\' has an invalid value "Authorization": expected header values of printable ASCII on one line, at most 8192 characters (the value of Authorization holds a line break or another control character).',
    );
  });

  // Issue 13 (fuzz): a 100 KB (here 9 KB) or non-ASCII header value failed as the service's check ("GET url") or a fetch TypeError.
  it.each([
    ['v'.repeat(9000) + 'secret-tail', 'is 9011 characters long (at most 8192)'],
    ['Bearer \u2c2b-secret', 'holds a character outside printable ASCII'],
  ])('refuses a header value that cannot be sent (%#), naming the header and never the value', (value, why) => {
    let message = '';
    try {
      parse({ headers: `X-Fz: ${value}` });
    } catch (error: unknown) {
      message = String(error);
    }
    expect(message).toContain(`Input 'headers' has an invalid value "X-Fz"`);
    expect(message).toContain(`(the value of X-Fz ${why})`);
    expect(message).not.toContain('secret');
  });

  it('reads every option', () => {
    const inputs = parse({
      url: 'http://127.0.0.1:8080/api/',
      checks: '- name: a\n- name: b\n  load: false\n',
      'wait-for-ready': '/health/ready',
      timeout: '90s',
      'request-timeout': '500ms',
      retries: '0',
      'load-duration': '5s',
      'load-requests': '1000',
      'load-concurrency': '4',
      'load-rate': '250.5',
      'max-p95-ms': '120.5',
      'max-error-rate': '1%',
      headers: 'Authorization: Bearer abc==\nX-Api-Key=k=v:1',
    });
    expect(inputs).toMatchObject({
      waitForReady: '/health/ready',
      timeoutMs: 90_000,
      requestTimeoutMs: 500,
      retries: 0,
      loadDurationMs: 5000,
      loadRequests: 1000,
      loadConcurrency: 4,
      loadRate: 250.5,
      maxP95Ms: 120.5,
      maxErrorRate: 0.01,
      headers: { Authorization: 'Bearer abc==', 'X-Api-Key': 'k=v:1' },
    });
    expect(inputs.secrets).toEqual(['Bearer abc==', 'k=v:1']);
  });

  it('treats sensitive headers written in checks as secrets too', () => {
    const inputs = parse({
      checks:
        '- name: a\n  headers: { Authorization: "Bearer in-checks", X-Session-Token: tok123, Accept: text/plain }\n',
    });
    expect(inputs.secrets).toEqual(['Bearer in-checks', 'tok123']);
  });

  it.each<[Partial<RawInputs>, RegExp]>([
    [
      { url: '' },
      /Input 'url' has an invalid value "": expected either url \(the base URL of the service.*\) or service/,
    ],
    [
      { url: 'svc.example' },
      /Input 'url' has an invalid value "svc.example": expected an absolute http:\/\/ or https:\/\/ URL/,
    ],
    [{ url: 'ftp://svc.example' }, /Input 'url' .* expected an absolute http:\/\/ or https:\/\/ URL/],
    [
      { url: 'https://user:pw@svc.example' },
      /Input 'url' has an invalid value "https:\/\/\*\*\*@svc.example": expected a URL without user:password \(pass credentials in headers/,
    ],
    [
      { checks: 'missing.yml' },
      /Input 'checks' has an invalid value "missing.yml": expected inline YAML .* \/ws\/missing.yml: the file does not exist/,
    ],
    [
      { checks: '- name: a\n  bogus: 1\n' },
      /Input 'checks' \(inline\) is invalid:\n {2}- checks\[0\] \("a"\): unknown field 'bogus'/,
    ],
    [{ 'wait-for-ready': 'https://other.example/ready' }, /Input 'wait-for-ready' .* expected a path joined to url/],
    // Issue 13 (fuzz): a 130 KB path was requested, and the failure echoed the whole URL without naming the input.
    [
      { 'wait-for-ready': `/${'x'.repeat(130_000)}` },
      /^Input 'wait-for-ready' has an invalid value "\/x{116}\.\.\.": expected a path of at most 2048 characters, such as \/health\/ready \(got 130001\)\.$/,
    ],
    [{ 'wait-for-ready': '/ready\u0085x' }, /Input 'wait-for-ready' has an invalid value "\/ready\\u0085x"/],
    [{ timeout: 'soon' }, /Input 'timeout' has an invalid value "soon": expected a duration/],
    [{ timeout: '100ms' }, /Input 'timeout' .* between 1s and 6h/],
    [{ retries: '-1' }, /Input 'retries' has an invalid value "-1": expected a whole number from 0 to 10/],
    [{ 'load-concurrency': '0' }, /Input 'load-concurrency' .* from 1 to 1000/],
    [{ 'load-requests': '1.5' }, /Input 'load-requests'/],
    [{ 'load-duration': '2h' }, /Input 'load-duration' .* between 100ms and 1h/],
    [
      { 'load-rate': '100' },
      /Input 'load-rate' has an invalid value "100": expected to be used with load-duration or load-requests/,
    ],
    [
      { 'load-rate': '0', 'load-requests': '5' },
      /Input 'load-rate' has an invalid value "0": expected a number from 0.1 to 1000000/,
    ],
    [{ 'max-p95-ms': 'fast' }, /Input 'max-p95-ms' has an invalid value "fast": expected a number of at least 0/],
    [
      { 'max-error-rate': '5' },
      /Input 'max-error-rate' has an invalid value "5": expected a fraction from 0 to 1 \(such as 0.01\) or a percentage/,
    ],
    [
      { 'load-requests': '10', checks: '- name: a\n  load: false\n' },
      /Input 'checks' .* at least one check without load: false/,
    ],
  ])('rejects %j', (overrides, message) => {
    expect(() => parse(overrides)).toThrow(message);
  });
});

describe('parseHeaders', () => {
  it.each<[string, Record<string, string>]>([
    ['', {}],
    ['Authorization: Bearer x', { Authorization: 'Bearer x' }],
    ['Authorization=Basic dXNlcjpwYXNz==', { Authorization: 'Basic dXNlcjpwYXNz==' }],
    ['X-A: a=b\nX-B=c:d\n# comment\n\n', { 'X-A': 'a=b', 'X-B': 'c:d' }],
    ['X-Empty:', { 'X-Empty': '' }],
  ])('%j', (raw, headers) => {
    expect(parseHeaders(raw)).toEqual(headers);
  });

  it.each([
    ['no separator secretvalue', /Input 'headers' has an invalid value "\(a line without a name\)"/],
    ['Bad Name: secretvalue', /Input 'headers' has an invalid value "Bad Name"/],
    ['X-A: 1\nx-a: 2', /Input 'headers' has an invalid value "x-a": expected each header once/],
    [
      'Transfer-Encoding: secretvalue',
      /Input 'headers' has an invalid value "Transfer-Encoding": expected a header the HTTP client does not manage itself/,
    ],
  ])('rejects %j without echoing the value', (raw, message) => {
    expect(() => parseHeaders(raw)).toThrow(message);
    try {
      parseHeaders(raw);
    } catch (error: unknown) {
      expect(String(error)).not.toMatch(/secretvalue/);
    }
  });
});

describe('parseErrorRate', () => {
  it.each([
    ['0', 0],
    ['0.01', 0.01],
    ['1', 1],
    ['1%', 0.01],
    ['0.5 %', 0.005],
    ['100%', 1],
  ])('%s -> %d', (raw, rate) => {
    expect(parseErrorRate(raw)).toBeCloseTo(rate, 10);
  });
  it.each(['%', '-1', '1.5', '101%', 'abc'])('rejects %s', (raw) => {
    expect(() => parseErrorRate(raw)).toThrow(/Input 'max-error-rate'/);
  });
});

describe('parseInputs: url or service (with kubeconfig)', () => {
  const token = 'tok-smoke-inputs-0123456789abcdef';
  const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://kube.invalid:6443'}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: ${token}}\n`;

  it('reads service and a YAML or base64 kubeconfig, with no url', () => {
    for (const given of [kubeconfig, Buffer.from(kubeconfig).toString('base64')]) {
      const inputs = parse({ url: '', service: 'shop/web:http', kubeconfig: given });
      expect(inputs.url).toBeUndefined();
      expect(inputs.service?.ref).toEqual({ namespace: 'shop', name: 'web', port: 'http' });
      expect(inputs.service?.kubeconfig.text.trim()).toBe(kubeconfig.trim());
    }
  });

  it.each<[string, Partial<RawInputs>, RegExp]>([
    [
      'both url and service',
      { service: 'shop/web' },
      /^Inputs 'url' and 'service' are both set \(url "https:\/\/svc.example", service "shop\/web"\): expected either url .* or service .*, not both\.$/,
    ],
    [
      'neither',
      { url: '' },
      /^Input 'url' has an invalid value "": expected either url \(the base URL of the service, such as https:\/\/staging.example.com\) or service/,
    ],
    [
      'service without kubeconfig',
      { url: '', service: 'shop/web' },
      /^Input 'kubeconfig' is empty: service "shop\/web" is reached through the API server with a kubeconfig/,
    ],
    [
      'kubeconfig without service',
      { kubeconfig: 'apiVersion: v1' },
      /^Input 'kubeconfig' is set but 'service' is empty: the kubeconfig is only used to reach a Service/,
    ],
    [
      'a bad service',
      { url: '', service: 'web:80', kubeconfig: 'x' },
      /^Input 'service' has an invalid value "web:80": expected namespace\/name or namespace\/name:port/,
    ],
    [
      'a broken kubeconfig',
      { url: '', service: 'shop/web', kubeconfig: 'garbage' },
      /^Input 'kubeconfig' is not a usable kubeconfig/,
    ],
  ])('%s: a clear error', (_name, overrides, message) => {
    expect(() => parse(overrides)).toThrow(message);
  });

  it('never quotes the kubeconfig in an error', () => {
    for (const overrides of [
      { kubeconfig },
      { url: '', service: 'shop/web', kubeconfig: `not: [a kubeconfig ${token}` },
    ]) {
      let message = '';
      try {
        parse(overrides);
      } catch (error: unknown) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(token);
    }
  });
});
