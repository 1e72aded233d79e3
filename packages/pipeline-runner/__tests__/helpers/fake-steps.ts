/** Fakes for the step loop: a process result, a job run, and an executor scripted per step id. */
import { SecretMasker } from '@pipeline/action-kit/protocol';
import type { ProcessResult } from '../../src/exec.js';
import type { JobRun, StepContext, StepExecution, StepExecutor } from '../../src/run-state.js';
import { loadWorkflow, rawStep } from '../../src/workflow.js';
import type { Job } from '../../src/workflow.js';

export function processResult(overrides: Partial<ProcessResult> = {}): ProcessResult {
  return {
    exitCode: 0,
    signal: null,
    timedOut: false,
    durationMs: 1,
    outputs: {},
    exportedEnv: {},
    paths: [],
    state: {},
    summary: '',
    commands: [],
    annotations: [],
    tail: [],
    runnerErrors: [],
    runnerFailed: false,
    ...overrides,
  };
}

export function jobRun(overrides: Partial<JobRun> = {}): JobRun {
  return {
    path: 'w/j',
    report: {
      id: 'j',
      path: 'w/j',
      name: 'j',
      status: 'success',
      durationMs: 0,
      needs: [],
      steps: [],
      outputs: {},
      notes: [],
    },
    contexts: { github: {}, vars: {}, secrets: {}, inputs: { mode: 'lenient' }, needs: {}, env: {} },
    jobContext: { status: 'success' },
    runner: {},
    env: { FROM_JOB: 'job' },
    workspace: '/nonexistent',
    masker: new SecretMasker(),
    log: () => undefined,
    verbose: false,
    timeoutMinutes: 1,
    logFile: '/dev/null',
    ...overrides,
  };
}

export interface Behaviour {
  exit?: number;
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  path?: string[];
  throws?: string;
  skip?: string;
  /** With skip: the local run has what the step provides (the job stays complete). */
  replaceable?: boolean;
  emulate?: string;
  post?: { condition?: string; exit?: number };
}

export interface Seen {
  env: Record<string, string>;
  extraPath: string[];
}

/** An executor that does what `behaviours[step id]` says and records what each step saw and the order of runs. */
export function scriptedExecutor(behaviours: Record<string, Behaviour>): {
  execute: StepExecutor;
  seen: Record<string, Seen>;
  order: string[];
} {
  const seen: Record<string, Seen> = {};
  const order: string[] = [];
  const execute: StepExecutor = async (ctx: StepContext): Promise<StepExecution> => {
    const id = ctx.step.id;
    const b = behaviours[id] ?? {};
    seen[id] = { env: ctx.env, extraPath: ctx.extraPath };
    order.push(id);
    if (b.throws) throw new Error(b.throws);
    if (b.skip) return { kind: 'skipped', reason: b.skip, replaceable: b.replaceable ?? false };
    if (b.emulate) return { kind: 'emulated', reason: b.emulate };
    const result = processResult({
      exitCode: b.exit ?? 0,
      outputs: b.outputs ?? {},
      exportedEnv: b.env ?? {},
      paths: b.path ?? [],
    });
    if (!b.post) return { kind: 'ran', result };
    const post = b.post;
    return {
      kind: 'ran',
      result,
      post: {
        condition: post.condition ?? 'always()',
        run: async () => {
          order.push(`post-${id}`);
          return processResult({ exitCode: post.exit ?? 0 });
        },
      },
    };
  };
  return { execute, seen, order };
}

/** The steps of the one job of a small workflow, with the raw-step lookup the loop needs. */
export async function stepsOf(
  stepsYaml: string,
  extraJobYaml = '',
): Promise<{ job: Job; raw: (index: number) => ReturnType<typeof rawStep> }> {
  const text = `on: push\njobs:\n  j:\n    runs-on: x\n${extraJobYaml}    steps:\n${stepsYaml}`;
  const workflow = await loadWorkflow('w.yml', text);
  const job = workflow.template.jobs[0] as Job;
  return { job, raw: (index) => rawStep(workflow, 'j', index) };
}
