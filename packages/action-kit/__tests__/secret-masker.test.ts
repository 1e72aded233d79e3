/**
 * The masking rules of actions/runner (SecretMasker.cs, ValueSecret.cs, the
 * encoders HostContext.cs registers from ValueEncoders.cs), one row each,
 * plus this kit's rule for multi-line values.
 */
import { describe, expect, it } from '@jest/globals';
import { SecretMasker } from '../src/protocol/index.js';

const kubeconfig = [
  'apiVersion: v1',
  'kind: Config',
  'users:',
  '- name: ci',
  '  user:',
  '    token: eyJhbGciOiJSUzI1NiJ9.payload.signature',
].join('\n');

// [rule, registered values, text, what the log shows]
const rows: Array<[string, string[], string, string]> = [
  ['the value itself', ['s3cr3t-value'], 'token s3cr3t-value end', 'token *** end'],
  ['every occurrence', ['s3cr3t'], 's3cr3t s3cr3t', '*** ***'],
  ['no minimum length: any non-empty value is masked', ['ab'], 'cab abc', 'c*** ***c'],
  ['base64 of the value', ['s3cr3t'], 'b64 czNjcjN0', 'b64 ***'],
  [
    'base64 with the first byte dropped (after "user:" in base64("user:" + secret))',
    ['hunter22'],
    'Basic dXNlcjpodW50ZXIyMg==',
    'Basic dXNlcjpo***',
  ],
  ['base64 with the first two bytes dropped', ['hunter22'], 'x bnRlcjIy', 'x ***'],
  ['JSON string escape', ['pa"ss\\word'], '{"p":"pa\\"ss\\\\word"}', '{"p":"***"}'],
  ['URI data escape (RFC 3986 unreserved kept)', ['p@ss word/1'], 'https://h/?p=p%40ss%20word%2F1', 'https://h/?p=***'],
  ["URI escape also encodes !'()*", ["it's(1)"], 'q=it%27s%281%29', 'q=***'],
  ['XML escape', ['a<b>&c'], '<v>a&lt;b&gt;&amp;c</v>', '<v>***</v>'],
  ['command-line escape of double quotes', ['say "hi" now'], 'run "say \\"hi\\" now"', 'run "***"'],
  ['expression string escape of single quotes', ["it's-secret"], "echo 'it''s-secret'", "echo '***'"],
  [
    'a double-quoted value longer than 8 is also masked without its quotes',
    ['"quoted-secret"'],
    'v=quoted-secret',
    'v=***',
  ],
  ['a double-quoted value of 8 or fewer keeps its quotes', ['"short"'], 'v=short', 'v=short'],
  ['PowerShell: the part up to the last &', ['part1abc&part2xyz'], 'err part1abc& at', 'err *** at'],
  ['PowerShell: the part after the last &', ['part1abc&part2xyz'], 'err part2xyz', 'err ***'],
  ['PowerShell: parts shorter than 6 are not masked alone', ['ab&cd'], 'ab& cd', 'ab& cd'],
  ['overlapping matches merge into one ***', ['abcdef', 'defghi'], 'xabcdefghix', 'x***x'],
  ['touching matches merge into one ***', ['abc', 'def'], 'abcdef', '***'],
  ['a one-line value is masked trimmed too', ['  padded-secret  '], '[padded-secret]', '[***]'],
  [
    'a multi-line value is masked whole',
    ['line-one-secret\nline-two-secret'],
    'x line-one-secret\nline-two-secret y',
    'x *** y',
  ],
  [
    'and its long lines on their own',
    ['-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0\n-----END KEY-----'],
    'key MIIEvQIBADANBgkqhkiG9w0',
    'key ***',
  ],
  [
    'a kubeconfig: the token value is masked on its own',
    [kubeconfig],
    'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature',
    'Authorization: Bearer ***',
  ],
  [
    'a kubeconfig: its structural lines are not (the runner would mask them)',
    [kubeconfig],
    '+apiVersion: v1\n+kind: Config\n-  replicas: 2',
    '+apiVersion: v1\n+kind: Config\n-  replicas: 2',
  ],
  ['the fragment after "key: " of a one-line value', ['password: hunter2hunter2'], 'echo hunter2hunter2', 'echo ***'],
  ['nothing registered, nothing masked', [], 'plain text', 'plain text'],
];

describe('SecretMasker (actions/runner rules)', () => {
  it.each(rows)('%s', (_rule, values, text, expected) => {
    const masker = new SecretMasker();
    for (const value of values) masker.add(value);
    expect(masker.mask(text)).toBe(expected);
  });

  it.each(['', '   ', '\n\t'])('refuses a blank value %j, as the runner refuses ::add-mask:: with one', (blank) => {
    const masker = new SecretMasker();
    expect(masker.add(blank)).toBe(false);
    expect(masker.values).toEqual([]);
    expect(masker.mask('a b')).toBe('a b');
  });

  it('registers a secret of the secrets context trimmed, as the runner does', () => {
    const masker = new SecretMasker();
    masker.addSecret('  token-123\n');
    expect(masker.values).toContain('token-123');
    expect(masker.values).not.toContain('  token-123\n');
  });

  it('registers each value once with all its encodings', () => {
    const masker = new SecretMasker(['s3cr3t', 's3cr3t']);
    // s3cr3t, base64 (czNjcjN0), shifted by one (M2NyM3Q=) and by two (Y3IzdA==); the escapes equal the value.
    expect(masker.values.sort()).toEqual(['M2NyM3Q=', 'Y3IzdA==', 'czNjcjN0', 's3cr3t']);
  });

  it('addValue registers exactly the runner AddValue set (no line or fragment split)', () => {
    const masker = new SecretMasker();
    masker.addValue('one-line-secret\nsecond-line-secret');
    expect(masker.mask('one-line-secret')).toBe('one-line-secret');
  });

  it('masks a summary line by line, as the runner scrubs it before upload', () => {
    const masker = new SecretMasker(['first-secret\nsecond-secret']);
    expect(masker.maskLines('a first-secret\nsecond-secret b\nc')).toBe('a ***\n*** b\nc');
  });
});
