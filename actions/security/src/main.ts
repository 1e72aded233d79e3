/**
 * The security action: run the selected scanners, normalise and de-duplicate
 * their findings, apply the allow-list and the severity gate, write one SARIF
 * file, the outputs and the job summary, then pass or fail the step.
 */
import * as core from '@actions/core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ActionError, phase, redact, writeSummary } from '@pipeline/action-kit';
import { applyAllowlist, parseAllowlist, todayUtc } from './allowlist.js';
import type { AllowlistEntry } from './allowlist.js';
import { dedupe } from './dedupe.js';
import { buildReport, failureMessage, reportJson } from './gate.js';
import type { Report } from './gate.js';
import { getInputs } from './inputs.js';
import type { Inputs } from './inputs.js';
import type { ScanResult } from './model.js';
import { buildSarif } from './sarif.js';
import { defaultDeps, requireLockfile, runScanner } from './scanners.js';
import type { RunnerDeps } from './scanners.js';
import { buildSummary } from './summary.js';

const MAX_ANNOTATIONS = 20;

async function loadAllowlist(file: string | undefined): Promise<AllowlistEntry[]> {
  if (!file) return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new ActionError(`Allow-list ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the allowlist input, a path relative to the workspace`);
  }
  return parseAllowlist(text, file);
}

export async function main(deps: RunnerDeps = defaultDeps, now: Date = new Date()): Promise<Report> {
  const inputs: Inputs = getInputs();

  // Everything that can be checked before scanning is checked first: bad input fails fast.
  const entries = await phase('Check inputs and allow-list', async () => {
    if (inputs.scanners.includes('npm-audit')) requireLockfile(inputs.workingDirectory);
    const loaded = await loadAllowlist(inputs.allowlist);
    core.info(`Scanners: ${inputs.scanners.join(', ')}; threshold ${inputs.severityThreshold}; ${loaded.length} allow-list entr${loaded.length === 1 ? 'y' : 'ies'}.`);
    return loaded;
  });

  const results: ScanResult[] = [];
  for (const scanner of inputs.scanners) {
    results.push(
      await phase(`Run ${scanner}`, async () => {
        const result = await runScanner(scanner, inputs, deps);
        if (result.error) core.info(`${scanner}: scanner error: ${result.error}`);
        else core.info(`${scanner}: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} in ${Math.round(result.durationMs ?? 0)} ms`);
        return result;
      }),
    );
  }

  const processingStarted = performance.now();
  const report = await phase('Normalise, de-duplicate, allow-list and gate', async () => {
    const merged = dedupe(results.flatMap((r) => r.findings));
    const allowlist = applyAllowlist(merged, entries, todayUtc(now));
    const built = buildReport(results, allowlist, { threshold: inputs.severityThreshold, failOnScannerError: inputs.failOnScannerError });
    core.info(
      `${results.reduce((n, r) => n + r.findings.length, 0)} findings, ${merged.length} after de-duplication, ${allowlist.allowed.length} allow-listed; ` +
        `critical ${built.counts.critical}, high ${built.counts.high}, moderate ${built.counts.moderate}, low ${built.counts.low}.`,
    );
    return built;
  });

  await phase('Write SARIF', async () => {
    await mkdir(path.dirname(inputs.sarifFile), { recursive: true });
    await writeFile(inputs.sarifFile, `${JSON.stringify(buildSarif(report), null, 2)}\n`);
    core.info(`SARIF 2.1.0 written to ${inputs.sarifFile}`);
  });

  // Everything the action adds on top of the scanners (normalise, de-duplicate, gate, SARIF, summary text).
  const summary = redact(buildSummary(report), [inputs.snykToken]);
  report.processingMs = Math.round((performance.now() - processingStarted) * 10) / 10;

  core.setOutput('passed', String(report.passed));
  core.setOutput('critical', String(report.counts.critical));
  core.setOutput('high', String(report.counts.high));
  core.setOutput('moderate', String(report.counts.moderate));
  core.setOutput('low', String(report.counts.low));
  core.setOutput('sarif-file', inputs.sarifFile);
  core.setOutput('report', redact(reportJson(report), [inputs.snykToken]));

  for (const finding of report.findings.filter((f) => f.blocking).slice(0, MAX_ANNOTATIONS)) {
    const target = finding.kind === 'vulnerability' ? `${finding.package ?? '?'}${finding.installedVersion ? `@${finding.installedVersion}` : ''}` : finding.kind;
    const fix = finding.fixedVersions.length > 0 ? ` Fixed in ${finding.fixedVersions.join(', ')}.` : '';
    core.error(`${finding.title} (${target}).${fix} Reported by ${finding.scanners.join(', ')}.`, {
      title: `${finding.severity}: ${finding.id}`,
      ...(finding.location ? { file: finding.location.path } : {}),
      ...(finding.location?.startLine ? { startLine: finding.location.startLine } : {}),
    });
  }
  for (const expired of report.expiredAllowlist) {
    core.warning(`Allow-list entry ${expired.id}${expired.package ? ` (${expired.package})` : ''} expired after ${expired.expires} and no longer applies (it covered ${expired.matched} finding${expired.matched === 1 ? '' : 's'}).`);
  }
  if (!inputs.failOnScannerError) {
    for (const error of report.scannerErrors) core.warning(`${error.scanner}: ${error.message}`);
  }

  await writeSummary(summary);

  const problems: string[] = [];
  const gate = failureMessage(report);
  if (gate) problems.push(gate);
  if (inputs.failOnScannerError && report.scannerErrors.length > 0) {
    problems.push(`scanner error${report.scannerErrors.length === 1 ? '' : 's'}: ${report.scannerErrors.map((e) => `${e.scanner}: ${e.message}`).join('; ')} (set fail-on-scanner-error: false to only warn)`);
  }
  if (problems.length > 0) core.setFailed(redact(problems.join('. '), [inputs.snykToken]));
  return report;
}
