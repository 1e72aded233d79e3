/**
 * The two workflow levels: the caller workflow (its jobs, and the one job
 * that calls the pipeline with `with:` and `secrets:`) and the called
 * pipeline (its jobs, and its workflow_call outputs).
 */
import type { Caller } from './caller.js';
import { evaluateStringMap, evaluateToken, noStatus, stringValue } from './expressions.js';
import type { EvalContext, Json } from './expressions.js';
import { resolveInputs } from './inputs.js';
import { runJob } from './job.js';
import { runJobGraph } from './job-graph.js';
import type { GraphHandlers, GraphVisit, JobResult } from './job-graph.js';
import { provideLocalSlack } from './provisioning/local-slack.js';
import { skippedJob } from './report-types.js';
import type { RunState } from './run-state.js';
import { get, isReusableJob, literal, workflowCallOutputs, WorkflowError } from './workflow.js';
import type { Job, ParsedWorkflow, ReusableWorkflowJob } from './workflow.js';

type AnyJob = Job | ReusableWorkflowJob;

export interface BaseContexts {
  github: Record<string, Json>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
}

interface CalledContexts extends BaseContexts {
  inputs: Record<string, Json>;
}

const needPaths = (job: AnyJob, prefix: string): string[] =>
  (job.needs ?? []).map((n) => (prefix ? `${prefix}/${n.value}` : n.value));

function notRunHandler(state: RunState, prefix: string, entryNeeds: string[]): GraphHandlers<AnyJob>['notRun'] {
  return ({ job }, decision) => {
    const id = job.id.value;
    const jobPath = prefix ? `${prefix}/${id}` : id;
    const report = skippedJob(id, jobPath, decision.reason, [...entryNeeds, ...needPaths(job, prefix)]);
    state.report.jobs.push({ ...report, status: decision.result, name: literal(job.name) ?? id });
    state.log(`○ ${jobPath} ${decision.result} (${decision.reason})`);
  };
}

function skip(state: RunState, job: AnyJob, jobPath: string, reason: string, needs: string[]): JobResult {
  state.report.jobs.push(skippedJob(job.id.value, jobPath, reason, needs));
  return { result: 'skipped', outputs: {} };
}

export async function runCaller(
  state: RunState,
  caller: Caller,
  pipeline: ParsedWorkflow,
  base: BaseContexts,
): Promise<void> {
  await runJobGraph<AnyJob>(caller.workflow.template.jobs, {
    contexts: { github: base.github, vars: base.vars, inputs: {} },
    notRun: notRunHandler(state, '', []),
    run: async (visit) => {
      const { job, needs, status } = visit;
      const id = job.id.value;
      if (isReusableJob(job)) {
        if (job !== caller.job)
          return skip(state, job, id, `calls ${job.ref.value}, which is not this pipeline`, needPaths(job, ''));
        return callPipeline(state, caller, pipeline, base, visit);
      }
      const ctx: EvalContext = { contexts: { github: base.github, needs, vars: base.vars, inputs: {} }, status };
      const env = evaluateStringMap(get(caller.workflow.root, 'env'), ctx);
      const contexts = { github: base.github, needs, vars: base.vars, secrets: base.secrets, inputs: {}, env };
      return runJob(state, { workflow: caller.workflow, job, path: id, contexts, needs: needPaths(job, '') });
    },
  });
}

/** The calling job: the caller's `with:` and `secrets:`, evaluated in the caller's contexts, checked against the declarations. */
async function callPipeline(
  state: RunState,
  caller: Caller,
  pipeline: ParsedWorkflow,
  base: BaseContexts,
  visit: GraphVisit<AnyJob>,
): Promise<JobResult> {
  const job = caller.job;
  const id = job.id.value;
  const callerCtx: EvalContext = {
    contexts: { github: base.github, needs: visit.needs, vars: base.vars, secrets: base.secrets, inputs: {} },
    status: visit.status,
  };
  const withValues = (evaluateToken(job['input-values'], callerCtx) ?? {}) as Record<string, Json>;
  const secretValues = evaluateStringMap(job['secret-values'], callerCtx);
  if (job['inherit-secrets']) Object.assign(secretValues, base.secrets);
  const inputs = resolveInputs(pipeline, withValues, state.options.inputs ?? {}, caller.workflow.file);
  const declaredSecrets = pipeline.template.events.workflow_call?.secrets ?? {};
  for (const name of Object.keys(secretValues)) {
    if (!(name in declaredSecrets))
      throw new WorkflowError(`${caller.workflow.file}: secret '${name}' is not declared by ${pipeline.file}`);
  }
  for (const [name, spec] of Object.entries(declaredSecrets)) {
    if (spec.required && !secretValues[name])
      throw new WorkflowError(`${pipeline.file} requires secret '${name}'; pass it with --secret ${name}=...`);
  }
  // A called workflow always gets the caller's GITHUB_TOKEN.
  const secrets: Record<string, string> = { GITHUB_TOKEN: base.secrets['GITHUB_TOKEN'] ?? '', ...secretValues };
  await provideLocalSlack({
    enabled: state.options.provision !== false,
    inputs,
    pipeline,
    secrets,
    masker: state.masker,
    cleanups: state.cleanups,
    notes: state.report.notes,
    transcript: (slack) => (state.report.slack = slack),
  });
  const outputs = await runCalledWorkflow(
    state,
    pipeline,
    id,
    { github: base.github, vars: base.vars, secrets, inputs },
    needPaths(job, ''),
  );
  const failed = state.report.jobs.some((j) => j.path.startsWith(`${id}/`) && j.status === 'failure');
  state.report.outputs = outputs;
  return { result: failed ? 'failure' : 'success', outputs };
}

async function runCalledWorkflow(
  state: RunState,
  pipeline: ParsedWorkflow,
  prefix: string,
  contexts: CalledContexts,
  entryNeeds: string[],
): Promise<Record<string, string>> {
  for (const value of Object.values(contexts.secrets)) state.masker.addSecret(value);
  const { github, vars, inputs, secrets } = contexts;
  const results = await runJobGraph<AnyJob>(pipeline.template.jobs, {
    contexts: { github, vars, inputs },
    notRun: notRunHandler(state, prefix, entryNeeds),
    run: async ({ job, needs }) => {
      const jobPath = `${prefix}/${job.id.value}`;
      // Inside a called workflow, every job also waits for what the calling job waited for.
      const waitsFor = [...entryNeeds, ...needPaths(job, prefix)];
      if (isReusableJob(job))
        return skip(state, job, jobPath, `nested reusable workflow ${job.ref.value} is not run locally`, waitsFor);
      const env = evaluateStringMap(get(pipeline.root, 'env'), {
        contexts: { github, vars, inputs, secrets },
        status: noStatus,
      });
      return runJob(state, {
        workflow: pipeline,
        job,
        path: jobPath,
        contexts: { ...contexts, needs, env },
        needs: waitsFor,
      });
    },
  });
  return workflowOutputs(state, pipeline, results, contexts);
}

function workflowOutputs(
  state: RunState,
  pipeline: ParsedWorkflow,
  results: Map<string, JobResult>,
  contexts: CalledContexts,
): Record<string, string> {
  const jobs: Record<string, Json> = {};
  for (const [id, r] of results) jobs[id] = { result: r.result, outputs: r.outputs };
  const ctx: EvalContext = {
    contexts: { github: contexts.github, jobs, inputs: contexts.inputs, vars: contexts.vars },
    status: noStatus,
  };
  const specs = evaluateToken(workflowCallOutputs(pipeline), ctx) as Record<string, Json> | null;
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs ?? {})) {
    outputs[name] = state.masker.mask(stringValue((spec as Record<string, Json> | null)?.['value'] ?? null));
  }
  return outputs;
}
