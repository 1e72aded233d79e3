/**
 * The small interface everything but the client adapter (kube-client.ts)
 * uses to talk to the Kubernetes API, so logic tests can pass an in-memory
 * fake and the end-to-end tests exercise the adapter against a real API
 * server.
 */
import { ActionError } from '@pipeline/action-kit';
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
  /** Fail at once while the API server is unreachable, rather than retry (the caller retries itself). */
  failFast?: boolean;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

export interface WatchHandle {
  stop(): void;
}

/** An HTTP request through the API server's proxy to a pod or Service (the runner cannot route to pod IPs). */
export interface ProxyRequest {
  method: string;
  /** The API path, e.g. /api/v1/namespaces/ns/pods/web-1:8080/proxy/ready. */
  path: string;
  headers?: Readonly<Record<string, string>>;
  body?: string;
  timeoutMs: number;
}

export interface ProxyResponse {
  status: number;
  body: string;
  durationMs: number;
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
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Opens a watch; `onDone` is called once when it ends (error or server close). */
  watch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onDone: (error?: unknown) => void,
  ): Promise<WatchHandle>;
  /** HTTP through the API server proxy (the progressive strategies' analysis); absent in fakes that do not serve pods. */
  proxy?(request: ProxyRequest): Promise<ProxyResponse>;
}

/** An API or connection error with a message written for the workflow log. */
export class KubeError extends ActionError {
  override readonly name = 'KubeError';
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
    /** The network error code (ECONNREFUSED...) when no answer came. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Network failures that mean the API server is away (restarting) or dropped the connection. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * Is this failure worth sending the request again: the API server is
 * restarting (connection refused or dropped) or shedding load (429, 503)?
 * Every write here is safe to repeat: server-side apply is idempotent, and
 * a repeated PUT, POST or DELETE answers 409 or 404, which the callers
 * already handle by reading again.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof KubeError)) return false;
  return (error.code !== undefined && UNREACHABLE.has(error.code)) || error.status === 429 || error.status === 503;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeError && error.status === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeError && error.status === 409;
}
