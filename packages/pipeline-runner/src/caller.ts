/**
 * Caller discovery: which of a repository's workflows calls the pipeline
 * (`./.github/workflows/pipeline.yml` or `owner/repo/.github/workflows/pipeline.yml@ref`).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { exists } from './files.js';
import { isReusableJob, loadWorkflow, WorkflowError } from './workflow.js';
import type { ParsedWorkflow, ReusableWorkflowJob } from './workflow.js';

const PIPELINE_PATH = /^\.github\/workflows\/pipeline\.ya?ml$/;
const REMOTE_CALL = /^([^/]+)\/([^/]+)\/(\.github\/workflows\/[^@]+)@(.+)$/;
const LOCAL_CALL = /^\.\/(\.github\/workflows\/.+)$/;

export interface CallTarget {
  kind: 'local' | 'remote';
  repository: string;
  workflowPath: string;
  ref: string;
}

export interface Caller {
  workflow: ParsedWorkflow;
  job: ReusableWorkflowJob;
  target: CallTarget;
}

export function parseCallRef(ref: string): CallTarget | undefined {
  const local = LOCAL_CALL.exec(ref);
  if (local?.[1]) return { kind: 'local', repository: '', workflowPath: local[1], ref: '' };
  const remote = REMOTE_CALL.exec(ref);
  if (remote?.[1] && remote[2] && remote[3] && remote[4]) {
    return { kind: 'remote', repository: `${remote[1]}/${remote[2]}`, workflowPath: remote[3], ref: remote[4] };
  }
  return undefined;
}

/** Finds the repository's workflow that calls the pipeline. */
export async function findCaller(repo: string, only?: string): Promise<Caller> {
  const dir = path.join(repo, '.github/workflows');
  const names = only
    ? [path.relative(dir, path.resolve(repo, only))]
    : (await readdir(dir).catch(() => [])).filter((f) => /\.ya?ml$/.test(f)).sort();
  const seen: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const workflow = await loadWorkflow(path.relative(repo, file), await readFile(file, 'utf8'));
    for (const job of workflow.template.jobs) {
      if (!isReusableJob(job)) continue;
      const target = parseCallRef(job.ref.value);
      seen.push(`${name}: ${job.ref.value}`);
      if (!target || !PIPELINE_PATH.test(target.workflowPath)) continue;
      if (target.kind === 'local' && !(await exists(path.join(repo, target.workflowPath)))) continue;
      return { workflow, job, target };
    }
  }
  throw new WorkflowError(
    `No workflow in ${dir} calls <owner>/<repo>/.github/workflows/pipeline.yml@<ref> (or ./.github/workflows/pipeline.yml)` +
      (seen.length ? `; reusable-workflow calls found: ${seen.join(', ')}` : ''),
  );
}
