/**
 * The workflows' contract with the actions and the reusable workflow they use:
 * every `with:` key is a declared input, every required input is given, and
 * every `steps.*.outputs.*`, `needs.*.outputs.*` and `jobs.*.outputs.*`
 * reference names something that exists. Local actions are read from their
 * action.yml (`./.pipeline-actions/actions/x` is this repository's
 * `actions/x`, checked out at the workflow's commit).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isMapping } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { evaluateToken, stringValue } from './expressions.js';
import type { EvalContext, Json } from './expressions.js';
import { parseCallRef } from './caller.js';
import { describeTypeFinding, withTypeFindings } from './input-types.js';
import { get, isReusableJob, literal, loadWorkflow, rawJob, rawStep } from './workflow.js';
import type { ParsedWorkflow } from './workflow.js';

export interface Finding {
  file: string;
  job: string;
  step?: string;
  message: string;
}

interface ActionSpec {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Set<string>;
}

const LIBRARY_ACTION = /^\.\/(?:\.pipeline-actions\/)?(actions\/[^/]+)$/;

/** Outputs of the third-party actions the workflows read, from their action.yml at the pinned SHA. */
const REMOTE_OUTPUTS: Record<string, string[]> = {
  'docker/build-push-action': ['imageid', 'digest', 'metadata'],
  'docker/metadata-action': ['version', 'tags', 'tag-names', 'labels', 'annotations', 'json', 'bake-file'],
  'actions/checkout': ['ref', 'commit'],
  'actions/setup-node': ['cache-hit', 'node-version'],
  'actions/upload-artifact': ['artifact-id', 'artifact-url', 'artifact-digest'],
};

const noContext: EvalContext = {
  contexts: {},
  status: { success: () => true, failure: () => false, cancelled: () => false },
};

function keysOf(token: TemplateToken | undefined): string[] {
  if (!token || !isMapping(token)) return [];
  const keys: string[] = [];
  for (const pair of token) keys.push(stringValue(evaluateToken(pair.key, noContext)));
  return keys;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function readAction(root: string, actionPath: string): ActionSpec | undefined {
  for (const name of ['action.yml', 'action.yaml']) {
    const file = path.join(root, actionPath, name);
    if (!existsSync(file)) continue;
    const manifest = parseYaml(readFileSync(file, 'utf8')) as {
      inputs?: ActionSpec['inputs'];
      outputs?: Record<string, unknown>;
    } | null;
    return { inputs: manifest?.inputs ?? {}, outputs: new Set(Object.keys(manifest?.outputs ?? {})) };
  }
  return undefined;
}

function references(text: string, pattern: RegExp): [string, string][] {
  return [...text.matchAll(pattern)].map((m) => [m[1] as string, m[2] as string]);
}

type OutputCheck = ((name: string) => boolean) | undefined;

/** For each step id: which outputs it can have (undefined: not statically known); records findings about library actions' inputs. */
function stepOutputsOf(
  workflow: ParsedWorkflow,
  job: Extract<ParsedWorkflow['template']['jobs'][number], { type: 'job' }>,
  root: string,
  missing: Set<string>,
  findings: Finding[],
): { stepOutputs: Map<string, OutputCheck>; described: Map<string, string> } {
  const file = workflow.file;
  const jobId = job.id.value;
  const stepOutputs = new Map<string, OutputCheck>();
  const described = new Map<string, string>();
  for (const [index, step] of job.steps.entries()) {
    const rawS = rawStep(workflow, jobId, index);
    const stepName = literal(get(rawS, 'name')) ?? step.id;
    const withKeys = keysOf(get(rawS, 'with'));
    let has: OutputCheck;
    if ('uses' in step) {
      const uses = step.uses.value;
      const library = LIBRARY_ACTION.exec(uses);
      if (library?.[1]) {
        const action = readAction(root, library[1]);
        if (!action) {
          missing.add(library[1]);
          findings.push({
            file,
            job: jobId,
            step: stepName,
            message: `${uses}: ${library[1]}/action.yml does not exist yet`,
          });
          continue;
        }
        for (const key of withKeys) {
          if (!(key in action.inputs)) {
            findings.push({
              file,
              job: jobId,
              step: stepName,
              message: `with.${key} is not an input of ${library[1]} (inputs: ${Object.keys(action.inputs).join(', ')})`,
            });
          }
        }
        for (const [name, spec] of Object.entries(action.inputs)) {
          if (spec.required === true && spec.default === undefined && !withKeys.includes(name)) {
            findings.push({
              file,
              job: jobId,
              step: stepName,
              message: `required input '${name}' of ${library[1]} is not given`,
            });
          }
        }
        has = (name) => action.outputs.has(name);
        described.set(step.id, [...action.outputs].join(', '));
      } else {
        const known = REMOTE_OUTPUTS[uses.split('@')[0] ?? ''];
        if (known) {
          has = (name) => known.includes(name);
          described.set(step.id, known.join(', '));
        }
      }
    } else if ('run' in step) {
      const script = literal(get(rawS, 'run')) ?? '';
      // A run: step has an output when its script writes `name=` or `name<<DELIMITER` (to GITHUB_OUTPUT); names
      // built from variables (echo "$stage=...") are not statically known.
      if (!/echo "\$[A-Za-z_]+=/.test(script)) {
        has = (name) =>
          new RegExp(`(^|[\\s"'{])${escapeRegExp(name)}(=|<<)`, 'm').test(script) && script.includes('GITHUB_OUTPUT');
        described.set(step.id, 'names written to $GITHUB_OUTPUT');
      }
    }
    if (!step.id.startsWith('__')) stepOutputs.set(step.id, has);
  }
  return { stepOutputs, described };
}

/** Checks one parsed workflow; `root` is this repository (actions/ and .github/workflows/pipeline.yml). */
export async function checkWorkflow(workflow: ParsedWorkflow, root: string, missing: Set<string>): Promise<Finding[]> {
  const findings: Finding[] = [];
  const file = workflow.file;
  const jobOutputs = new Map<string, Set<string>>();
  for (const job of workflow.template.jobs) jobOutputs.set(job.id.value, new Set(keysOf(job.outputs)));

  for (const job of workflow.template.jobs) {
    const jobId = job.id.value;
    const raw = rawJob(workflow, jobId);
    const rawText = JSON.stringify(raw ?? null);
    const needs = new Set((job.needs ?? []).map((n) => n.value));
    for (const [need, output] of references(rawText, /needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      if (!needs.has(need))
        findings.push({
          file,
          job: jobId,
          message: `needs.${need}.outputs.${output}: '${need}' is not in this job's needs`,
        });
      else if (!jobOutputs.get(need)?.has(output))
        findings.push({
          file,
          job: jobId,
          message: `needs.${need}.outputs.${output}: job '${need}' declares no output '${output}'`,
        });
    }

    if (isReusableJob(job)) {
      findings.push(...(await checkCall(workflow, job, root)));
      continue;
    }

    const { stepOutputs, described } = stepOutputsOf(workflow, job, root, missing, findings);
    for (const [stepId, output] of references(rawText, /steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
      if (!stepOutputs.has(stepId))
        findings.push({
          file,
          job: jobId,
          message: `steps.${stepId}.outputs.${output}: no step with id '${stepId}' in this job`,
        });
      else {
        const has = stepOutputs.get(stepId);
        if (has && !has(output))
          findings.push({
            file,
            job: jobId,
            message: `steps.${stepId}.outputs.${output}: step '${stepId}' has no output '${output}' (has: ${described.get(stepId) ?? ''})`,
          });
      }
    }
  }

  // A reusable workflow's outputs must name real job outputs.
  const callOutputs = get(get(get(workflow.root, 'on'), 'workflow_call'), 'outputs');
  const outputsText = JSON.stringify(callOutputs ?? null);
  for (const [jobId, output] of references(outputsText, /jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
    if (!jobOutputs.has(jobId))
      findings.push({
        file,
        job: '(workflow_call outputs)',
        message: `jobs.${jobId}.outputs.${output}: no job '${jobId}'`,
      });
    else if (!jobOutputs.get(jobId)?.has(output))
      findings.push({
        file,
        job: '(workflow_call outputs)',
        message: `jobs.${jobId}.outputs.${output}: job '${jobId}' declares no output '${output}'`,
      });
  }
  return findings;
}

async function checkCall(
  workflow: ParsedWorkflow,
  job: Extract<ParsedWorkflow['template']['jobs'][number], { type: 'reusableWorkflowJob' }>,
  root: string,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const target = parseCallRef(job.ref.value);
  const jobId = job.id.value;
  if (!target)
    return [
      { file: workflow.file, job: jobId, message: `uses: ${job.ref.value} is not a reusable-workflow reference` },
    ];
  const calledFile = path.join(root, target.workflowPath);
  if (!/pipeline\.ya?ml$/.test(target.workflowPath) || !existsSync(calledFile)) return findings;
  const called = await loadWorkflow(target.workflowPath, readFileSync(calledFile, 'utf8'));
  const call = called.template.events.workflow_call;
  if (!call) return [{ file: workflow.file, job: jobId, message: `${target.workflowPath} has no on.workflow_call` }];
  const withKeys = keysOf(job['input-values']);
  for (const key of withKeys) {
    if (!(key in (call.inputs ?? {})))
      findings.push({
        file: workflow.file,
        job: jobId,
        message: `with.${key} is not an input of ${target.workflowPath}`,
      });
  }
  for (const finding of withTypeFindings(job['input-values'], called))
    findings.push({ file: workflow.file, job: jobId, message: describeTypeFinding(finding, target.workflowPath) });
  for (const [name, spec] of Object.entries(call.inputs ?? {})) {
    if (spec.required && spec.default === undefined && !withKeys.includes(name))
      findings.push({
        file: workflow.file,
        job: jobId,
        message: `required input '${name}' of ${target.workflowPath} is not given`,
      });
  }
  if (job['inherit-secrets'])
    findings.push({
      file: workflow.file,
      job: jobId,
      message: "secrets: inherit passes every secret; pass the pipeline's secrets explicitly",
    });
  const secretKeys = keysOf(job['secret-values']);
  for (const key of secretKeys) {
    if (!(key in (call.secrets ?? {})))
      findings.push({
        file: workflow.file,
        job: jobId,
        message: `secrets.${key} is not a secret of ${target.workflowPath}`,
      });
  }
  for (const [name, spec] of Object.entries(call.secrets ?? {})) {
    if (spec.required && !secretKeys.includes(name))
      findings.push({
        file: workflow.file,
        job: jobId,
        message: `required secret '${name}' of ${target.workflowPath} is not given`,
      });
  }
  return findings;
}

/** Checks workflow files (paths relative to `base`). */
export async function checkWorkflows(
  root: string,
  files: { base: string; file: string }[],
): Promise<{ findings: Finding[]; missing: string[] }> {
  const findings: Finding[] = [];
  const missing = new Set<string>();
  for (const { base, file } of files) {
    const workflow = await loadWorkflow(file, readFileSync(path.join(base, file), 'utf8'));
    findings.push(...(await checkWorkflow(workflow, root, missing)));
  }
  return { findings, missing: [...missing].sort() };
}

export function formatFinding(f: Finding): string {
  return `${f.file} › ${f.job}${f.step ? ` › ${f.step}` : ''}: ${f.message}`;
}

export type { Json };
