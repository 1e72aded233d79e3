/**
 * Whatever the Kubernetes client throws, turned into a KubeError whose
 * message says what we were doing and what to check.
 */
import { isRecord } from '@pipeline/action-kit';
import { KubeError } from './kube.js';

export const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is the cluster running and is the server address in the kubeconfig right?',
  ENOTFOUND: 'the host name does not resolve: check the server address in the kubeconfig',
  EAI_AGAIN: 'the host name does not resolve right now: check DNS and the server address',
  ETIMEDOUT: 'the connection timed out: check the server address and the network path to the cluster',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out: check the server address and the network path to the cluster',
  ECONNRESET: 'the connection was reset by the server',
  EHOSTUNREACH: 'the host is unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the server's TLS certificate is self-signed and the kubeconfig has no matching certificate-authority-data",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate is not signed by the kubeconfig's certificate authority",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the server's TLS certificate is not signed by the kubeconfig's certificate authority",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate does not match the server address",
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS: check http/https in the server address',
};

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (isRecord(e) && typeof e['code'] === 'string') return e['code'];
    e = isRecord(e) || e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}

/** Turns whatever the client threw into a KubeError naming what we were doing. */
export function toKubeError(error: unknown, doing: string, server: string): KubeError {
  if (error instanceof KubeError) return error;
  if (isRecord(error) && typeof error['code'] === 'number') {
    const status = error['code'];
    let body: unknown = error['body'];
    if (typeof body === 'string' && body.trim().startsWith('{')) {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    let message = '';
    let reason: string | undefined;
    if (isRecord(body) && body['kind'] === 'Status') {
      message = typeof body['message'] === 'string' ? body['message'] : '';
      reason = typeof body['reason'] === 'string' ? body['reason'] : undefined;
    } else if (typeof body === 'string' && !body.trim().startsWith('{')) {
      message = body.slice(0, 500);
    }
    if (status === 401) {
      return new KubeError(
        `${doing}: the API server ${server} rejected the credentials (401 Unauthorized): the kubeconfig's token or client certificate is wrong or expired`,
        status,
        reason,
      );
    }
    const hint =
      status === 403 ? "; grant the kubeconfig's user this permission (Role/RoleBinding) or use another identity" : '';
    // Without a Kubernetes Status the answer may come from anything at that address (a proxy, another service): name it.
    const what = message || `the server ${server} answered HTTP ${status} without a Kubernetes Status`;
    const check = message ? '' : "; check that the kubeconfig's cluster server is the API server's address";
    return new KubeError(
      `${doing}: ${what} (HTTP ${status}${reason ? ` ${reason}` : ''})${hint}${check}`,
      status,
      reason,
    );
  }
  const code = causeCode(error);
  if (code) {
    const hint = NETWORK_HINTS[code] ?? (error instanceof Error ? error.message : String(error));
    return new KubeError(
      `${doing}: cannot reach the Kubernetes API server ${server} (${code}): ${hint}`,
      undefined,
      undefined,
      code,
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  // The client reading a field of an answer that lacks it: the server is no Kubernetes API server.
  if (/Cannot read properties of (undefined|null)|is not a function|is not iterable/.test(text)) {
    return new KubeError(
      `${doing}: the server ${server} did not answer like a Kubernetes API server (its answer lacks the fields every Kubernetes API answer has); check that the kubeconfig's cluster server is the API server's address`,
    );
  }
  if (/timed? ?out|TimeoutError|aborted due to timeout/i.test(text)) {
    return new KubeError(`${doing}: the Kubernetes API server ${server} did not answer in time`);
  }
  return new KubeError(`${doing}: ${text.split('\n')[0] ?? text}`);
}
