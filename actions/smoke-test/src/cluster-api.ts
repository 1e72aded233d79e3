/**
 * ClusterApi on @kubernetes/client-node (its PortForward: a WebSocket to
 * pods/<pod>/portforward on the API server). Loaded with `await import()`
 * only when the `service` input is used, so that a url-only run does not
 * load some 18 MB of client.
 */
import { Writable, type Duplex } from 'node:stream';
import { ActionError, isRecord } from '@pipeline/action-kit';
import { livePod, liveService } from '@pipeline/action-kit/kube';
import type { ClusterApi } from './service-forward.js';

/** One line for an API error: its HTTP status and the server's message, never the client's dump of headers. */
function apiProblem(error: unknown): string {
  if (isRecord(error) && typeof error['code'] === 'number') {
    const body: unknown = error['body'];
    let message = '';
    try {
      const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
      if (isRecord(parsed) && typeof parsed['message'] === 'string') message = parsed['message'];
    } catch {
      message = typeof body === 'string' ? body.slice(0, 200) : '';
    }
    return `HTTP ${error['code']}${message ? `: ${message}` : ''}`;
  }
  // A failed WebSocket handshake rejects with the ws ErrorEvent (a message, no Error).
  const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : '';
  return message.split('\n')[0] || (error instanceof Error ? error.name : 'no answer');
}

/** The part of the `ws` WebSocket the tunnel uses. */
interface Tunnel {
  on(event: 'close' | 'error', listener: () => void): unknown;
  terminate(): void;
}

export async function clientCluster(kubeconfig: string): Promise<ClusterApi> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const portForward = new k8s.PortForward(kc, true);
  return {
    async readService(namespace, name) {
      try {
        return liveService(await core.readNamespacedService({ name, namespace }));
      } catch (error: unknown) {
        if (isRecord(error) && error['code'] === 404) return undefined;
        throw new ActionError(`Reading Service ${namespace}/${name} failed: ${apiProblem(error)}`);
      }
    },
    async listPods(namespace, selector) {
      const labelSelector = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector });
        return list.items.map((pod) => livePod(pod));
      } catch (error: unknown) {
        throw new ActionError(`Listing the pods of ${namespace} (${labelSelector}) failed: ${apiProblem(error)}`);
      }
    },
    async forward(namespace, pod, port, socket: Duplex, onError) {
      let reported = false;
      const errors = new Writable({
        write(chunk: Buffer, _encoding, done) {
          // The first frame of the error channel is only its port number, which the client strips: an empty chunk.
          if (chunk.length === 0) return done();
          if (!reported) onError(chunk.toString('utf8').trim().slice(0, 300) || 'the forward reported an error');
          reported = true;
          socket.destroy();
          done();
        },
      });
      let ws: unknown;
      try {
        ws = await portForward.portForward(namespace, pod, [port], socket, errors, socket);
      } catch (error: unknown) {
        throw new ActionError(`opening the port-forward failed: ${apiProblem(error)}`);
      }
      // Without retries (the default) it is the WebSocket itself.
      const tunnel = ws as Tunnel;
      tunnel.on('close', () => socket.end());
      tunnel.on('error', () => socket.destroy());
      // The local side is done: drop the tunnel at once (a close handshake could hold the step up to 30 s).
      socket.on('close', () => tunnel.terminate());
    },
  };
}
