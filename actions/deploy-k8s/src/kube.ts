/**
 * The one place that talks to the Kubernetes API. Everything else uses the
 * small KubeApi interface, so logic tests can pass an in-memory fake and the
 * end-to-end tests exercise this adapter against a real API server.
 *
 * @kubernetes/client-node is loaded with `await import()` only after the
 * inputs were validated. Objects are passed through its serializer
 * untouched (registered raw models), so fields newer than the client's
 * models survive backups and restores, and typos reach the server, which
 * rejects them (fieldValidation=Strict).
 */
import type * as K8s from '@kubernetes/client-node';
import { ActionError } from '@pipeline/action-kit';
import { isRecord } from './records.js';
import type { KubeObject, ObjectRef } from './objects.js';

export interface ResourceInfo {
  /** Plural resource name used in URLs (deployments). */
  plural: string;
  namespaced: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

export interface WatchHandle {
  stop(): void;
}

export interface KubeApi {
  /** API server address, for messages. */
  readonly server: string;
  /** The kubeconfig context's namespace, if it names one. */
  readonly contextNamespace: string | undefined;
  resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Server-side apply (force), optionally as a dry run. */
  apply(object: KubeObject, options: { fieldManager: string; dryRun: boolean }): Promise<KubeObject>;
  create(object: KubeObject, options?: { fieldManager?: string }): Promise<KubeObject>;
  /** PUT; the object must carry the live resourceVersion. */
  replace(object: KubeObject, options?: { fieldManager?: string }): Promise<KubeObject>;
  /** Deletes (background propagation); false when it was already gone. */
  remove(ref: ObjectRef): Promise<boolean>;
  list(apiVersion: string, kind: string, namespace: string | undefined, options?: ListOptions): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Opens a watch; `onDone` is called once when it ends (error or server close). */
  watch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle>;
}

/** An API or connection error with a message written for the workflow log. */
export class KubeError extends ActionError {
  override readonly name = 'KubeError';
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeError && error.status === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeError && error.status === 409;
}

const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is the cluster running and is the server address in the kubeconfig right?',
  ENOTFOUND: 'the host name does not resolve: check the server address in the kubeconfig',
  EAI_AGAIN: 'the host name does not resolve right now: check DNS and the server address',
  ETIMEDOUT: 'the connection timed out: check the server address and the network path to the cluster',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out: check the server address and the network path to the cluster',
  ECONNRESET: 'the connection was reset by the server',
  EHOSTUNREACH: 'the host is unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed and the kubeconfig has no matching certificate-authority-data",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate is not signed by the kubeconfig's certificate authority",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate is not signed by the kubeconfig's certificate authority",
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
    if (isRecord(body)) {
      message = typeof body['message'] === 'string' ? body['message'] : '';
      reason = typeof body['reason'] === 'string' ? body['reason'] : undefined;
    } else if (typeof body === 'string') {
      message = body.slice(0, 500);
    }
    if (status === 401) {
      return new KubeError(`${doing}: the API server ${server} rejected the credentials (401 Unauthorized): the kubeconfig's token or client certificate is wrong or expired`, status, reason);
    }
    const hint = status === 403 ? "; grant the kubeconfig's user this permission (Role/RoleBinding) or use another identity" : '';
    return new KubeError(`${doing}: ${message || `HTTP ${status}`} (HTTP ${status}${reason ? ` ${reason}` : ''})${hint}`, status, reason);
  }
  const code = causeCode(error);
  if (code) {
    const hint = NETWORK_HINTS[code] ?? (error instanceof Error ? error.message : String(error));
    return new KubeError(`${doing}: cannot reach the Kubernetes API server ${server} (${code}): ${hint}`);
  }
  const text = error instanceof Error ? error.message : String(error);
  if (/timed? ?out|TimeoutError|aborted due to timeout/i.test(text)) {
    return new KubeError(`${doing}: the Kubernetes API server ${server} did not answer in time`);
  }
  return new KubeError(`${doing}: ${text.split('\n')[0] ?? text}`);
}

export interface ConnectOptions {
  /** Kubeconfig YAML; when undefined, KUBECONFIG files then the in-cluster service account. */
  kubeconfig: string | undefined;
  context: string | undefined;
  /** Per-request time limit (watches excluded). */
  requestTimeoutMs?: number;
  userAgent?: string;
}

const REQUEST_TIMEOUT_MS = 60_000;

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeError(`${what}: the Kubernetes API server ${server} did not answer within ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type ClientModules = [typeof import('@kubernetes/client-node'), typeof import('@kubernetes/client-node/dist/serializer.js')];
let loading: Promise<ClientModules> | undefined;

/**
 * Starts loading @kubernetes/client-node (a large module) without waiting,
 * so that it loads while the manifests are read. `connect` waits for it.
 */
export function preloadClient(): Promise<ClientModules> {
  // The serializer is not re-exported by the package index; it is the same module instance object.js uses.
  loading ??= Promise.all([import('@kubernetes/client-node'), import('@kubernetes/client-node/dist/serializer.js')]);
  return loading;
}

/** Builds a KubeApi on @kubernetes/client-node (loaded here, lazily). */
export async function connect(options: ConnectOptions): Promise<KubeApi> {
  const [k8s, { ObjectSerializer }] = await preloadClient();
  const kc = new k8s.KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kc.loadFromString(options.kubeconfig);
    else if (process.env['KUBECONFIG']) kc.loadFromDefault();
    else if (process.env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
    else {
      throw new ActionError(
        "No kubeconfig: set the input 'kubeconfig' (raw YAML or base64), or the KUBECONFIG environment variable, or run inside a cluster with a service account.",
      );
    }
  } catch (error: unknown) {
    if (error instanceof ActionError) throw error;
    // Never echo the kubeconfig: only say what kind of problem it was.
    const kind = error instanceof Error ? error.constructor.name : 'Error';
    throw new ActionError(`The kubeconfig could not be loaded (${kind}); check that it is a complete kubeconfig with clusters, users and contexts.`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new ActionError(`Input 'context' has an invalid value ${JSON.stringify(options.context)}: expected one of the kubeconfig's contexts (${names.join(', ') || 'none'}).`);
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ActionError(`The kubeconfig's context ${JSON.stringify(kc.getCurrentContext())} names no cluster.`);
  const server = cluster.server;
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
  const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const userAgent = options.userAgent ?? 'deploy-k8s (pipeline-actions)';

  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (context: K8s.RequestContext) => {
          context.setHeaderParam('User-Agent', userAgent);
          const method = context.getHttpMethod();
          if (method === k8s.HttpMethod.PATCH || method === k8s.HttpMethod.POST || method === k8s.HttpMethod.PUT) {
            if (!context.getUrl().includes('fieldValidation=')) context.setQueryParam('fieldValidation', 'Strict');
          }
          return context;
        },
        post: async (response: K8s.ResponseContext) => response,
      },
    ],
  });

  class ObjectApi extends k8s.KubernetesObjectApi {
    async describe(apiVersion: string, kind: string): Promise<K8s.V1APIResource | undefined> {
      return this.resource(apiVersion, kind);
    }
  }
  const api = new ObjectApi(configuration);

  const raw = new Set<string>();
  const passThrough = { serialize: (data: unknown) => data, deserialize: (data: unknown) => data };
  const ensureRaw = (apiVersion: string, kind: string): void => {
    for (const k of [kind, `${kind}List`]) {
      const key = `${apiVersion}|${k}`;
      if (raw.has(key)) continue;
      raw.add(key);
      const [g, v] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
      try {
        ObjectSerializer.registerModel({ group: g, version: v, kind: k }, passThrough);
      } catch {
        // already registered (by an earlier connection in this process)
      }
    }
  };
  const call = async <T>(doing: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(body(), timeoutMs, doing, server);
    } catch (error: unknown) {
      throw toKubeError(error, doing, server);
    }
  };
  const header = (ref: ObjectRef): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } => {
    ensureRaw(ref.apiVersion, ref.kind);
    return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name } };
  };
  const label = (ref: ObjectRef): string => `${ref.kind}/${ref.name}${ref.namespace ? ` in namespace ${ref.namespace}` : ''}`;
  const infoCache = new Map<string, ResourceInfo | undefined>();
  const resourceInfo = async (apiVersion: string, kind: string): Promise<ResourceInfo | undefined> => {
    const key = `${apiVersion}|${kind}`;
    if (infoCache.has(key)) return infoCache.get(key);
    let info: ResourceInfo | undefined;
    try {
      const resource = await withTimeout(api.describe(apiVersion, kind), timeoutMs, `Looking up ${kind} in ${apiVersion}`, server);
      info = resource ? { plural: resource.name, namespaced: resource.namespaced } : undefined;
    } catch (error: unknown) {
      const converted = toKubeError(error, `Looking up ${kind} in ${apiVersion}`, server);
      if (converted.status === 404) info = undefined;
      else throw converted;
    }
    if (info) infoCache.set(key, info);
    return info;
  };
  const collectionPath = async (apiVersion: string, kind: string, namespace: string | undefined): Promise<string> => {
    const info = await resourceInfo(apiVersion, kind);
    if (!info) throw new KubeError(`The API server ${server} serves no ${kind} in ${apiVersion}`, 404);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return info.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}` : `${base}/${info.plural}`;
  };
  const watcher = new k8s.Watch(kc);

  return {
    server,
    contextNamespace,
    resourceInfo,
    get: async (ref) => {
      try {
        return await call(`Reading ${label(ref)}`, () => api.read<KubeObject>(header(ref)));
      } catch (error: unknown) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    apply: async (object, { fieldManager, dryRun }) => {
      ensureRaw(object.apiVersion, object.kind);
      const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
      return call(`${dryRun ? 'Validating (server-side dry run)' : 'Applying'} ${label(ref)}`, () =>
        api.patch<KubeObject>(object, undefined, dryRun ? 'All' : undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply),
      );
    },
    create: async (object, opts = {}) => {
      ensureRaw(object.apiVersion, object.kind);
      return call(`Creating ${object.kind}/${object.metadata.name}`, () => api.create<KubeObject>(object, undefined, undefined, opts.fieldManager));
    },
    replace: async (object, opts = {}) => {
      ensureRaw(object.apiVersion, object.kind);
      return call(`Replacing ${object.kind}/${object.metadata.name}`, () => api.replace<KubeObject>(object, undefined, undefined, opts.fieldManager));
    },
    remove: async (ref) => {
      try {
        await call(`Deleting ${label(ref)}`, () => api.delete(header(ref), undefined, undefined, undefined, undefined, 'Background'));
        return true;
      } catch (error: unknown) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    list: async (apiVersion, kind, namespace, opts = {}) => {
      ensureRaw(apiVersion, kind);
      const result = await call(`Listing ${kind} in ${namespace ?? 'all namespaces'}`, () =>
        api.list(apiVersion, kind, namespace, undefined, undefined, undefined, opts.fieldSelector, opts.labelSelector),
      );
      const list = result as unknown as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
      // Items of a list carry no apiVersion/kind; put them back so every object is self-describing.
      return { items: (list.items ?? []).map((item) => ({ ...item, apiVersion, kind })), resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: async (apiVersion, kind, namespace, opts, onEvent, onDone) => {
      const path = await collectionPath(apiVersion, kind, namespace);
      const query: Record<string, string | number | boolean | undefined> = {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: true,
        // The client aborts a watch after 30 s without data; let the server end it first.
        timeoutSeconds: 25,
      };
      const controller = await watcher.watch(
        path,
        query,
        (type: string, object: unknown) => onEvent(type as WatchEventType, object as KubeObject),
        (error: unknown) => onDone(error === null || error === undefined ? undefined : toKubeError(error, `Watching ${kind}`, server)),
      );
      return { stop: () => controller.abort() };
    },
  };
}
