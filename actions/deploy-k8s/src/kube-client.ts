/**
 * KubeApi on @kubernetes/client-node: the one place that talks to the API
 * server. The client is loaded with `await import()` only after the inputs
 * were validated. Objects are passed through its serializer untouched
 * (registered raw models), so fields newer than the client's models survive
 * backups and restores, and typos reach the server, which rejects them
 * (fieldValidation=Strict).
 */
import { enableCompileCache } from 'node:module';
import path from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { ActionError } from '@pipeline/action-kit';
import {
  isNotFound,
  KubeError,
  type KubeApi,
  type ListOptions,
  type ProxyRequest,
  type ProxyResponse,
  type ResourceInfo,
  type WatchEventType,
  type WatchHandle,
  type WatchOptions,
} from './kube.js';
import { toKubeError } from './kube-errors.js';
import { send, type Sending } from './kube-send.js';
import { proxyRequester } from './proxy-client.js';
import { checkCredentials, probeServer } from './server-check.js';
import type { KubeObject, ObjectRef } from './objects.js';

export interface ConnectOptions {
  /** Kubeconfig YAML; when undefined, KUBECONFIG files then the in-cluster service account. */
  kubeconfig: string | undefined;
  context: string | undefined;
  /** Per-request time limit (watches excluded). */
  requestTimeoutMs?: number;
  userAgent?: string;
  /**
   * How long one request is sent again while the API server is unreachable
   * or shedding load (isTransient), with backoff; 0 (default): not at all.
   */
  retryTransientMs?: number;
  /** Says when a request is being retried, and when the server answered again. */
  log?: (message: string) => void;
}

const REQUEST_TIMEOUT_MS = 60_000;

type K8sModule = typeof import('@kubernetes/client-node');
type ClientModules = [K8sModule, typeof import('@kubernetes/client-node/dist/serializer.js')];
let loading: Promise<ClientModules> | undefined;

/**
 * V8's code cache for what is loaded from here on: the client is some 18 MB
 * of JavaScript, and compiling it is most of the action's start-up. It is
 * kept in the runner's tool cache (which lasts between the steps of a job,
 * and between jobs on a self-hosted runner), so a run after the first on a
 * machine skips most of that. Nothing is cached without RUNNER_TOOL_CACHE.
 */
export function cacheCompiledCode(env: NodeJS.ProcessEnv): void {
  const toolCache = env['RUNNER_TOOL_CACHE'];
  if (!toolCache) return;
  try {
    enableCompileCache(path.join(toolCache, 'deploy-k8s', 'v8-compile-cache'));
  } catch {
    // A cache that cannot be written only costs time.
  }
}

/**
 * Starts loading @kubernetes/client-node (a large module) without waiting,
 * so that it loads while the manifests are read. `connect` waits for it.
 */
export function preloadClient(): Promise<ClientModules> {
  if (!loading) cacheCompiledCode(process.env);
  // The serializer is not re-exported by the package index; it is the same module instance object.js uses.
  loading ??= Promise.all([import('@kubernetes/client-node'), import('@kubernetes/client-node/dist/serializer.js')]);
  return loading;
}

/** The kubeconfig from the input, else KUBECONFIG, else the in-cluster service account; at the chosen context. */
function loadKubeConfig(k8s: K8sModule, options: ConnectOptions): K8s.KubeConfig {
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
    throw new ActionError(
      `The kubeconfig could not be loaded (${kind}); check that it is a complete kubeconfig with clusters, users and contexts.`,
    );
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new ActionError(
        `Input 'context' has an invalid value ${JSON.stringify(options.context)}: expected one of the kubeconfig's contexts (${names.join(', ') || 'none'}).`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  return kc;
}

/** Client configuration: our User-Agent, and strict field validation on every write. */
function configuration(k8s: K8sModule, kc: K8s.KubeConfig, server: string, userAgent: string): K8s.Configuration {
  return k8s.createConfiguration({
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
}

const label = (ref: ObjectRef): string =>
  `${ref.kind}/${ref.name}${ref.namespace ? ` in namespace ${ref.namespace}` : ''}`;

class ClientKubeApi implements KubeApi {
  private readonly raw = new Set<string>();
  private readonly infoCache = new Map<string, ResourceInfo | undefined>();
  private readonly objects: K8s.KubernetesObjectApi & {
    describe(apiVersion: string, kind: string): Promise<K8s.V1APIResource | undefined>;
  };
  private readonly watcher: K8s.Watch;
  readonly proxy: (request: ProxyRequest) => Promise<ProxyResponse>;

  constructor(
    private readonly modules: ClientModules,
    kc: K8s.KubeConfig,
    readonly server: string,
    readonly contextNamespace: string | undefined,
    private readonly sending: Sending,
    userAgent: string,
  ) {
    const [k8s] = modules;
    class ObjectApi extends k8s.KubernetesObjectApi {
      async describe(apiVersion: string, kind: string): Promise<K8s.V1APIResource | undefined> {
        return this.resource(apiVersion, kind);
      }
    }
    this.objects = new ObjectApi(configuration(k8s, kc, server, userAgent));
    this.watcher = new k8s.Watch(kc);
    this.proxy = proxyRequester(kc, server);
  }

  /** Registers pass-through models for a kind (and its List), once per process. */
  private ensureRaw(apiVersion: string, kind: string): void {
    const passThrough = { serialize: (data: unknown) => data, deserialize: (data: unknown) => data };
    for (const k of [kind, `${kind}List`]) {
      const key = `${apiVersion}|${k}`;
      if (this.raw.has(key)) continue;
      this.raw.add(key);
      const [group, version] = apiVersion.includes('/')
        ? (apiVersion.split('/') as [string, string])
        : ['', apiVersion];
      try {
        this.modules[1].ObjectSerializer.registerModel({ group, version, kind: k }, passThrough);
      } catch {
        // already registered (by an earlier connection in this process)
      }
    }
  }

  private call<T>(doing: string, body: () => Promise<T>, failFast = false): Promise<T> {
    return send(this.sending, doing, body, failFast);
  }

  private header(ref: ObjectRef): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
    this.ensureRaw(ref.apiVersion, ref.kind);
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
    };
  }

  resourceInfo = async (apiVersion: string, kind: string): Promise<ResourceInfo | undefined> => {
    const key = `${apiVersion}|${kind}`;
    if (this.infoCache.has(key)) return this.infoCache.get(key);
    const doing = `Looking up ${kind} in ${apiVersion}`;
    let info: ResourceInfo | undefined;
    try {
      const resource = await this.call(doing, () => this.objects.describe(apiVersion, kind));
      info = resource ? { plural: resource.name, namespaced: resource.namespaced } : undefined;
    } catch (error: unknown) {
      if (!(error instanceof KubeError) || error.status !== 404) throw error;
    }
    if (info) this.infoCache.set(key, info);
    return info;
  };

  private async collectionPath(apiVersion: string, kind: string, namespace: string | undefined): Promise<string> {
    const info = await this.resourceInfo(apiVersion, kind);
    if (!info) throw new KubeError(`The API server ${this.server} serves no ${kind} in ${apiVersion}`, 404);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return info.namespaced && namespace
      ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`
      : `${base}/${info.plural}`;
  }

  get = async (ref: ObjectRef): Promise<KubeObject | undefined> => {
    try {
      return await this.call(`Reading ${label(ref)}`, () => this.objects.read<KubeObject>(this.header(ref)));
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };

  apply = async (
    object: KubeObject,
    { fieldManager, dryRun }: { fieldManager: string; dryRun: boolean },
  ): Promise<KubeObject> => {
    this.ensureRaw(object.apiVersion, object.kind);
    const ref: ObjectRef = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    };
    const [k8s] = this.modules;
    return this.call(`${dryRun ? 'Validating (server-side dry run)' : 'Applying'} ${label(ref)}`, () =>
      this.objects.patch<KubeObject>(
        object,
        undefined,
        dryRun ? 'All' : undefined,
        fieldManager,
        true,
        k8s.PatchStrategy.ServerSideApply,
      ),
    );
  };

  create = async (object: KubeObject, opts: { fieldManager?: string } = {}): Promise<KubeObject> => {
    this.ensureRaw(object.apiVersion, object.kind);
    return this.call(`Creating ${object.kind}/${object.metadata.name}`, () =>
      this.objects.create<KubeObject>(object, undefined, undefined, opts.fieldManager),
    );
  };

  replace = async (object: KubeObject, opts: { fieldManager?: string } = {}): Promise<KubeObject> => {
    this.ensureRaw(object.apiVersion, object.kind);
    return this.call(`Replacing ${object.kind}/${object.metadata.name}`, () =>
      this.objects.replace<KubeObject>(object, undefined, undefined, opts.fieldManager),
    );
  };

  remove = async (ref: ObjectRef): Promise<boolean> => {
    try {
      await this.call(`Deleting ${label(ref)}`, () =>
        this.objects.delete(this.header(ref), undefined, undefined, undefined, undefined, 'Background'),
      );
      return true;
    } catch (error: unknown) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };

  list = async (
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    opts: ListOptions = {},
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> => {
    this.ensureRaw(apiVersion, kind);
    const result = await this.call(
      `Listing ${kind} in ${namespace ?? 'all namespaces'}`,
      () =>
        this.objects.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          opts.fieldSelector,
          opts.labelSelector,
        ),
      opts.failFast,
    );
    const list = result as unknown as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    // Items of a list carry no apiVersion/kind; put them back so every object is self-describing.
    return {
      items: (list.items ?? []).map((item) => ({ ...item, apiVersion, kind })),
      resourceVersion: list.metadata?.resourceVersion ?? '',
    };
  };

  watch = async (
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle> => {
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const query: Record<string, string | number | boolean | undefined> = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: true,
      // The client aborts a watch after 30 s without data; let the server end it first.
      timeoutSeconds: 25,
    };
    const controller = await this.watcher.watch(
      path,
      query,
      (type: string, object: unknown) => onEvent(type as WatchEventType, object as KubeObject),
      (error: unknown) =>
        onDone(error === null || error === undefined ? undefined : toKubeError(error, `Watching ${kind}`, this.server)),
    );
    return { stop: () => controller.abort() };
  };
}

/** Builds a KubeApi on @kubernetes/client-node (loaded here, lazily). */
export async function connect(options: ConnectOptions): Promise<KubeApi> {
  const modules = await preloadClient();
  const kc = loadKubeConfig(modules[0], options);
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new ActionError(`The kubeconfig's context ${JSON.stringify(kc.getCurrentContext())} names no cluster.`);
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || undefined;
  await checkCredentials(kc);
  // Through a proxy the server itself may be unreachable from here: the client's own error has to do then.
  if (!cluster.proxyUrl) await probeServer(cluster.server, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  return new ClientKubeApi(
    modules,
    kc,
    cluster.server,
    contextNamespace,
    {
      server: cluster.server,
      timeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      retryMs: options.retryTransientMs ?? 0,
      log: options.log ?? (() => undefined),
    },
    options.userAgent ?? 'deploy-k8s (pipeline-actions)',
  );
}
