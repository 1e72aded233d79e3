/**
 * An in-memory KubeApi for logic tests: create/replace with the API server's
 * optimistic concurrency (409 on an existing name or a stale
 * resourceVersion) and 404 on missing objects; a uid for every object, kept
 * by apply with the metadata nobody applied (as server-side apply keeps it).
 * No watch: the code that needs watches is tested against the real API
 * server (unit tests inject the rollout waiter instead).
 */
import { KubeError, type KubeApi } from '../../src/kube.js';
import { refKey, type KubeObject } from '../../src/objects.js';

export class FakeKube implements KubeApi {
  readonly server = 'https://fake.invalid';
  readonly contextNamespace = undefined;
  readonly objects = new Map<string, KubeObject>();
  private version = 0;
  /** Called before each write; may mutate the store to simulate a concurrent writer. */
  beforeWrite: (() => void) | undefined;

  put(object: KubeObject): KubeObject {
    const stored = structuredClone(object);
    const key = this.key(stored);
    stored.metadata['resourceVersion'] = String(++this.version);
    stored.metadata['uid'] ??= this.objects.get(key)?.metadata['uid'] ?? `uid-${this.version}`;
    this.objects.set(key, stored);
    return structuredClone(stored);
  }

  private key(object: KubeObject): string {
    return refKey({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    });
  }

  resourceInfo: KubeApi['resourceInfo'] = async (_apiVersion, kind) => ({
    plural: `${kind.toLowerCase()}s`,
    namespaced: kind !== 'Namespace',
  });
  get: KubeApi['get'] = async (ref) => {
    const found = this.objects.get(refKey(ref));
    return found ? structuredClone(found) : undefined;
  };
  apply: KubeApi['apply'] = async (object, { dryRun }) => {
    const live = this.objects.get(this.key(object));
    const merged = { ...(live ?? {}), ...structuredClone(object) };
    if (live) {
      const annotations = { ...live.metadata.annotations, ...object.metadata.annotations };
      merged.metadata = {
        ...structuredClone(live.metadata),
        ...merged.metadata,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      };
    }
    return dryRun ? merged : this.put(merged);
  };
  create: KubeApi['create'] = async (object) => {
    this.beforeWrite?.();
    if (this.objects.has(this.key(object)))
      throw new KubeError(`${object.kind} "${object.metadata.name}" already exists`, 409, 'AlreadyExists');
    return this.put(object);
  };
  replace: KubeApi['replace'] = async (object) => {
    this.beforeWrite?.();
    const live = this.objects.get(this.key(object));
    if (!live) throw new KubeError(`${object.kind} "${object.metadata.name}" not found`, 404, 'NotFound');
    if (live.metadata['resourceVersion'] !== object.metadata['resourceVersion'])
      throw new KubeError('the object has been modified', 409, 'Conflict');
    return this.put(object);
  };
  remove: KubeApi['remove'] = async (ref) => this.objects.delete(refKey(ref));
  list: KubeApi['list'] = async (apiVersion, kind, namespace) => ({
    items: [...this.objects.values()]
      .filter(
        (o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || o.metadata.namespace === namespace),
      )
      .map((o) => structuredClone(o)),
    resourceVersion: String(this.version),
  });
  watch: KubeApi['watch'] = async () => {
    throw new Error('FakeKube has no watch');
  };
}
