/**
 * npm run pipeline [-- <path-to-repo>] [options]
 *
 * Runs the repository's workflow that calls this library's
 * .github/workflows/pipeline.yml (default: this repository's own caller for
 * example-service) and writes reports/pipeline/report.{md,html,json}.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { criticalPath } from './critical-path.js';
import { writeReport, seconds } from './report.js';
import { NotTriggeredError, parsePrNumber } from './run-plan.js';
import { runPipeline } from './runner.js';
import type { RunReport } from './runner.js';

/** Exit code of a run the caller's on: would not trigger (nothing ran). */
const NOT_TRIGGERED = 4;
import { initMain } from './init/cli.js';

const USAGE = `Usage: npm run pipeline -- [<path-to-repo>] [options]

Runs <path-to-repo>'s workflow that calls <owner>/<repo>/.github/workflows/pipeline.yml@<ref>
(or ./.github/workflows/pipeline.yml) with this checkout as the library, as GitHub would.
Default repository: this one (its caller for example-service).

       npm run pipeline -- init <path-to-repo> [--namespace-prefix <prefix>]
         writes a caller workflow and, where missing, a Dockerfile, manifests and smoke-checks.yml

Options:
  --ref <ref>               branch, tag, remote branch or commit to run, from a clean checkout of its
                            commit (default: the checked-out branch's commit); fails when it does not exist
  --working-tree            run the working tree with its uncommitted changes instead (the checked-out branch)
  --event <name>            push (default), pull_request, workflow_dispatch, ...
  --pr <n>                  pull_request: the number, GITHUB_REF refs/pull/<n>/merge (default 1); --ref is the head
  --base <branch>           pull_request: the base branch (default: origin/HEAD, else main or master)
  --force                   run even when the caller's on: filters would not trigger the event (labelled as forced)
  --workflow <file>         the caller workflow when several call the pipeline
  --library-ref <ref>       library commit/branch/tag instead of the caller's @ref (an @vX without a local tag
                            vX or vX.Y.Z needs it); 'worktree' for the library's uncommitted files
  --input name=value        override a pipeline input (repeatable), e.g. --input stages=quality,test
  --secret NAME=value       a secret (repeatable); unset *KUBECONFIG secrets get the local cluster's
  --secret-file NAME=path   a secret read from a file (repeatable), e.g. a kubeconfig
  --var NAME=value          a configuration variable (repeatable)
  --report-dir <dir>        where to write the report (default: <library>/reports/pipeline)
  --no-provision            do not start PostgreSQL/Redis, the Kubernetes cluster or the service
  --kwok-only               no real node: deploys go to kwok nodes (pods simulated), and the smoke
                            tests run the deployed image with docker run (default: a real node
                            whenever the container engine is available)
  --no-install              never install system packages (apt-get); a missing one fails, named with why
  --fresh-cluster           delete the local Kubernetes cluster first (it persists between runs otherwise)
  --verbose                 print every step's output
  --help

Exit codes: 0 success, 1 a job failed, 2 usage or workflow error (a missing --ref...),
3 incomplete (nothing failed, not everything ran here), 4 not triggered (the caller's on: filters
do not start the workflow for this event; nothing ran; --force runs it).`;

function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} expects NAME=value, got '${item}'`);
    result[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return result;
}

async function readSecretFiles(files: Record<string, string>): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  for (const [name, file] of Object.entries(files)) {
    try {
      secrets[name] = await readFile(path.resolve(process.env['INIT_CWD'] ?? process.cwd(), file), 'utf8');
    } catch (error) {
      throw new Error(`--secret-file ${name}=${file}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  return secrets;
}

async function main(): Promise<number> {
  if (process.argv[2] === 'init') return initMain(process.argv.slice(3));
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ref: { type: 'string' },
      event: { type: 'string' },
      workflow: { type: 'string' },
      'library-ref': { type: 'string' },
      input: { type: 'string', multiple: true },
      secret: { type: 'string', multiple: true },
      'secret-file': { type: 'string', multiple: true },
      var: { type: 'string', multiple: true },
      'report-dir': { type: 'string' },
      'no-provision': { type: 'boolean' },
      'kwok-only': { type: 'boolean' },
      'working-tree': { type: 'boolean' },
      pr: { type: 'string' },
      base: { type: 'string' },
      force: { type: 'boolean' },
      'no-install': { type: 'boolean' },
      'fresh-cluster': { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new Error(`expected at most one repository path, got ${positionals.join(' ')}`);
  const library = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const repo = path.resolve(process.env['INIT_CWD'] ?? process.cwd(), positionals[0] ?? library);
  const reportDir = path.resolve(values['report-dir'] ?? path.join(library, 'reports/pipeline'));
  // Deviations a local run needs, applied only when the user did not set the input, and reported.
  const inputs = pairs(values.input, '--input');
  const localDefaults: string[] = [];
  if (inputs['fail-on-scanner-error'] === undefined) {
    inputs['fail-on-scanner-error'] = 'false';
    localDefaults.push(
      "fail-on-scanner-error=false: the npm registry reachable here does not serve npm audit's bulk advisory endpoint and Trivy's database cannot be downloaded, so scanner errors are warnings locally (override with --input fail-on-scanner-error=true)",
    );
  }
  const report = await runPipeline({
    repo,
    library,
    reportDir,
    ...(values.workflow ? { workflow: values.workflow } : {}),
    ...(values['library-ref'] ? { libraryRef: values['library-ref'] } : {}),
    ...(values.ref ? { ref: values.ref } : {}),
    ...(values.event ? { event: values.event } : {}),
    inputs,
    secrets: {
      ...pairs(values.secret, '--secret'),
      ...(await readSecretFiles(pairs(values['secret-file'], '--secret-file'))),
    },
    vars: pairs(values.var, '--var'),
    provision: !values['no-provision'],
    kwokOnly: values['kwok-only'] ?? false,
    workingTree: values['working-tree'] ?? false,
    force: values.force ?? false,
    install: !values['no-install'],
    freshCluster: values['fresh-cluster'] ?? false,
    ...(values.pr !== undefined ? { prNumber: parsePrNumber(values.pr) } : {}),
    ...(values.base !== undefined ? { base: values.base } : {}),
    verbose: values.verbose ?? false,
  });
  report.notes.push(...localDefaults.map((d) => `Local default: ${d}.`));
  const files = await writeReport(report, reportDir);
  printSummary(report, files);
  // 3: nothing failed, but the run does not prove everything (docs/local-runs.md); 2 is a usage or workflow error, 4 not triggered.
  return report.status === 'success' ? 0 : report.status === 'incomplete' ? 3 : 1;
}

function printSummary(report: RunReport, files: { markdown: string; html: string }): void {
  console.log('');
  for (const job of report.jobs)
    console.log(
      `${job.status.padEnd(10)} ${seconds(job.durationMs).padStart(8)}  ${job.path}${job.reason ? `  (${job.reason})` : ''}`,
    );
  const critical = criticalPath(report.jobs);
  console.log(
    `\npipeline ${report.status} in ${seconds(report.durationMs)} (jobs one after another; sum of job times ${seconds(critical.sequentialMs)})`,
  );
  console.log(
    `critical path on GitHub: ${seconds(critical.durationMs)} (${critical.chain.join(' → ') || 'no job ran'})`,
  );
  if (report.trigger?.forced) console.log(`FORCED (--force): GitHub would not run this: ${report.trigger.detail}`);
  if (report.status === 'incomplete') {
    const partly = report.jobs.flatMap((j) => j.steps.filter((s) => s.incomplete).map((s) => `${j.path}: ${s.name}`));
    console.log(`incomplete: not everything asked for ran here (${partly.join('; ')}); see docs/local-runs.md`);
  }
  console.log(`report: ${files.markdown}\n        ${files.html}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof NotTriggeredError) {
      console.log(`pipeline: not triggered: ${error.message}`);
      process.exit(NOT_TRIGGERED);
    }
    console.error(`pipeline: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
