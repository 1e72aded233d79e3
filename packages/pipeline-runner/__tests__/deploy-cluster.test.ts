import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { givenClusterKubeconfig, kubeconfigText, parseNodes, realNodes } from '../src/provisioning/deploy-cluster.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const kubectl = path.join(root, 'tools/kube/bin/kubectl');

const node = (name: string, ready: string, annotations: Record<string, string> = {}): Record<string, unknown> => ({
  metadata: { name, annotations },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: ready },
    ],
  },
});
const list = (...items: unknown[]): string => JSON.stringify({ kind: 'NodeList', items });
const kwok = { 'kwok.x-k8s.io/node': 'fake' };

describe('parseNodes and realNodes', () => {
  it.each([
    [
      'a kwok cluster with a real node',
      list(node('node-0', 'True', kwok), node('real-node-0', 'True')),
      ['real-node-0'],
    ],
    ['kwok nodes only', list(node('node-0', 'True', kwok), node('node-1', 'True', kwok)), []],
    ['a real node that is not Ready', list(node('real-node-0', 'False')), []],
    ['a cloud cluster (no kwok annotation)', list(node('a', 'True'), node('b', 'True')), ['a', 'b']],
    ['another annotation value', list(node('a', 'True', { 'kwok.x-k8s.io/node': 'other' })), ['a']],
    ['no conditions', list({ metadata: { name: 'a' } }), []],
    ['an item without a name', list({ metadata: {} }, node('b', 'True')), ['b']],
    ['not a node list', '{"kind":"Status"}', []],
    ['not JSON', 'error: the server has asked for the client to provide credentials', []],
    ['null', 'null', []],
  ])('%s', (_what, json, expected) => {
    expect(realNodes(parseNodes(json))).toEqual(expected);
  });

  it('tells simulated from real, and readiness', () => {
    expect(parseNodes(list(node('n', 'True', kwok), node('r', 'Unknown')))).toEqual([
      { name: 'n', simulated: true, ready: true },
      { name: 'r', simulated: false, ready: false },
    ]);
  });
});

describe('kubeconfigText', () => {
  const yaml = 'apiVersion: v1\nkind: Config\nclusters: []\n';
  it.each([
    ['raw YAML stays as it is', yaml, yaml],
    ['base64 is decoded', Buffer.from(yaml).toString('base64'), yaml],
    [
      'base64 wrapped over lines',
      Buffer.from(yaml)
        .toString('base64')
        .replace(/(.{8})/g, '$1\n'),
      yaml,
    ],
  ])('%s', (_what, value, expected) => {
    expect(kubeconfigText(value)).toBe(expected);
  });
});

describe('givenClusterKubeconfig', () => {
  const withKubectl = existsSync(kubectl) ? it : it.skip;

  withKubectl('a kubeconfig whose API server does not answer: no target, and the note says why', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'deploy-cluster-'));
    try {
      const config = [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n');
      const notes: string[] = [];
      const file = await givenClusterKubeconfig(Buffer.from(config).toString('base64'), scratch, kubectl, notes);
      expect(file).toBeUndefined();
      expect(notes.join('\n')).toMatch(/listing its cluster's nodes failed .*runs the deployed image itself/s);
      // Written decoded and private: kubectl read it (the error is the connection, not the file).
      const written = path.join(scratch, 'deploy-kubeconfig.yaml');
      expect(await readFile(written, 'utf8')).toBe(config);
      expect((await stat(written)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  // A cluster started elsewhere with a real node (the machine's shared one: KUBECONFIG, with
  // cluster.sh's real-node.env beside it), as `--secret-file STAGING_KUBECONFIG=...` gives it.
  const given = process.env['KUBECONFIG'] ?? '';
  const realNodeEnv = path.join(path.dirname(given), 'real-node.env');
  const withRealNode =
    existsSync(kubectl) && given !== '' && existsSync(given) && existsSync(realNodeEnv) ? it : it.skip;
  withRealNode('a running cluster with a real node: the kubeconfig file, and the note names the node', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'deploy-cluster-'));
    try {
      const realNode = /^REAL_NODE_NAME=(.*)$/m.exec(await readFile(realNodeEnv, 'utf8'))?.[1] ?? 'real-node-0';
      const notes: string[] = [];
      const file = await givenClusterKubeconfig(await readFile(given, 'utf8'), scratch, kubectl, notes);
      expect(file).toBe(path.join(scratch, 'deploy-kubeconfig.yaml'));
      expect(notes.join('\n')).toContain(`nodes that run containers (${realNode})`);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
