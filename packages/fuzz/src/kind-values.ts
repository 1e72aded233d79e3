/**
 * The hostile values of each kind of input, on top of the general mix of
 * values.ts: URLs with credentials or bad percent-encoding pointing at the
 * hostile servers, secrets carrying payloads, kubeconfigs, headers,
 * durations, booleans and globs.
 */
import fc from 'fast-check';
import { loopbackCa, type FuzzServers } from './servers.js';
import {
  MARKER,
  billionLaughs,
  injections,
  numbers,
  paths,
  v,
  yamlBombs,
  type FuzzValue,
  type InputKind,
  type ValueContext,
} from './values.js';

const durations: fc.Arbitrary<FuzzValue> = fc
  .constantFrom(
    '-5s',
    '0s',
    '0',
    '99999999999h',
    '1e400ms',
    '5 m',
    '5mm',
    '1h-1s',
    '9007199254740993ms',
    'PT5M',
    's',
    '10',
    '1d',
    '5m 5s',
    '0.0000001ms',
  )
  .map((value) => v('duration', value));

const booleans: fc.Arbitrary<FuzzValue> = fc
  .constantFrom('yes', 'no', '1', '0', 'TRUE ', 'True\n', 'on', 'off', 'tru', 'y', 'null', '~', '"true"')
  .map((value) => v('boolean', value));

const globs: fc.Arbitrary<FuzzValue> = fc
  .constantFrom('/**/*.x', '/etc/*', '../**', '!**', '{', '[', '**/'.repeat(200), '{a,{b,{c,{d}}}}'.repeat(50), '\\')
  .map((value) => v('glob', value));

/** A URL whose password is a secret of its own: it must be rejected or masked, never shown. */
function credentialUrl(base: string): fc.Arbitrary<FuzzValue> {
  return fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9]{24}$/), fc.constantFrom('', 'api/', 'services/T0/B0/'), fc.boolean())
    .map(([token, pathPart, userOnly]) => {
      const secret = `Url${token}Pw`;
      const auth = userOnly ? secret : `fzuser:${secret}`;
      const url = base.replace('http://', `http://${auth}@`);
      return v('url-credentials', `${url}/${pathPart}`, [{ label: 'url-password', value: secret }]);
    });
}

function urls(servers: FuzzServers): fc.Arbitrary<FuzzValue> {
  return fc.oneof(
    fc.constantFrom(servers.service, servers.reflect, servers.rateLimit, servers.blackHole).chain(credentialUrl),
    fc
      .constantFrom(
        `${servers.blackHole}/`,
        `${servers.rateLimit}/`,
        `${servers.reflect}/`,
        `${servers.reflect}/status/500/`,
        `${servers.reflect}/status/401/`,
        `${servers.reflect}/%zz%/`,
        `${servers.reflect}/%E0%A4%A/`,
        'http://%ff/',
        'http://[::1/',
        'http://127.0.0.1:99999/',
        'http://127.0.0.1:0/',
        'ftp://127.0.0.1/',
        'file:///proc/self/environ',
        'javascript:alert(1)',
        '//127.0.0.1/',
        'http://',
        'http://user@/',
        'http://127.0.0.1:1/',
      )
      .map((value) => v('url', value)),
  );
}

function secrets(ctx: ValueContext): fc.Arbitrary<FuzzValue> {
  return fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9]{20}$/),
      fc.constantFrom('\n', '\r', '\r\n', '"', '\\', '%', ' ', '+/='),
      fc.constantFrom(...injections),
    )
    .map(([token, odd, command]) => {
      const secret = `${ctx.valid.slice(0, 5)}Sec${token.slice(0, 10)}${odd}${token.slice(10)}Ret`;
      return v('secret', `${secret}\n${command}`, [{ label: 'fuzzed-secret', value: secret }]);
    });
}

function kubeconfigs(ctx: ValueContext): fc.Arbitrary<FuzzValue> {
  const config = (server: string, user: string): string =>
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: fz',
      'clusters:',
      `- name: fz\n  cluster:\n    server: ${JSON.stringify(server)}\n    certificate-authority-data: ${ca}`,
      'contexts:',
      '- name: fz\n  context:\n    cluster: fz\n    user: fz',
      'users:',
      `- name: fz\n  user:\n${user}`,
    ].join('\n');
  const ca = Buffer.from(loopbackCa()).toString('base64');
  const token = (secret: string): string => `    token: ${JSON.stringify(secret)}`;
  const s = ctx.servers;
  return fc.stringMatching(/^[A-Za-z0-9]{24}$/).chain((random) => {
    const secret = `Kube${random}Tok`;
    const planted = [{ label: 'kube-token', value: secret }];
    return fc
      .constantFrom(
        config(s.reflectTls.replace('https://', `https://fzuser:${secret}@`), token('plain-token-not-secret')),
        config(s.blackHole.replace('http:', 'https:'), token(secret)),
        config(s.rateLimitTls, token(secret)),
        config(`${s.reflectTls}/status/500`, token(secret)),
        config(s.reflect, token(secret)),
        config('https://127.0.0.1:1', token(secret)),
        // An exec plugin runs a program by design, as kubectl does: this one prints a credential without a token.
        config(
          s.reflectTls,
          `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: echo\n      args: ["{}"]`,
        ),
        config(s.reflectTls, `    token: ${JSON.stringify(`${secret}\n::warning::${MARKER}`)}`),
        config(s.reflectTls, `    tokenFile: /proc/self/environ`),
        Buffer.from(config(s.reflectTls, token(secret)))
          .toString('base64')
          .slice(0, 200),
        `${billionLaughs(9)}\nclusters: *l8`,
        config('not a url', token(secret)),
        config(`${s.reflectTls}/%zz`, token(secret)),
      )
      .map((value) => v('kubeconfig', value, planted));
  });
}

function headers(ctx: ValueContext): fc.Arbitrary<FuzzValue> {
  return fc.stringMatching(/^[A-Za-z0-9]{24}$/).chain((random) => {
    const secret = `Hdr${random}Val`;
    const planted = [{ label: 'header-value', value: secret }];
    return fc
      .constantFrom(
        `Authorization: Bearer ${secret.slice(0, 14)}\r${secret.slice(14)}`,
        `X-Fz: ${secret}\n::warning::${MARKER}`,
        `X-Fz=${secret}\nBad Header: x`,
        `: ${secret}`,
        `X-Fz: ${secret}\r\nX-Injected: 1`,
        `Host: ${secret}`,
        `X-Fz: ${'v'.repeat(100_000)}${secret}`,
      )
      .map((value) => v('headers', `${ctx.valid}\n${value}`, planted));
  });
}

export function kindValues(kind: InputKind, ctx: ValueContext): fc.Arbitrary<FuzzValue> | undefined {
  switch (kind) {
    case 'url':
      return urls(ctx.servers);
    case 'path':
      return paths(ctx.outside);
    case 'glob':
      return fc.oneof(globs, paths(ctx.outside));
    case 'secret':
      return secrets(ctx);
    case 'number':
      return numbers;
    case 'duration':
      return fc.oneof(durations, numbers);
    case 'boolean':
      return booleans;
    case 'yaml':
      return fc.oneof(yamlBombs, paths(ctx.outside));
    case 'kubeconfig':
      return kubeconfigs(ctx);
    case 'headers':
      return headers(ctx);
    case 'text':
      return undefined;
  }
}
