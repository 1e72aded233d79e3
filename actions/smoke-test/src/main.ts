/**
 * actions/smoke-test: wait for readiness, run the checks, then (when asked)
 * a bounded load phase; gate on latency and error budgets; report.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import {
  ActionError,
  cell,
  describeError,
  phase,
  printableLines,
  redact,
  setOutput,
  writeJsonFile,
  runContext,
  writeAnnotations,
  writeSummary,
  type AnnotationItem,
} from '@pipeline/action-kit';
import { checkUrl, joinUrl } from '@pipeline/action-kit/checks';
import { formatServiceRef } from '@pipeline/action-kit/kube';
import { fetchSend, type Send } from './http.js';
import { getInputs, type Inputs, type ServiceTarget } from './inputs.js';
import type { LoadOptions, LoadResult, LoadTarget } from './load.js';
import {
  failureMessage,
  measureFromChecks,
  measureFromLoad,
  outputsOf,
  redactDeep,
  summaryMarkdown,
  targetLine,
  type Report,
} from './report.js';
import { mergeHeaders, runCheck, waitForReady, type CheckResult } from './runner.js';
import type { ServiceForward } from './service-forward.js';
import { evaluateBudgets, formatMs, summarize } from './stats.js';

/** The inputs once the target has a URL (the given one, or the port-forward's). */
export type ResolvedInputs = Inputs & { url: URL };

export interface SmokeDependencies {
  send: Send;
  runLoad: (options: LoadOptions) => Promise<LoadResult>;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Above this share of one core used by the tester, its own queueing may show in the latencies. */
const TESTER_SATURATED_PERCENT = 90;

/** Opens the port-forward to a Service (client-node loaded only here, so a url-only run never loads it). */
async function openService(target: ServiceTarget, log: (line: string) => void): Promise<ServiceForward> {
  const [{ clientCluster }, { openServiceForward }] = await Promise.all([
    import('./cluster-api.js'),
    import('./service-forward.js'),
  ]);
  return openServiceForward(target.ref, await clientCluster(target.kubeconfig.text), log);
}

export async function main(): Promise<void> {
  const inputs = getInputs();
  for (const notice of inputs.notices) core.notice(redact(notice, inputs.secrets), { title: 'Smoke test checks' });
  // A service may echo a header back: redact our own lines too, not only rely on the runner's masking.
  // Check names and answers come from the repository and the service: printed inert and redacted.
  const log = (line: string): void => core.info(printableLines(redact(line, inputs.secrets)));
  const forward = inputs.service ? await reachService(inputs.service, log) : undefined;
  let report: Report;
  try {
    const url = forward?.url ?? inputs.url;
    if (!url) throw new ActionError('No url and no service: nothing to test');
    report = await smokeTest(
      { ...inputs, url },
      { send: fetchSend, runLoad: async (options) => (await import('./load.js')).runLoad(options), log },
    );
    if (forward) report.target = forward.report();
  } finally {
    await forward?.close();
  }
  const safe = redactDeep(report, inputs.secrets);
  if (safe.target) core.info(targetLine(safe.target));

  const json = JSON.stringify(safe);
  for (const [name, value] of Object.entries(outputsOf(safe))) core.setOutput(name, value);
  core.setOutput('report', json);
  const file = path.join(runContext().runnerTemp, 'smoke-test', 'report.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeJsonFile(file, safe);
  setOutput('report-file', file);
  await writeSummary(() => summaryMarkdown(safe));
  writeAnnotations(annotations(safe), { seeAlso: 'the job summary and the report' });

  const failure = failureMessage(safe);
  if (failure) throw new ActionError(failure);
  core.info(
    `Smoke test passed: ${safe.checksPassed} check(s)${safe.measured.latency ? `, p95 ${formatMs(safe.measured.latency.p95Ms)} ms over ${safe.measured.requests} ${safe.measured.source} requests` : ''}.`,
  );
}

/** The port-forward, or a failed step that says what is missing (no Service, no ready pod, no such port). */
async function reachService(target: ServiceTarget, log: (line: string) => void): Promise<ServiceForward> {
  try {
    return await phase(`Reach Service ${formatServiceRef(target.ref)} through the API server`, () =>
      openService(target, log),
    );
  } catch (error: unknown) {
    const why = redact(describeError(error));
    core.setOutput('passed', 'false');
    await writeSummary(
      () =>
        `## ❌ Smoke test failed: Service ${cell(formatServiceRef(target.ref))} could not be reached\n\n> ${cell(why)}\n`,
    );
    throw new ActionError(
      `Smoke test failed: Service ${formatServiceRef(target.ref)} could not be reached through the API server: ${why}`,
    );
  }
}

/** Failed checks and exceeded budgets as errors; a saturated load generator as a warning. */
export function annotations(report: Report): AnnotationItem[] {
  const items: AnnotationItem[] = report.checks
    .filter((check) => !check.passed)
    .map((check) => ({
      level: 'error',
      message: check.failures.join('\n'),
      properties: { title: `Smoke check "${check.name}" failed (${check.method} ${check.url})` },
    }));
  for (const violation of report.budgets.violations)
    items.push({ level: 'error', message: violation, properties: { title: 'Smoke test budget exceeded' } });
  if (report.load && 'testerCpuPercent' in report.load && report.load.testerCpuPercent >= TESTER_SATURATED_PERCENT) {
    items.push({
      level: 'warning',
      message: `The load generator itself used ${report.load.testerCpuPercent}% of a CPU core: it may have been the bottleneck, so the latencies are an upper bound. Lower load-concurrency or load-rate, or run on a larger runner.`,
      properties: { title: 'Smoke test load generator saturated' },
    });
  }
  return items;
}

/** Runs every phase and returns the (unredacted) report; never throws for a failing service, only for a bug. */
export async function smokeTest(inputs: ResolvedInputs, deps: SmokeDependencies): Promise<Report> {
  const report: Report = {
    passed: false,
    url: inputs.url.href,
    checksSource: inputs.checksSource,
    ready: null,
    checksPassed: 0,
    checksFailed: 0,
    checks: [],
    load: null,
    measured: { source: 'checks', requests: 0, errors: 0, errorRate: 0, latency: null },
    budgets: { ...budgetsOf(inputs), violations: [] },
  };

  if (inputs.waitForReady !== undefined) {
    report.ready = await readyPhase(inputs.waitForReady, inputs, deps);
    if (!report.ready.ready) {
      report.load =
        inputs.loadDurationMs !== undefined || inputs.loadRequests !== undefined
          ? { skipped: 'the service never became ready' }
          : null;
      return finish(report, inputs);
    }
  }

  report.checks = await checksPhase(inputs, deps);
  report.checksPassed = report.checks.filter((c) => c.passed).length;
  report.checksFailed = report.checks.length - report.checksPassed;
  report.measured = measureFromChecks(report.checks, summarize);

  const wantsLoad = inputs.loadDurationMs !== undefined || inputs.loadRequests !== undefined;
  if (wantsLoad && report.checksFailed > 0) {
    report.load = {
      skipped: `${report.checksFailed} check(s) failed; the load phase only runs against a service that passes its checks`,
    };
  } else if (wantsLoad) {
    const load = await loadPhase(inputs, deps);
    report.load = load;
    report.measured = measureFromLoad(load);
  }
  return finish(report, inputs);
}

function readyPhase(
  readyPath: string,
  inputs: ResolvedInputs,
  deps: SmokeDependencies,
): Promise<NonNullable<Report['ready']>> {
  const log = deps.log;
  return phase(`Wait for ${readyPath} to answer 2xx (up to ${Math.round(inputs.timeoutMs / 1000)}s)`, async () => {
    try {
      const ready = await waitForReady({
        url: joinUrl(inputs.url, readyPath).href,
        headers: inputs.headers,
        timeoutMs: inputs.timeoutMs,
        requestTimeoutMs: inputs.requestTimeoutMs,
        send: deps.send,
        log,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      });
      log(`ready: ${ready.status} after ${ready.polls} poll(s), ${formatMs(ready.elapsedMs)} ms`);
      return { path: readyPath, ready: true, polls: ready.polls, elapsedMs: Math.round(ready.elapsedMs) };
    } catch (error: unknown) {
      if (!(error instanceof ActionError)) throw error;
      log(error.message);
      return { path: readyPath, ready: false, error: error.message };
    }
  });
}

function checksPhase(inputs: ResolvedInputs, deps: SmokeDependencies): Promise<CheckResult[]> {
  const log = deps.log;
  return phase(`Run ${inputs.checks.length} check(s)`, async () => {
    const results: CheckResult[] = [];
    for (const check of inputs.checks) {
      const result = await runCheck(check, {
        baseUrl: inputs.url,
        ...(inputs.prometheusUrl ? { prometheusUrl: inputs.prometheusUrl } : {}),
        headers: inputs.headers,
        retries: inputs.retries,
        requestTimeoutMs: inputs.requestTimeoutMs,
        send: deps.send,
        log,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      });
      const time = result.durationMs === undefined ? '' : ` in ${formatMs(result.durationMs)} ms`;
      log(
        `${result.passed ? 'PASS' : 'FAIL'} ${check.name}: ${check.method} ${result.url} -> ${result.status ?? 'no response'}${time} (${result.attempts} attempt(s))`,
      );
      for (const failure of result.failures) log(`    ${failure}`);
      results.push(result);
    }
    return results;
  });
}

function loadPhase(inputs: ResolvedInputs, deps: SmokeDependencies): Promise<LoadResult> {
  const log = deps.log;
  return phase('Load phase', async () => {
    const options = loadOptions(inputs);
    const bounds = [
      inputs.loadDurationMs !== undefined ? `${formatMs(inputs.loadDurationMs / 1000)} s` : '',
      inputs.loadRequests !== undefined ? `${inputs.loadRequests} requests` : '',
    ]
      .filter(Boolean)
      .join(' or ');
    log(
      `${options.targets.length} request(s) replayed round-robin, ${options.concurrency} connection(s), ${options.ratePerSecond ? `fixed rate ${options.ratePerSecond} req/s` : 'closed loop'}, until ${bounds}`,
    );
    const result = await deps.runLoad(options);
    const l = result.latency;
    log(
      `${result.requests} requests, ${result.errors} errors, ${result.requestsPerSecond} req/s${l ? `; p50 ${formatMs(l.p50Ms)} ms, p95 ${formatMs(l.p95Ms)} ms, p99 ${formatMs(l.p99Ms)} ms, max ${formatMs(l.maxMs)} ms` : ''}`,
    );
    for (const [kind, count] of Object.entries(result.errorKinds))
      log(`  ${kind}: ${count}${result.errorSamples[kind] ? ` (${result.errorSamples[kind]})` : ''}`);
    return result;
  });
}

function finish(report: Report, inputs: ResolvedInputs): Report {
  if (report.ready === null || report.ready.ready) {
    report.budgets.violations = evaluateBudgets(
      {
        requests: report.measured.requests,
        errors: report.measured.errors,
        latency: report.measured.latency ?? undefined,
      },
      budgetsOf(inputs),
      report.measured.source === 'load' ? 'load phase' : 'check request',
    );
  }
  report.passed =
    (report.ready === null || report.ready.ready) &&
    report.checksFailed === 0 &&
    report.budgets.violations.length === 0;
  return report;
}

function budgetsOf(inputs: Inputs): { maxP95Ms?: number; maxErrorRate?: number } {
  const budgets: { maxP95Ms?: number; maxErrorRate?: number } = {};
  if (inputs.maxP95Ms !== undefined) budgets.maxP95Ms = inputs.maxP95Ms;
  if (inputs.maxErrorRate !== undefined) budgets.maxErrorRate = inputs.maxErrorRate;
  return budgets;
}

/** The load phase replays every check with `load` left true, against the url's origin. */
export function loadOptions(inputs: ResolvedInputs): LoadOptions {
  const targets: LoadTarget[] = inputs.checks
    .filter((check) => check.load)
    .map((check) => {
      const url = checkUrl(inputs.url, check);
      const target: LoadTarget = {
        name: check.name,
        method: check.method,
        path: `${url.pathname}${url.search}`,
        headers: mergeHeaders(inputs.headers, check.headers),
        status: check.status,
        graphqlNoErrors: check.graphql !== undefined && !check.allowErrors,
      };
      if (check.body !== undefined) target.body = check.body;
      return target;
    });
  const options: LoadOptions = {
    origin: inputs.url.origin,
    targets,
    concurrency: inputs.loadConcurrency,
    requestTimeoutMs: inputs.requestTimeoutMs,
  };
  if (inputs.loadDurationMs !== undefined) options.durationMs = inputs.loadDurationMs;
  if (inputs.loadRequests !== undefined) options.requests = inputs.loadRequests;
  if (inputs.loadRate !== undefined) options.ratePerSecond = inputs.loadRate;
  return options;
}
