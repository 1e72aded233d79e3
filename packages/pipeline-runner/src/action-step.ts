/**
 * `uses:` steps: a local JavaScript action runs as a node process with its
 * INPUT_* variables (and registers its post step); a remote action runs as a
 * built-in emulation if there is one, else is skipped with the reason.
 */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { actionInputEnv } from './action-inputs.js';
import type { DeclaredInputs } from './action-inputs.js';
import { findEmulation } from './emulations/index.js';
import { runProcess } from './exec.js';
import { evaluateExpression, evaluateStringMap } from './expressions.js';
import type { EvalContext, Json } from './expressions.js';
import { exists } from './files.js';
import { remoteActionSkipReason } from './provisioning/table.js';
import type { RunState, StepContext, StepExecution } from './run-state.js';
import { processEnv, processSpec } from './step-process.js';
import { get } from './workflow.js';

interface ActionManifest {
  inputs?: DeclaredInputs;
  runs?: { using?: string; main?: string; post?: string; 'post-if'?: string };
}

export async function runActionStep(state: RunState, ctx: StepContext): Promise<StepExecution> {
  if (!('uses' in ctx.step)) throw new Error('not a uses: step');
  const uses = ctx.step.uses.value;
  const withValues = evaluateStringMap(get(ctx.raw, 'with'), ctx.expr);
  if (uses.startsWith('./')) return runLocalAction(state, ctx, uses, withValues);
  const emulation = findEmulation(uses);
  if (!emulation) return { kind: 'skipped', reason: remoteActionSkipReason(uses) };
  const github = ctx.expr.contexts['github'] as Record<string, Json>;
  return emulation.run({ workspace: state.dirs.workspace, artifacts: state.dirs.artifacts, library: state.library, github, jobContext: ctx.job.jobContext }, withValues);
}

async function readManifest(actionDir: string, uses: string, workspace: string): Promise<ActionManifest> {
  for (const name of ['action.yml', 'action.yaml']) {
    const file = path.join(actionDir, name);
    if (await exists(file)) return parseYaml(await readFile(file, 'utf8')) as ActionManifest;
  }
  throw new Error(`${uses}: no action.yml in ${path.relative(workspace, actionDir) || '.'} (is the checkout step before it?)`);
}

async function runLocalAction(state: RunState, ctx: StepContext, uses: string, withValues: Record<string, string>): Promise<StepExecution> {
  const actionDir = path.resolve(state.dirs.workspace, uses);
  const manifest = await readManifest(actionDir, uses, state.dirs.workspace);
  const using = manifest.runs?.using ?? '';
  if (!/^node\d+$/.test(using)) return { kind: 'skipped', reason: `runs.using: ${using} actions are not run locally (node actions are)` };
  const main = path.resolve(actionDir, manifest.runs?.main ?? 'dist/index.js');
  if (!(await exists(main))) throw new Error(`${uses}: ${path.relative(actionDir, main)} does not exist (build the action: npm run build)`);
  const declared = manifest.inputs ?? {};
  // github.action_path in an input default is the action's own directory.
  const actionCtx: EvalContext = { ...ctx.expr, contexts: { ...ctx.expr.contexts, github: { ...(ctx.expr.contexts['github'] as Record<string, Json>), action_path: actionDir } } };
  const inputs = actionInputEnv(declared, withValues, (expression) => evaluateExpression(expression, actionCtx));
  const env = { ...processEnv(state, ctx), ...inputs.env, GITHUB_ACTION_PATH: actionDir };
  const spec = await processSpec(state, ctx, { command: process.execPath, args: [main], cwd: state.dirs.workspace, env });
  if (inputs.unexpected.length > 0) {
    await appendFile(ctx.job.logFile, `##[warning]Unexpected input(s) ${inputs.unexpected.join(', ')}, valid inputs are ${Object.keys(declared).join(', ')}\n`);
  }
  const result = await runProcess(spec);
  state.provisioner.afterAction(uses, withValues, result.exitCode === 0);
  if (inputs.unexpected.length > 0) result.annotations.unshift({ level: 'warning', message: `Unexpected input(s) '${inputs.unexpected.join("', '")}'` });
  const postFile = manifest.runs?.post;
  if (!postFile) return { kind: 'ran', result };
  const post = { condition: manifest.runs?.['post-if'] ?? 'always()', run: () => runProcess({ ...spec, env: { ...env }, args: [path.resolve(actionDir, postFile)], state: result.state }) };
  return { kind: 'ran', result, post };
}
