/** How a step's process is started: the runner's environment block (the kit's protocol), its log and timeout. */
import { appendFile } from 'node:fs/promises';
import { stepEnvironment } from '@pipeline/action-kit/protocol';
import type { FileCommandPaths } from '@pipeline/action-kit/protocol';
import { inheritedEnv, stepPath } from './environment.js';
import type { ProcessSpec } from './exec.js';
import { stringValue } from './expressions.js';
import type { Json } from './expressions.js';
import type { RunState, StepContext } from './run-state.js';

export interface ProcessExtras {
  /** INPUT_* variables of an action. */
  inputs?: Record<string, string>;
  /** A post step's saved state (the main step's GITHUB_STATE). */
  state?: Record<string, string>;
  /** github.action_path of an action step. */
  actionPath?: string;
}

const scalars = (context: Json | undefined): Record<string, string | boolean> =>
  Object.fromEntries(
    Object.entries((context ?? {}) as Record<string, Json>).filter(
      (e): e is [string, string | boolean] => typeof e[1] === 'string' || typeof e[1] === 'boolean',
    ),
  );

/** The environment block of a step's process, given its file-command files. */
export function processEnv(
  state: RunState,
  ctx: StepContext,
  extras: ProcessExtras = {},
): (files: FileCommandPaths) => Record<string, string> {
  const github = {
    ...scalars(ctx.expr.contexts['github']),
    ...(extras.actionPath ? { action_path: extras.actionPath } : {}),
  };
  const runner = Object.fromEntries(Object.entries(ctx.job.runner).map(([k, v]) => [k, stringValue(v)]));
  const inherited = {
    ...inheritedEnv(),
    PATH: stepPath(state.options.library),
    HOME: process.env['HOME'] ?? state.dirs.scratch,
    LANG: process.env['LANG'] ?? 'C.UTF-8',
  };
  return (files) =>
    stepEnvironment({
      inherited,
      env: ctx.env,
      prependPath: ctx.extraPath,
      github,
      runner,
      files,
      ...(extras.inputs ? { inputs: extras.inputs } : {}),
      ...(extras.state ? { state: extras.state } : {}),
    });
}

export async function processSpec(
  state: RunState,
  ctx: StepContext,
  command: { command: string; args: string[]; cwd: string; env: ProcessSpec['env'] },
): Promise<ProcessSpec> {
  await appendFile(ctx.job.logFile, `\n##[step] ${ctx.name}\n`);
  return {
    ...command,
    timeoutMs: ctx.job.timeoutMinutes * 60_000,
    scratchRoot: state.dirs.scratch,
    masker: state.masker,
    workspace: state.dirs.workspace,
    logFile: ctx.job.logFile,
    ...(state.options.verbose ? { onLine: (line: string) => state.log(`      │ ${line}`) } : {}),
  };
}
