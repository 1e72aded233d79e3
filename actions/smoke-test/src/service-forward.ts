/**
 * A Service reached through the API server: a listener on 127.0.0.1 (an
 * ephemeral port) whose every connection is port-forwarded to a ready pod
 * behind the Service, on the pod port the Service port targets. The checks
 * and the load phase then use http://127.0.0.1:<port> like any URL. When a
 * forward fails (the pod went away in a rollout), the pod is avoided and the
 * Service resolved again, so the next connection reaches another ready pod.
 * The cluster calls are behind ClusterApi (client-node in cluster-api.ts, a
 * fake in the unit tests); which pod and port is the kit's pure rule.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { describeError } from '@pipeline/action-kit';
import {
  formatServiceRef,
  resolveForward,
  UnreachableServiceError,
  type ForwardTarget,
  type LivePod,
  type LiveService,
  type ServiceRef,
} from '@pipeline/action-kit/kube';

export interface ClusterApi {
  /** The Service, or undefined when it does not exist. */
  readService(namespace: string, name: string): Promise<LiveService | undefined>;
  listPods(namespace: string, selector: Readonly<Record<string, string>>): Promise<LivePod[]>;
  /**
   * Tunnels one local connection to a pod's port through the API server.
   * Resolves once the tunnel is open (rejects when it cannot open); `onError`
   * gets what the far end reports afterwards (such as nothing listening).
   */
  forward(
    namespace: string,
    pod: string,
    port: number,
    socket: Duplex,
    onError: (problem: string) => void,
  ): Promise<void>;
}

/** What the report says about where the requests went. */
export interface ServiceTargetReport {
  service: string;
  namespace: string;
  /** The Service port (and its name) the connections stand for. */
  port: string;
  /** The pod port they reach. */
  podPort: number;
  /** Every pod a connection was forwarded to, in order of first use. */
  pods: string[];
  connections: number;
  /** Forwards that failed (a pod that went away, nothing listening); each moved the next connection to another ready pod. */
  failedForwards: number;
  via: 'the API server (port-forward from this runner)';
}

export interface ServiceForward {
  /** http://127.0.0.1:<port>/ */
  url: URL;
  report(): ServiceTargetReport;
  close(): Promise<void>;
}

/** Attempts per connection before it is dropped: the first pod, then another after resolving again. */
const ATTEMPTS = 2;

const portLabel = (target: ForwardTarget): string =>
  target.servicePort.name ? `${target.servicePort.port} (${target.servicePort.name})` : String(target.servicePort.port);

/** Resolves the Service to a ready pod and port (throws UnreachableServiceError), then listens on 127.0.0.1. */
export async function openServiceForward(
  ref: ServiceRef,
  api: ClusterApi,
  log: (line: string) => void,
): Promise<ServiceForward> {
  const resolve = async (avoid: ReadonlySet<string>): Promise<ForwardTarget> => {
    const service = await api.readService(ref.namespace, ref.name);
    if (!service) throw new UnreachableServiceError(`Service ${ref.name} does not exist in namespace ${ref.namespace}`);
    const pods = Object.keys(service.selector).length > 0 ? await api.listPods(ref.namespace, service.selector) : [];
    return resolveForward(ref, service, pods, avoid);
  };

  let current = await resolve(new Set());
  const avoid = new Set<string>();
  let pending: Promise<ForwardTarget> | undefined;
  const pods: string[] = [];
  let connections = 0;
  let failedForwards = 0;
  const open = new Set<Duplex>();

  const failed = (pod: string, problem: string): void => {
    failedForwards++;
    log(`port-forward to pod ${pod} failed (${problem}); resolving ${formatServiceRef(ref)} again`);
    avoid.add(pod);
    if (pending) return;
    const next = resolve(avoid).then(
      (target) => {
        current = target;
        if (target.pod !== pod) log(`connections now go to pod ${target.pod}`);
        return target;
      },
      (error: unknown) => {
        log(`no other pod to forward to: ${describeError(error)}`);
        throw error;
      },
    );
    pending = next;
    next.then(
      () => (pending = pending === next ? undefined : pending),
      () => (pending = pending === next ? undefined : pending),
    );
  };

  const handle = async (socket: net.Socket): Promise<void> => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // A reset from the client is its own business; never an unhandled error.
    socket.on('error', () => undefined);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      let target: ForwardTarget;
      try {
        target = pending ? await pending : current;
      } catch {
        break;
      }
      try {
        await api.forward(ref.namespace, target.pod, target.podPort, socket, (problem) => failed(target.pod, problem));
        connections++;
        if (!pods.includes(target.pod)) pods.push(target.pod);
        return;
      } catch (error: unknown) {
        // Nothing was sent yet: the same connection may try the next pod.
        failed(target.pod, describeError(error));
      }
    }
    socket.destroy();
  };

  const server = net.createServer((socket) => void handle(socket));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(`http://127.0.0.1:${port}/`);
  log(
    `Service ${formatServiceRef(ref)}: port ${portLabel(current)} -> pod ${current.pod} port ${current.podPort}, reached at ${url.href} through the API server`,
  );
  return {
    url,
    report: () => ({
      service: `${ref.namespace}/${ref.name}`,
      namespace: ref.namespace,
      port: portLabel(current),
      podPort: current.podPort,
      pods: pods.length > 0 ? [...pods] : [current.pod],
      connections,
      failedForwards,
      via: 'the API server (port-forward from this runner)',
    }),
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
