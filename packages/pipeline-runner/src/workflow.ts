/**
 * Reads a workflow with the official @actions/workflow-parser: the converted
 * model (jobs, needs, if, steps, workflow_call inputs and secrets) plus the
 * raw template tokens for what the model leaves out (`with:`,
 * `working-directory:`, `shell:`, `services:`, workflow_call `outputs:`).
 */
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
} from '@actions/workflow-parser';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/mapping-token';
import type { Job, ReusableWorkflowJob, Step } from '@actions/workflow-parser/model/workflow-template';

export type { Job, ReusableWorkflowJob, Step };

export interface ParsedWorkflow {
  file: string;
  template: WorkflowTemplate;
  root: MappingToken;
}

export class WorkflowError extends Error {}

export async function loadWorkflow(file: string, content: string): Promise<ParsedWorkflow> {
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors();
  if (errors.length > 0 || !result.value) {
    throw new WorkflowError(`${file}: ${errors.map((e) => e.message).join('; ') || 'empty workflow'}`);
  }
  const template = await convertWorkflowTemplate(result.context, result.value);
  if (template.errors && template.errors.length > 0) {
    throw new WorkflowError(`${file}: ${template.errors.map((e) => e.Message).join('; ')}`);
  }
  if (!isMapping(result.value)) throw new WorkflowError(`${file}: the workflow is not a mapping`);
  return { file, template, root: result.value };
}

export function get(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return token && isMapping(token) ? token.find(key) : undefined;
}

export function literal(token: TemplateToken | undefined): string | undefined {
  return token && isString(token) ? token.value : undefined;
}

export function rawJob(workflow: ParsedWorkflow, jobId: string): TemplateToken | undefined {
  return get(get(workflow.root, 'jobs'), jobId);
}

/** The raw mapping of the n-th step of a job (same order as the converted steps). */
export function rawStep(workflow: ParsedWorkflow, jobId: string, index: number): TemplateToken | undefined {
  const steps = get(rawJob(workflow, jobId), 'steps');
  return steps && isSequence(steps) && index < steps.count ? steps.get(index) : undefined;
}

/** The `on.workflow_call` mapping (raw), for outputs. */
export function workflowCallOutputs(workflow: ParsedWorkflow): TemplateToken | undefined {
  return get(get(get(workflow.root, 'on'), 'workflow_call'), 'outputs');
}

export function isReusableJob(job: Job | ReusableWorkflowJob): job is ReusableWorkflowJob {
  return job.type === 'reusableWorkflowJob';
}

/** Jobs in an order that respects `needs` (stable: file order among peers); throws on a cycle. */
export function orderJobs<T extends { id: { value: string }; needs?: { value: string }[] }>(jobs: T[]): T[] {
  const byId = new Map(jobs.map((j) => [j.id.value, j]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: T[] = [];
  const visit = (job: T): void => {
    const id = job.id.value;
    if (done.has(id)) return;
    if (visiting.has(id)) throw new WorkflowError(`'needs' has a cycle through job '${id}'`);
    visiting.add(id);
    for (const need of job.needs ?? []) {
      const dep = byId.get(need.value);
      if (!dep) throw new WorkflowError(`job '${id}' needs '${need.value}', which does not exist`);
      visit(dep);
    }
    visiting.delete(id);
    done.add(id);
    order.push(job);
  };
  jobs.forEach(visit);
  return order;
}

/** Every job id a job depends on, directly or not. */
export function ancestors(jobs: { id: { value: string }; needs?: { value: string }[] }[], id: string): Set<string> {
  const byId = new Map(jobs.map((j) => [j.id.value, j]));
  const seen = new Set<string>();
  const walk = (current: string): void => {
    for (const need of byId.get(current)?.needs ?? []) {
      if (!seen.has(need.value)) {
        seen.add(need.value);
        walk(need.value);
      }
    }
  };
  walk(id);
  return seen;
}
