/**
 * What the deploy phases share, made explicit: the options, a context with
 * the clock, the log and the report every phase records into, and the typed
 * state each phase takes and returns (Prepared -> Locked -> Validated ->
 * BackedUp -> Applied). No phase reads another's variables.
 */
import type { ImageRule } from '../images.js';
import type { KubeApi } from '../kube.js';
import type { HeldLock } from '../lock.js';
import type { SourcedObject } from '../manifests.js';
import type { KubeObject, ObjectRef } from '../objects.js';
import type { UnknownKindsPolicy } from '../unserved-kinds.js';
import { emptyReport, type DeployReport, type ResourceAction, type ResourceReport } from '../report.js';
import { waitForRollout, type RolloutResult, type WaitOptions } from '../watcher.js';

export type RolloutWaiter = (options: WaitOptions) => Promise<RolloutResult>;

export interface DeployOptions {
  api: KubeApi;
  objects: readonly SourcedObject[];
  namespace: string | undefined;
  images: readonly ImageRule[];
  /** Annotations stamped on every object. */
  annotations: ReadonlyMap<string, string>;
  /** Stamped keys that do not count as a change (run URL, commit, ...). */
  volatileAnnotations: ReadonlySet<string>;
  timeoutMs: number;
  rollbackOnFailure: boolean;
  wait: boolean;
  lock: boolean;
  dryRun: boolean;
  fieldManager: string;
  failureGraceMs: number;
  /** Objects whose kind the cluster does not serve: fail the deploy (default) or skip them with a warning. */
  unknownKinds?: UnknownKindsPolicy;
  /** Watch new pods this long after the rollout looks complete (the `settle` input; 0 or absent: not at all). */
  settleMs?: number;
  backupDir: string;
  holder: string;
  clock?: () => number;
  log?: (message: string) => void;
  warn?: (message: string) => void;
  phase?: <T>(name: string, body: () => Promise<T>) => Promise<T>;
  /**
   * The process, to release the lock when the run is cancelled (SIGINT or
   * SIGTERM from the runner) before the signal takes its usual effect.
   */
  process?: Pick<NodeJS.Process, 'once' | 'removeListener' | 'kill' | 'pid'>;
  /** Follows a rollout (default: the watch-based waiter; unit tests pass a fake). */
  waitForRollout?: RolloutWaiter;
}

/** One object of the manifests on its way through the phases. */
export interface Item {
  source: SourcedObject;
  object: KubeObject;
  ref: ObjectRef;
  key: string;
  /** Validated only after the Namespace/CRD it needs is applied by this deploy. */
  deferred: boolean;
  live?: KubeObject;
  predicted?: KubeObject;
  applied?: KubeObject;
  action?: ResourceAction;
  /** The revision whose rollout failed (StatefulSet update revision), for a forced rollback. */
  failedRevision?: string;
  report: ResourceReport;
}

/** After prepare: every object with its images, annotations and namespace, in apply order. */
export interface Prepared {
  readonly items: readonly Item[];
  readonly firstWorkload: Item | undefined;
  readonly defaultNamespace: string;
  /** Namespaces the manifests create. */
  readonly createdNamespaces: ReadonlySet<string>;
  readonly lockTarget: { readonly namespace: string; readonly name: string };
}

export interface Locked extends Prepared {
  readonly lock: HeldLock | undefined;
}

/** After the server-side dry run: what would change. */
export interface Validated extends Locked {
  readonly changing: readonly Item[];
}

export interface BackedUp extends Validated {
  /** Cleaned live objects by item key, taken before the first write. */
  readonly backups: ReadonlyMap<string, KubeObject>;
}

/** After apply (and the rollout watch): what was written and why the deploy failed, if it did. */
export interface Applied extends BackedUp {
  readonly applied: readonly Item[];
  readonly failure: string | undefined;
}

/** Steps the orchestrator runs at the end whatever happened (release the lock, remove signal handlers). */
export class Cleanup {
  private readonly steps: (() => Promise<void>)[] = [];

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

export interface PhaseContext {
  readonly options: DeployOptions;
  readonly api: KubeApi;
  /** The record every phase writes into; returned (or thrown inside a DeployError) at the end. */
  readonly report: DeployReport;
  readonly clock: () => number;
  readonly log: (message: string) => void;
  readonly warn: (message: string) => void;
  readonly waitForRollout: RolloutWaiter;
  readonly cleanup: Cleanup;
  /** Adds a line to the timeline. */
  mark(text: string): void;
  /** Runs one phase as a log group and records its span. */
  phase<T>(name: string, body: () => Promise<T>): Promise<T>;
}

export function phaseContext(options: DeployOptions): PhaseContext {
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const group = options.phase ?? (<T>(_name: string, body: () => Promise<T>) => body());
  const report = emptyReport(options.dryRun);
  return {
    options,
    api: options.api,
    report,
    clock,
    log,
    warn: options.warn ?? log,
    waitForRollout: options.waitForRollout ?? waitForRollout,
    cleanup: new Cleanup(),
    mark: (text) => void report.timeline.push({ at: clock(), text }),
    phase: async <T>(name: string, body: () => Promise<T>): Promise<T> => {
      const start = clock();
      let ok = false;
      try {
        const result = await group(name, body);
        ok = true;
        return result;
      } finally {
        report.phases.push({ name, start, end: clock(), ok });
      }
    },
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
