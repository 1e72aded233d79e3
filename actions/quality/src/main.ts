import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import {
  ActionError,
  InputError,
  execArgs,
  phase,
  plural,
  printable,
  printableLines,
  runContext,
  setOutput,
  writeJsonFile,
  writeAnnotations,
  writeSummary,
  type AnnotationItem,
  type Exec,
  type RunContext,
} from '@pipeline/action-kit';
import { restoreToolCache, cacheKeys, configHash, type CacheSession } from './cache.js';
import { changedFiles } from './changed-files.js';
import type { CheckContext } from './checks/context.js';
import { runEslint } from './checks/eslint.js';
import { runLineLength } from './checks/line-length.js';
import { runPrettier } from './checks/prettier.js';
import { runTypescript, tsconfigPath } from './checks/typescript.js';
import { evaluateGate, count, type CheckOutcome, type CheckResult } from './findings.js';
import { getInputs, type CheckName, type Inputs } from './inputs.js';
import { annotationTitle, buildReport, summaryMarkdown } from './report.js';
import { findToolBin, missingToolError, ToolRunner, TOOLS } from './tools.js';
import { packageVersion } from './tool-versions.js';

/** The action's I/O: the tools run through `exec`; the run's facts come from the runner's environment. */
export interface Dependencies {
  exec: Exec;
  context: RunContext;
}

export async function main(dependencies: Dependencies = { exec: execArgs, context: runContext() }): Promise<void> {
  const { exec, context: run } = dependencies;
  const inputs = getInputs();
  const plan = preflight(inputs, exec);
  const runnerTemp = run.runnerTemp;
  const cacheDir = inputs.cache ? path.join(runnerTemp, 'pipeline-quality-cache') : undefined;

  const files = inputs.onlyChanged
    ? await phase(`Find files changed since ${inputs.baseRef}`, async () => {
        const changed = await changedFiles(exec, inputs.workingDirectory, inputs.baseRef);
        // File names come from the pull request: one inert line each (a name may hold a line break).
        core.info(changed.length === 0 ? 'No changed files.' : changed.map(printable).join('\n'));
        return changed;
      })
    : undefined;

  let cache: CacheSession | undefined;
  if (cacheDir) {
    await mkdir(cacheDir, { recursive: true });
    const keys = cacheKeys(configHash([inputs.workingDirectory, inputs.workspace]), run);
    cache = await phase('Restore tool caches', () => restoreToolCache(cacheDir, keys));
  }

  const context: CheckContext = {
    workingDirectory: inputs.workingDirectory,
    workspace: inputs.workspace,
    exec,
    files,
    cacheDir,
  };
  const results: CheckResult[] = [];
  for (const check of inputs.checks) {
    const result = await phase(`Run ${check}`, async (): Promise<CheckResult> => {
      const started = performance.now();
      const outcome = await runCheck(check, context, inputs, plan);
      const totals = count(outcome.findings);
      core.info(
        `${check}: ${outcome.status}, ${plural(totals.errors, 'error')}, ${plural(totals.warnings, 'warning')}${outcome.detail ? `\n${printableLines(outcome.detail)}` : ''}`,
      );
      return { check, durationMs: performance.now() - started, ...outcome };
    });
    results.push(result);
  }

  const verdict = evaluateGate(results, inputs.failOn);
  const report = buildReport(results, verdict, inputs.failOn);
  await phase('Report findings', async () => {
    writeAnnotations(annotations(results), { seeAlso: 'the job summary and the report' });
    const reportFile = path.join(runnerTemp, 'quality-report.json');
    await writeJsonFile(reportFile, report);
    setOutput('passed', verdict.passed);
    setOutput('errors', verdict.errors);
    setOutput('warnings', verdict.warnings);
    setOutput('report', reportFile);
    core.info(`Report: ${printable(reportFile)}`);
  });
  await writeSummary(() => summaryMarkdown(report));
  if (cache && cacheDir) await phase('Save tool caches', () => cache.save());

  if (!verdict.passed) {
    const crashes = results
      .filter((r) => r.status === 'crashed')
      .map((r) => `\n${r.check}: ${r.detail ?? 'crashed'}`)
      .join('');
    throw new ActionError(`Quality gate failed: ${verdict.reason}. See the annotations and the job summary.${crashes}`);
  }
}

interface Plan {
  runners: Map<CheckName, ToolRunner>;
  tsconfig: string | undefined;
}

/** Resolves every enabled tool before running anything, so a missing tool fails fast and clearly. */
function preflight(inputs: Inputs, exec: Exec): Plan {
  requireDirectory(inputs);
  const runners = new Map<CheckName, ToolRunner>();
  for (const check of inputs.checks) {
    if (check === 'line-length') continue;
    const tool = TOOLS[check];
    const bin = findToolBin(tool, inputs.workingDirectory, inputs.workspace);
    if (!bin) throw missingToolError(tool, inputs.workingDirectory);
    runners.set(check, new ToolRunner(bin, exec, packageVersion(bin, tool.packageName)));
  }
  const tsconfig = inputs.checks.includes('typescript') ? tsconfigPath(inputs.workingDirectory) : undefined;
  if (inputs.checks.includes('typescript') && !tsconfig) {
    throw new ActionError(
      `The 'typescript' check is enabled but ${inputs.workingDirectory} has no tsconfig.json. Add one (npx tsc --init) or remove 'typescript' from the checks input.`,
    );
  }
  return { runners, tsconfig };
}

/** A working directory that does not exist would read "0 files" and pass: it fails by name instead. */
function requireDirectory(inputs: Inputs): void {
  const dir = inputs.workingDirectory;
  if (existsSync(dir) && statSync(dir).isDirectory()) return;
  const shown = path.relative(inputs.workspace, dir) || '.';
  throw new InputError('working-directory', shown, `an existing directory of the checkout (resolved to ${dir})`);
}

function runCheck(check: CheckName, context: CheckContext, inputs: Inputs, plan: Plan): Promise<CheckOutcome> {
  const runner = (): ToolRunner => plan.runners.get(check) as ToolRunner;
  switch (check) {
    case 'prettier':
      return runPrettier(context, runner());
    case 'eslint':
      return runEslint(context, runner());
    case 'typescript':
      return runTypescript(context, runner(), plan.tsconfig as string);
    case 'line-length':
      return runLineLength(context, inputs.maxLineLength, inputs.lineLengthInclude);
  }
}

/** Crashes first (they void a check's result), then the findings; the kit caps how many GitHub is sent. */
export function annotations(results: readonly CheckResult[]): AnnotationItem[] {
  const crashes = results
    .filter((r) => r.status === 'crashed')
    .map((r): AnnotationItem => ({
      level: 'error',
      message: `${r.check} crashed; its result is unknown, not clean.\n${r.detail ?? ''}`,
      properties: { title: `${r.check} crashed` },
    }));
  const findings = results
    .flatMap((r) => r.findings)
    .map((finding): AnnotationItem => {
      const properties: core.AnnotationProperties = {
        title: annotationTitle(finding),
        file: finding.file,
        startLine: finding.line,
      };
      if (finding.column !== undefined) properties.startColumn = finding.column;
      return { level: finding.severity, message: finding.message, properties };
    });
  return [...crashes, ...findings];
}
