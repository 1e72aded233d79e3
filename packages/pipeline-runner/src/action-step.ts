/**
 * `uses:` steps: a local JavaScript action runs as a node process with its
 * INPUT_* variables (and registers its post step); a remote action runs as a
 * built-in emulation if there is one, else is skipped with the reason.
 */
import { appendFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { inputEnv, interpolate, readActionManifest } from '@pipeline/action-kit/protocol';
import type { ActionManifest } from '@pipeline/action-kit/protocol';
import { findEmulation } from './emulations/index.js';
import type { StepFacilities } from './emulations/index.js';
import { inheritedEnv, stepPath } from './environment.js';
import { runProcess } from './exec.js';
import { evaluateExpression, evaluateStringMap, stringValue } from './expressions.js';
import type { EvalContext, Json } from './expressions.js';
import { exists } from './files.js';
import { tryGit } from './local.js';
import { remoteActionSkip } from './provisioning/table.js';
import type { RunState, StepContext, StepExecution } from './run-state.js';
import { processEnv, processSpec } from './step-process.js';
import { get } from './workflow.js';

export async function runActionStep(state: RunState, ctx: StepContext): Promise<StepExecution> {
  if (!('uses' in ctx.step)) throw new Error('not a uses: step');
  const uses = ctx.step.uses.value;
  const withValues = evaluateStringMap(get(ctx.raw, 'with'), ctx.expr);
  if (uses.startsWith('./')) return runLocalAction(state, ctx, uses, withValues);
  const emulation = findEmulation(uses);
  if (!emulation) return { kind: 'skipped', ...remoteActionSkip(uses) };
  const github = ctx.expr.contexts['github'] as Record<string, Json>;
  await appendFile(ctx.job.logFile, `\n##[step] ${ctx.name}\n`);
  return emulation.run(
    {
      workspace: state.dirs.workspace,
      artifacts: state.dirs.artifacts,
      library: state.library,
      github,
      jobContext: ctx.job.jobContext,
      step: await stepFacilities(state, ctx),
    },
    withValues,
  );
}

const commitDates = new Map<string, Promise<string | undefined>>();

/** The repository's HEAD commit date, read once per run and repository (it does not change during a run). */
function headCommitDate(repo: string): Promise<string | undefined> {
  let date = commitDates.get(repo);
  if (!date) commitDates.set(repo, (date = tryGit(repo, ['log', '-1', '--format=%cI', 'HEAD'])));
  return date;
}

async function stepFacilities(state: RunState, ctx: StepContext): Promise<StepFacilities> {
  const tempDir = path.join(state.dirs.scratch, 'emulations');
  await mkdir(tempDir, { recursive: true });
  const tooling = state.provisioner.containerTooling();
  const commitDate = await headCommitDate(state.options.repo);
  const facilities: StepFacilities = {
    env: ctx.env,
    processEnv: {
      ...inheritedEnv(),
      PATH: stepPath(state.options.library),
      HOME: process.env['HOME'] ?? state.dirs.scratch,
      ...ctx.env,
    },
    tempDir,
    timeoutMs: ctx.job.timeoutMinutes * 60_000,
    masker: state.masker,
    logLine: (line) => {
      appendFileSync(ctx.job.logFile, `${line}\n`);
      if (state.options.verbose) state.log(`      │ ${line}`);
    },
    onMappings: (mappings) => state.provisioner.recordMappings(mappings),
  };
  if (tooling) facilities.docker = tooling;
  if (commitDate) facilities.commitDate = new Date(commitDate);
  return facilities;
}

async function readManifest(actionDir: string, uses: string, workspace: string): Promise<ActionManifest> {
  try {
    return await readActionManifest(actionDir);
  } catch {
    throw new Error(
      `${uses}: no action.yml in ${path.relative(workspace, actionDir) || '.'} (is the checkout step before it?)`,
    );
  }
}

async function runLocalAction(
  state: RunState,
  ctx: StepContext,
  uses: string,
  given: Record<string, string>,
): Promise<StepExecution> {
  // An image it runs on the engine: by the name the build pushed it under here, with the engine's variables.
  const engine = state.provisioner.engineInputs(uses, given);
  const withValues = engine.withValues;
  ctx.job.report.notes.push(...engine.notes);
  const actionDir = path.resolve(state.dirs.workspace, uses);
  const manifest = await readManifest(actionDir, uses, state.dirs.workspace);
  const using = manifest.runs?.using ?? '';
  if (!/^node\d+$/.test(using))
    return {
      kind: 'skipped',
      reason: `runs.using: ${using} actions are not run locally (node actions are)`,
      replaceable: false,
    };
  const main = path.resolve(actionDir, manifest.runs?.main ?? 'dist/index.js');
  if (!(await exists(main)))
    throw new Error(`${uses}: ${path.relative(actionDir, main)} does not exist (build the action: npm run build)`);
  // github.action_path in an input default is the action's own directory.
  const github = { ...(ctx.expr.contexts['github'] as Record<string, Json>), action_path: actionDir };
  const actionCtx: EvalContext = { ...ctx.expr, contexts: { ...ctx.expr.contexts, github } };
  const inputs = inputEnv(manifest, withValues, (template) =>
    interpolate(template, (expression) => stringValue(evaluateExpression(expression, actionCtx))),
  );
  const notes = [...inputs.deprecated];
  if (inputs.unexpected.length > 0)
    notes.push(
      `Unexpected input(s) '${inputs.unexpected.join("', '")}', valid inputs are ${Object.keys(manifest.inputs ?? {}).join(', ')}`,
    );
  // What the local cluster lacks and a real environment has (a deploy's Secrets created outside git): not run, and said why.
  const notRunHere = await state.provisioner.beforeAction(uses, withValues);
  if (notRunHere) return { kind: 'skipped', reason: notRunHere, replaceable: false };
  // Tool settings the local run provides (e.g. Trivy's mirror of the local registry); the step's own env wins.
  const toolEnv = await state.provisioner.stepToolEnv();
  const stepCtx = { ...ctx, env: { ...toolEnv, ...engine.env, ...ctx.env } };
  const env = processEnv(state, stepCtx, { inputs: inputs.env, actionPath: actionDir });
  const spec = await processSpec(state, stepCtx, {
    command: process.execPath,
    args: [main],
    cwd: state.dirs.workspace,
    env,
  });
  for (const note of notes) await appendFile(ctx.job.logFile, `##[warning]${note}\n`);
  const result = await runProcess(spec);
  state.provisioner.afterAction(uses, withValues, result.exitCode === 0 && !result.runnerFailed, result.outputs);
  result.annotations.unshift(...notes.map((message) => ({ level: 'warning' as const, message })));
  const postFile = manifest.runs?.post;
  if (!postFile) return { kind: 'ran', result };
  const postEnv = processEnv(state, stepCtx, { inputs: inputs.env, actionPath: actionDir, state: result.state });
  const post = {
    condition: manifest.runs?.['post-if'] ?? 'always()',
    run: () => runProcess({ ...spec, env: postEnv, args: [path.resolve(actionDir, postFile)] }),
  };
  return { kind: 'ran', result, post };
}
