/** `run:` steps: the script in a file, run by bash (GitHub's default flags) or sh, in the working directory. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runProcess } from './exec.js';
import { evaluateToken, stringValue } from './expressions.js';
import type { RunState, StepContext, StepExecution } from './run-state.js';
import { processEnv, processSpec } from './step-process.js';
import { get } from './workflow.js';

const SHELLS: Record<string, (file: string) => [string, string[]]> = {
  bash: (file) => ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]],
  sh: (file) => ['sh', ['-e', file]],
};

export async function runScriptStep(state: RunState, ctx: StepContext): Promise<StepExecution> {
  if (!('run' in ctx.step)) throw new Error('not a run: step');
  const script = stringValue(evaluateToken(ctx.step.run, ctx.expr));
  const workingDirectory = stringValue(evaluateToken(get(ctx.raw, 'working-directory'), ctx.expr));
  const shell = stringValue(evaluateToken(get(ctx.raw, 'shell'), ctx.expr)) || 'bash';
  const invoke = SHELLS[shell];
  if (!invoke) throw new Error(`shell '${shell}' is not supported locally (${Object.keys(SHELLS).join(' and ')} are)`);
  const scriptDir = path.join(state.dirs.scratch, 'scripts');
  await mkdir(scriptDir, { recursive: true });
  const file = path.join(scriptDir, `${Date.now()}-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(file, script);
  const [command, args] = invoke(file);
  const cwd = path.resolve(state.dirs.workspace, workingDirectory || '.');
  const result = await runProcess(await processSpec(state, ctx, { command, args, cwd, env: processEnv(state, ctx) }));
  return { kind: 'ran', result };
}
