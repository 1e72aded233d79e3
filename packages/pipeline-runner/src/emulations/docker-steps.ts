/**
 * The docker/* actions in the step loop: each step's inputs, the GitHub
 * context and the project's container tooling go to the docker emulations
 * (./docker), which build, push and log in for real with local tools; their
 * outcome is reported like a process step (outputs, warnings, summary, post
 * step), labelled as emulated. Without the tooling the step is skipped and
 * its job is incomplete, never passed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Annotation } from '@pipeline/action-kit/protocol';
import type { ProcessResult } from '../exec.js';
import type { StepExecution } from '../run-state.js';
import { DOCKER_EMULATIONS, githubContextFrom, nodeIO } from './docker/index.js';
import type { DockerEnv, EmulationOutcome, Emulation as DockerEmulation, EmulationIO } from './docker/index.js';
import type { Emulation, EmulationContext } from './emulation.js';

/** Inputs whose values are credentials: masked before the emulation prints anything. */
const SECRET_INPUTS = ['password', 'github-token'];

/** What the job log and the report get from a finished emulation. */
export function outcomeToProcess(outcome: EmulationOutcome, durationMs: number, tail: string[]): ProcessResult {
  const annotations: Annotation[] = (outcome.warnings ?? []).map((message) => ({ level: 'warning', message }));
  const result: ProcessResult = {
    exitCode: outcome.status === 'failure' ? 1 : 0,
    signal: null,
    timedOut: false,
    durationMs,
    outputs: outcome.outputs,
    exportedEnv: outcome.env ?? {},
    paths: [],
    state: {},
    summary: emulationSummary(outcome),
    commands: [],
    annotations,
    tail: tail.slice(-40),
    runnerErrors: [],
    runnerFailed: false,
  };
  if (outcome.status === 'failure') result.error = outcome.reason ?? 'the emulated action failed';
  return result;
}

/** The step summary: what the local run did in place of the action, and the image mappings. */
export function emulationSummary(outcome: EmulationOutcome): string {
  const notes = outcome.notes ?? [];
  const mappings = outcome.mappings ?? [];
  if (notes.length === 0 && mappings.length === 0) return '';
  const lines = ['#### Done locally', '', ...notes.map((n) => `- ${n}`), ''];
  if (mappings.length > 0)
    lines.push(
      '| image in the workflow | local image |',
      '| --- | --- |',
      ...mappings.map((m) => `| \`${m.from}\` | \`${m.to}\` |`),
      '',
    );
  return lines.join('\n');
}

/** Notes, warnings and reasons can quote tool output or inputs: through the run's masker like a process's lines. */
function masked(result: ProcessResult, step: EmulationContext['step']): ProcessResult {
  const mask = (text: string): string => step.masker.mask(text);
  const out: ProcessResult = {
    ...result,
    summary: mask(result.summary),
    annotations: result.annotations.map((a) => ({ ...a, message: mask(a.message) })),
  };
  if (result.error !== undefined) out.error = mask(result.error);
  return out;
}

interface LocalRepoFacts {
  description?: string;
  license?: string;
}

async function packageFacts(workspace: string): Promise<LocalRepoFacts> {
  try {
    const pkg = JSON.parse(await readFile(path.join(workspace, 'package.json'), 'utf8')) as Record<string, unknown>;
    const facts: LocalRepoFacts = {};
    if (typeof pkg['description'] === 'string') facts.description = pkg['description'];
    if (typeof pkg['license'] === 'string') facts.license = pkg['license'];
    return facts;
  } catch {
    return {};
  }
}

function execute(uses: string, emulation: DockerEmulation): Emulation {
  return {
    uses,
    async run(ctx: EmulationContext, withValues: Record<string, string>): Promise<StepExecution> {
      const step = ctx.step;
      for (const name of SECRET_INPUTS) if (withValues[name]) step.masker.addSecret(withValues[name]);
      const tail: string[] = [];
      const docker: DockerEnv | undefined = step.docker?.env;
      const io: EmulationIO = nodeIO({
        env: { ...step.processEnv, ...(step.docker?.vars ?? {}) },
        cwd: ctx.workspace,
        tempRoot: step.tempDir,
        timeoutMs: step.timeoutMs,
        onLine: (line) => {
          const masked = step.masker.mask(line);
          tail.push(masked);
          if (tail.length > 200) tail.shift();
          step.logLine(masked);
        },
      });
      const github = githubContextFrom(
        ctx.github,
        { ...(await packageFacts(ctx.workspace)), defaultBranch: 'main' },
        new Date(),
        step.commitDate,
      );
      const context = { github, env: step.env, workspace: ctx.workspace, ...(docker ? { docker } : {}) };
      const started = performance.now();
      const outcome = await emulation(withValues, context, io);
      for (const value of outcome.masks ?? []) step.masker.addSecret(value);
      step.onMappings(outcome.mappings ?? []);
      if (outcome.status === 'skipped')
        return { kind: 'skipped', reason: outcome.reason ?? 'not run locally', replaceable: false };
      const how = docker ? `emulated with the project's container tooling (registry ${docker.registry})` : 'emulated';
      const result = masked(outcomeToProcess(outcome, performance.now() - started, tail), step);
      const post = outcome.post;
      if (!post) return { kind: 'ran', result, emulated: how };
      return {
        kind: 'ran',
        result,
        emulated: how,
        post: {
          condition: 'always()',
          run: async () => {
            const begun = performance.now();
            return masked(outcomeToProcess(await post(io), performance.now() - begun, tail), step);
          },
        },
      };
    },
  };
}

/** The five docker actions as the runner's emulations (`docker/<name>`, any ref). */
export const DOCKER_STEP_EMULATIONS: readonly Emulation[] = Object.entries(DOCKER_EMULATIONS).map(
  ([prefix, emulation]) => execute(prefix.slice(0, -1), emulation),
);
