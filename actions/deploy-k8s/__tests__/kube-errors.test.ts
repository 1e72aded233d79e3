import { describe, expect, it } from '@jest/globals';
import { toKubeError } from '../src/kube-errors.js';

const server = 'https://10.0.0.1:6443';
/** What the client throws for an HTTP error: the status as `code`, the answer's text as `body`. */
const answered = (code: number, body: string): unknown =>
  Object.assign(new Error(`HTTP-Code: ${code}`), { code, body });

describe('toKubeError: an HTTP error names what answered', () => {
  it("keeps a Kubernetes Status's own message and reason", () => {
    const status = JSON.stringify({
      kind: 'Status',
      message: 'etcdserver: request timed out',
      reason: 'InternalError',
    });
    const error = toKubeError(answered(500, status), 'Reading ConfigMap/x', server);
    expect(error.message).toBe('Reading ConfigMap/x: etcdserver: request timed out (HTTP 500 InternalError)');
    expect(error.status).toBe(500);
  });

  it.each([
    ['JSON that is no Kubernetes Status', JSON.stringify({ kind: 'NotKubernetes', message: 'hello', items: 'x' })],
    ['an empty body', ''],
    ['invalid JSON', '{"kind":'],
  ])('names the server and the kubeconfig when a 500 carries %s', (_what, body) => {
    const error = toKubeError(answered(500, body), 'Looking up ConfigMap in v1', server);
    expect(error.message).toContain(`the server ${server} answered HTTP 500 without a Kubernetes Status`);
    expect(error.message).toContain("kubeconfig's cluster server");
    expect(error.message).not.toContain('hello');
  });

  it('names the server for a 401 and the permission for a 403', () => {
    expect(toKubeError(answered(401, ''), 'Listing Pods', server).message).toContain(`API server ${server} rejected`);
    const forbidden = JSON.stringify({ kind: 'Status', message: 'pods is forbidden', reason: 'Forbidden' });
    expect(toKubeError(answered(403, forbidden), 'Listing Pods', server).message).toMatch(
      /pods is forbidden \(HTTP 403 Forbidden\); grant/,
    );
  });

  it('turns a client TypeError on a foreign answer into a message naming the server', () => {
    const error = toKubeError(
      new TypeError("Cannot read properties of undefined (reading 'find')"),
      'Discovering',
      server,
    );
    expect(error.message).toContain(`the server ${server} did not answer like a Kubernetes API server`);
  });
});
