/**
 * The security action: run the selected scanners, normalise and de-duplicate
 * their findings, apply the allow-list and the severity gate, write one SARIF
 * file, the outputs and the job summary, then pass or fail the step.
 */
import * as core from '@actions/core';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  describeError,
  ActionError,
  InputError,
  phase,
  plural,
  printable,
  printableLines,
  redact,
  setOutput,
  writeAnnotations,
  writeJsonFile,
  writeSummary,
  type AnnotationItem,
} from '@pipeline/action-kit';
import { applyAllowlist, parseAllowlist, todayUtc } from './allowlist.js';
import type { AllowlistEntry } from './allowlist.js';
import { dedupe } from './dedupe.js';
import { buildReport, failureMessage, incompleteReason, reportJson } from './gate.js';
import type { Report } from './gate.js';
import { getInputs } from './inputs.js';
import type { Inputs } from './inputs.js';
import type { ScanResult } from './model.js';
import { buildSarif } from './sarif.js';
import { defaultDeps, requireLockfile, runScanner, writeImageSbom } from './scanners.js';
import type { RunnerDeps } from './scanners.js';
import { buildSummary } from './summary.js';

async function loadAllowlist(file: string | undefined): Promise<AllowlistEntry[]> {
  if (!file) return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new ActionError(
      `Allow-list ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the allowlist input, a path relative to the workspace`,
    );
  }
  return parseAllowlist(text, file);
}

/** Fails on a SARIF path that cannot be written (EISDIR, ENAMETOOLONG, EACCES...) before any scanner runs, by the input's name. */
async function probeSarifFile(file: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await (await open(file, 'a')).close();
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('sarif-file', file, `a file path that can be written (writing it fails with ${code})`);
  }
}

/** Fails the step (by throwing) when the gate or, with fail-on-scanner-error, a scanner failed; the outputs are written either way. */
export async function main(deps: RunnerDeps = defaultDeps, now: Date = new Date()): Promise<void> {
  const inputs: Inputs = getInputs();
  const scrub = (text: string): string => redact(text, inputs.secrets);

  // Everything that can be checked before scanning is checked first: bad input fails fast.
  const entries = await phase('Check inputs and allow-list', async () => {
    if (inputs.scanners.includes('npm-audit')) requireLockfile(inputs.workingDirectory);
    await probeSarifFile(inputs.sarifFile);
    const loaded = await loadAllowlist(inputs.allowlist);
    core.info(
      `Scanners: ${inputs.scanners.join(', ')}; threshold ${inputs.severityThreshold}; ${plural(loaded.length, 'allow-list entry', 'allow-list entries')}.`,
    );
    return loaded;
  });

  const results: ScanResult[] = [];
  for (const scanner of inputs.scanners) {
    results.push(
      await phase(`Run ${scanner}`, async () => {
        const result = await runScanner(scanner, inputs, deps);
        // A scanner's stderr is not ours: its lines are printed inert and redacted.
        if (result.error) core.info(`${scanner}: scanner error: ${printableLines(scrub(result.error))}`);
        else
          core.info(
            `${scanner}: ${plural(result.findings.length, 'finding')} in ${Math.round(result.durationMs ?? 0)} ms`,
          );
        return result;
      }),
    );
  }

  const processingStarted = performance.now();
  const report = await phase('Normalise, de-duplicate, allow-list and gate', async () => {
    const merged = dedupe(results.flatMap((r) => r.findings));
    const allowlist = applyAllowlist(merged, entries, todayUtc(now));
    const built = buildReport(results, allowlist, {
      threshold: inputs.severityThreshold,
      failOnScannerError: inputs.failOnScannerError,
    });
    core.info(
      `${results.reduce((n, r) => n + r.findings.length, 0)} findings, ${merged.length} after de-duplication, ${allowlist.allowed.length} allow-listed; ` +
        `critical ${built.counts.critical}, high ${built.counts.high}, moderate ${built.counts.moderate}, low ${built.counts.low}.`,
    );
    return built;
  });

  const sbomFile = inputs.sbomFile;
  if (sbomFile) {
    await phase('Write the image SBOM (CycloneDX)', async () => {
      try {
        await mkdir(path.dirname(sbomFile), { recursive: true });
        const components = await writeImageSbom(inputs, deps);
        setOutput('sbom-file', sbomFile);
        core.info(`SBOM of ${inputs.image}: ${plural(components, 'component')} in ${printable(sbomFile)}`);
      } catch (error: unknown) {
        results.push({ scanner: 'trivy-image', findings: [], partial: `no SBOM written: ${describeError(error)}` });
      }
    });
  }

  await phase('Write SARIF', async () => {
    await writeJsonFile(inputs.sarifFile, buildSarif(report));
    core.info(`SARIF 2.1.0 written to ${printable(inputs.sarifFile)}`);
  });

  // Everything the action adds on top of the scanners (normalise, de-duplicate, gate, SARIF, summary text).
  const summary = scrub(buildSummary(report));
  report.processingMs = Math.round((performance.now() - processingStarted) * 10) / 10;

  setOutput('passed', report.passed);
  setOutput('critical', report.counts.critical);
  setOutput('high', report.counts.high);
  setOutput('moderate', report.counts.moderate);
  setOutput('low', report.counts.low);
  setOutput('sarif-file', inputs.sarifFile);
  setOutput('report', scrub(reportJson(report)));
  const notScanned = incompleteReason(results, inputs.failOnScannerError);
  // The local runner (and a careful caller) reads this: the scan passed only for what really ran.
  setOutput('incomplete', scrub(notScanned));
  if (notScanned) core.warning(scrub(`Incomplete scan: ${notScanned}`));

  writeAnnotations(
    annotations(report, inputs.failOnScannerError).map((a) => ({ ...a, message: scrub(a.message) })),
    { seeAlso: 'the job summary, the SARIF file and the report output' },
  );
  await writeSummary(summary);

  const problems: string[] = [];
  const gate = failureMessage(report);
  if (gate) problems.push(gate);
  if (inputs.failOnScannerError && report.scannerErrors.length > 0) {
    problems.push(
      `${plural(report.scannerErrors.length, 'scanner error')}: ${report.scannerErrors.map((e) => `${e.scanner}: ${e.message}`).join('; ')} (set fail-on-scanner-error: false to only warn)`,
    );
  }
  if (problems.length > 0) throw new ActionError(scrub(problems.join('. ')));
}

/** Blocking findings as errors; expired allow-list entries, and scanner errors that do not fail the step, as warnings. */
export function annotations(report: Report, failOnScannerError: boolean): AnnotationItem[] {
  const items: AnnotationItem[] = report.findings
    .filter((f) => f.blocking)
    .map((finding) => {
      const target =
        finding.kind === 'vulnerability'
          ? `${finding.package ?? '?'}${finding.installedVersion ? `@${finding.installedVersion}` : ''}`
          : finding.kind;
      const fix = finding.fixedVersions.length > 0 ? ` Fixed in ${finding.fixedVersions.join(', ')}.` : '';
      return {
        level: 'error',
        message: `${finding.title} (${target}).${fix} Reported by ${finding.scanners.join(', ')}.`,
        properties: {
          title: `${finding.severity}: ${finding.id}`,
          ...(finding.location ? { file: finding.location.path } : {}),
          ...(finding.location?.startLine ? { startLine: finding.location.startLine } : {}),
        },
      };
    });
  for (const expired of report.expiredAllowlist) {
    const what = `${expired.id}${expired.package ? ` (${expired.package})` : ''}`;
    items.push({
      level: 'warning',
      message: `Allow-list entry ${what} expired after ${expired.expires} and no longer applies (it covered ${plural(expired.matched, 'finding')}).`,
    });
  }
  if (!failOnScannerError)
    for (const error of report.scannerErrors)
      items.push({ level: 'warning', message: `${error.scanner}: ${error.message}` });
  return items;
}
