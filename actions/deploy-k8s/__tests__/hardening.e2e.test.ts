/**
 * Issue 13 regressions, through the bundle as the runner runs it, against
 * loopback servers (no cluster needed): each used to surface as an internal
 * JavaScript error or a bare "fetch failed", or to leak the server's
 * credentials; now each names what is wrong and what is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';

const actionDir = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'deploy-hardening-'));
const workspace = path.join(dir, 'ws');
let server: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(path.join(workspace, 'k8s'), { recursive: true });
  writeFileSync(path.join(workspace, 'k8s', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n');
  // JSON, but not Kubernetes: every path answers {"hello":"world"}.
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"hello":"world"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const kubeconfig = (cluster: string, user = 'token: tok-abcdefgh12345678'): string =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: target\n  cluster:\n    ${cluster}\nusers:\n- name: ci\n  user:\n    ${user}\ncontexts:\n- name: x\n  context: { cluster: target, user: ci }\ncurrent-context: x\n`;

function deploy(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(actionDir, {
    workspace,
    inputs: { manifests: 'k8s/cm.yaml', timeout: '20s', lock: 'false', wait: 'false', ...inputs },
    timeoutMs: 60_000,
  });
}

const noStack = (result: ActionRun): void => {
  expect(result.exitCode).toBe(1);
  expect(result.failure).not.toMatch(/Cannot read properties|fetch failed|ReferenceError|TypeError/);
};

describe('deploy-k8s: a kubeconfig that cannot work fails by what is wrong', () => {
  it('a server nothing listens on: names the server field and the connection error', async () => {
    const result = await deploy({ kubeconfig: kubeconfig('server: https://127.0.0.1:1') });
    noStack(result);
    expect(result.failure).toMatch(
      /^Cannot reach the Kubernetes API server .* \(the kubeconfig's cluster server\) \(ECONNREFUSED\): connection refused/,
    );
  });

  it('user:password in the server address is refused when parsed, and shown nowhere', async () => {
    const result = await deploy({ kubeconfig: kubeconfig('server: https://admin:pa55-w0rd-xyz@127.0.0.1:1') });
    noStack(result);
    expect(result.failure).toContain(
      "Input 'kubeconfig' is not a usable kubeconfig: cluster 'target' has user:password in its server address (https://***@127.0.0.1:1)",
    );
    const shown = [result.log.join('\n'), result.summary, result.failure ?? '', JSON.stringify(result.outputs)];
    for (const text of shown) expect(text).not.toContain('pa55-w0rd-xyz');
  });

  it('a server that answers JSON that is not Kubernetes', async () => {
    const result = await deploy({
      kubeconfig: kubeconfig(`insecure-skip-tls-verify: true\n    server: http://127.0.0.1:${port}`),
    });
    noStack(result);
    expect(result.failure).toMatch(
      /did not answer like a Kubernetes API server .*check that the kubeconfig's cluster server/,
    );
  });

  it('an exec credential plugin that prints {}', async () => {
    const plugin = path.join(dir, 'plugin.sh');
    writeFileSync(plugin, '#!/bin/sh\necho "{}"\n');
    chmodSync(plugin, 0o755);
    const result = await deploy({
      kubeconfig: kubeconfig(
        `server: https://127.0.0.1:${port}`,
        `exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: ${plugin}, interactiveMode: Never }`,
      ),
    });
    noStack(result);
    expect(result.failure).toBe(
      `The kubeconfig user 'ci' gets its credentials from the exec plugin '${plugin}', which did not give usable ones (its output has no status). Expected it to print an ExecCredential: JSON with status.token, or status.clientCertificateData and status.clientKeyData.`,
    );
  });
});

describe('deploy-k8s: manifests stay in the workspace', () => {
  it('refuses a committed symlink to a file outside, naming it', async () => {
    const outside = path.join(dir, 'outside.yaml');
    writeFileSync(outside, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside\n');
    symlinkSync(outside, path.join(workspace, 'k8s', 'link.yaml'));
    try {
      const result = await deploy({
        kubeconfig: kubeconfig('server: https://127.0.0.1:1'),
        manifests: 'k8s/link.yaml',
      });
      noStack(result);
      expect(result.failure).toContain(
        `Input 'manifests': k8s/link.yaml resolves to ${outside}, outside the workspace`,
      );
    } finally {
      rmSync(path.join(workspace, 'k8s', 'link.yaml'));
    }
  });

  it('refuses /**/*.x at once instead of walking the file system', async () => {
    const result = await deploy({ kubeconfig: kubeconfig('server: https://127.0.0.1:1'), manifests: '/**/*.x' });
    noStack(result);
    expect(result.failure).toContain(`Input 'manifests' has an invalid value "/**/*.x"`);
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('names the file of a YAML alias bomb', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) {
      const [prev, next] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    writeFileSync(
      path.join(workspace, 'k8s', 'bomb.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`,
    );
    const result = await deploy({ kubeconfig: kubeconfig('server: https://127.0.0.1:1'), manifests: 'k8s/bomb.yaml' });
    noStack(result);
    expect(result.failure).toMatch(/k8s\/bomb\.yaml \(document 1, line 1\): cannot be expanded: .*at most 100 aliases/);
  });
});
