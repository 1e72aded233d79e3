/**
 * Before the first API call: can the kubeconfig's credentials be obtained,
 * and does anything listen at the server address? The client's own errors
 * for these ("fetch failed", "Cannot read properties of undefined (reading
 * 'expirationTimestamp')") name neither the server nor the cause, so both
 * are checked here first and fail with a message that does.
 */
import { connect as tcpConnect } from 'node:net';
import type * as K8s from '@kubernetes/client-node';
import { ActionError, describeError, displayUrl, isRecord, printable } from '@pipeline/action-kit';
import { KubeError } from './kube.js';
import { NETWORK_HINTS } from './kube-errors.js';

const PROBE_TIMEOUT_MS = 10_000;

/** Runs the user's credentials (an exec plugin, a token file) once, as every request would. */
export async function checkCredentials(kc: K8s.KubeConfig): Promise<void> {
  const user = kc.getCurrentUser();
  try {
    await kc.applyToHTTPSOptions({});
  } catch (error: unknown) {
    const name = user?.name ?? '?';
    const exec: unknown = user?.exec;
    if (isRecord(exec)) {
      const command = typeof exec['command'] === 'string' ? exec['command'] : '?';
      // The client reads status.token of whatever the plugin printed: `{}` fails inside it with a TypeError.
      const why = error instanceof TypeError ? 'its output has no status' : describeError(error);
      throw new ActionError(
        `The kubeconfig user '${printable(name)}' gets its credentials from the exec plugin '${printable(command)}', which did not give usable ones (${why}). Expected it to print an ExecCredential: JSON with status.token, or status.clientCertificateData and status.clientKeyData.`,
      );
    }
    throw new ActionError(
      `The credentials of the kubeconfig user '${printable(name)}' could not be loaded (${describeError(error)}): check its token, token file or client certificate.`,
    );
  }
}

/** Opens (and closes) a TCP connection to the server; a failure names the server, the error code and what to check. */
export async function probeServer(server: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const url = new URL(server);
  const port = Number(url.port) || (url.protocol === 'http:' ? 80 : 443);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const shown = displayUrl(url);
  await new Promise<void>((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const fail = (code: string, detail: string): void => {
      socket.destroy();
      reject(
        new KubeError(
          `Cannot reach the Kubernetes API server ${shown} (the kubeconfig's cluster server) (${code}): ${NETWORK_HINTS[code] ?? detail}`,
        ),
      );
    };
    socket.setTimeout(Math.min(timeoutMs, PROBE_TIMEOUT_MS), () =>
      fail('ETIMEDOUT', 'no answer to the connection attempt'),
    );
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'error', error.message));
  });
}
