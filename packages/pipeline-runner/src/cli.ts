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
import { runPipeline } from './runner.js';
import { initMain } from './init/cli.js';

const USAGE = `Usage: npm run pipeline -- [<path-to-repo>] [options]

Runs <path-to-repo>'s workflow that calls <owner>/<repo>/.github/workflows/pipeline.yml@<ref>
(or ./.github/workflows/pipeline.yml) with this checkout as the library, as GitHub would.
Default repository: this one (its caller for example-service).

       npm run pipeline -- init <path-to-repo> [--namespace-prefix <prefix>]
         writes a caller workflow and, where missing, a Dockerfile, manifests and smoke-checks.yml

Options:
  --ref <branch|ref>        branch or ref to simulate (default: the repository's current branch)
  --event <name>            event name (default: push)
  --workflow <file>         the caller workflow when several call the pipeline
  --library-ref <ref>       library commit/branch/tag instead of the caller's @ref; 'worktree' for uncommitted files
  --input name=value        override a pipeline input (repeatable), e.g. --input stages=quality,test
  --secret NAME=value       a secret (repeatable); unset *KUBECONFIG secrets get the local cluster's
  --secret-file NAME=path   a secret read from a file (repeatable), e.g. a kubeconfig
  --var NAME=value          a configuration variable (repeatable)
  --report-dir <dir>        where to write the report (default: <library>/reports/pipeline)
  --no-provision            do not start PostgreSQL/Redis, the Kubernetes cluster or the service
  --verbose                 print every step's output
  --help`;

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
    verbose: values.verbose ?? false,
  });
  report.notes.push(...localDefaults.map((d) => `Local default: ${d}.`));
  const files = await writeReport(report, reportDir);
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
  if (report.status === 'incomplete') {
    const partly = report.jobs.flatMap((j) => j.steps.filter((s) => s.incomplete).map((s) => `${j.path}: ${s.name}`));
    console.log(`incomplete: not everything asked for ran here (${partly.join('; ')}); see docs/local-runs.md`);
  }
  console.log(`report: ${files.markdown}\n        ${files.html}`);
  // 3: nothing failed, but the run does not prove everything (docs/local-runs.md); 2 is a usage or workflow error.
  return report.status === 'success' ? 0 : report.status === 'incomplete' ? 3 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`pipeline: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
