/** How a step's process is started: the runner's environment under the step's own, its log and timeout. */
import { appendFile } from 'node:fs/promises';
import { inheritedEnv, runnerEnv, stepPath } from './environment.js';
import type { ProcessSpec } from './exec.js';
import type { Json } from './expressions.js';
import type { RunState, StepContext } from './run-state.js';

/** The environment of a step's process: inherited, PATH, the runner's variables, then the step's env. */
export function processEnv(state: RunState, ctx: StepContext): Record<string, string> {
  const github = ctx.expr.contexts['github'] as Record<string, Json>;
  return { ...inheritedEnv(), PATH: stepPath(ctx.extraPath, state.options.library), ...runnerEnv(github, state.dirs), ...ctx.env };
}

export async function processSpec(state: RunState, ctx: StepContext, command: { command: string; args: string[]; cwd: string; env: Record<string, string> }): Promise<ProcessSpec> {
  await appendFile(ctx.job.logFile, `\n##[step] ${ctx.name}\n`);
  return {
    ...command,
    timeoutMs: ctx.job.timeoutMinutes * 60_000,
    scratchRoot: state.dirs.scratch,
    masks: state.masks,
    logFile: ctx.job.logFile,
    ...(state.options.verbose ? { onLine: (line: string) => state.log(`      │ ${line}`) } : {}),
  };
}
