import { describe, expect, it } from '@jest/globals';
import { contextNames, decodeKubeconfig, secretValues } from '@pipeline/action-kit/kube';

const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretkeymaterial\n-----END RSA PRIVATE KEY-----';
const config = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: shop}
current-context: dev
users:
- name: u
  user:
    token: tok-1234567890
    client-key-data: ${Buffer.from(pem).toString('base64')}
- name: v
  user:
    exec:
      command: aws
      env:
      - name: AWS_SECRET
        value: env-secret-value
`;

describe('decodeKubeconfig', () => {
  it('accepts raw YAML and base64 (standard and url-safe)', () => {
    expect(decodeKubeconfig(config)).toMatchObject({ text: config.trim(), encoding: 'yaml' });
    expect(decodeKubeconfig(Buffer.from(config).toString('base64'))).toMatchObject({ encoding: 'base64' });
    expect(decodeKubeconfig(`\n${Buffer.from(config).toString('base64url')}\n`).text).toContain('tok-1234567890');
  });

  it.each([
    ['', 'it is empty'],
    ['clusters: [', 'it is not valid YAML (line 1)'],
    ['kind: Pod\nclusters: []', 'its kind is "Pod", not Config'],
    ['kind: Config\ncontexts: [{name: x}]', 'it has no clusters'],
    [
      'kind: Config\nclusters: [{name: c, cluster: {server: x}}]\ncontexts: [{name: x}]',
      "cluster 'c' has no http(s) server address",
    ],
    [
      'kind: Config\nclusters: [{name: c, cluster: {server: "https://"}}]\ncontexts: [{name: x}]',
      "cluster 'c' has no http(s) server address",
    ],
    [
      'kind: Config\nclusters: [{name: c, cluster: {server: "ftp://h"}}]\ncontexts: [{name: x}]',
      "cluster 'c' has no http(s) server address",
    ],
    ['kind: Config\nclusters: [{name: c, cluster: {server: "https://h"}}]', 'it has no contexts'],
    // Issue 13: credentials in the server address reached the summary and the error text.
    [
      'kind: Config\nclusters: [{name: c, cluster: {server: "https://user:pa55-w0rd@h:6443"}}]\ncontexts: [{name: x}]',
      "cluster 'c' has user:password in its server address (https://***@h:6443): put the credentials under users[].user (token, username/password or a client certificate)",
    ],
    [
      'kind: Config\nclusters: [{name: c, cluster: {server: "https://h/%zz"}}]\ncontexts: [{name: x}]',
      "cluster 'c' has no http(s) server address",
    ],
    [Buffer.from('plain words only').toString('base64'), 'it looks like base64 but does not decode to YAML'],
  ])('rejects %j without showing it', (raw, problem) => {
    expect(() => decodeKubeconfig(raw)).toThrow(`Input 'kubeconfig' is not a usable kubeconfig: ${problem}.`);
    try {
      decodeKubeconfig(raw);
    } catch (error: unknown) {
      if (raw.length > 8) expect((error as Error).message).not.toContain(raw);
    }
  });
});

describe('secretValues', () => {
  it('finds tokens, keys (and their decoded PEM) and exec env values, not server addresses', () => {
    const secrets = secretValues(config);
    expect(secrets).toEqual(
      expect.arrayContaining(['tok-1234567890', Buffer.from(pem).toString('base64'), pem, 'env-secret-value']),
    );
    expect(secrets).not.toContain('https://127.0.0.1:6443');
    expect(secrets).not.toContain('aws');
  });

  it('lists context names', () => {
    expect(contextNames(config)).toEqual(['dev']);
  });
});
