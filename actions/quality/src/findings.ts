import { plural } from '@pipeline/action-kit';
import type { CheckName, FailOn } from './inputs.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  tool: CheckName;
  /** Path relative to the workspace, with forward slashes. */
  file: string;
  line: number;
  column?: number;
  rule?: string;
  severity: Severity;
  message: string;
}

/** `noted`: findings that do not fail the step under fail-on (warnings with fail-on: error, anything with never). */
export type CheckStatus = 'passed' | 'failed' | 'noted' | 'crashed' | 'skipped';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  findings: Finding[];
  durationMs: number;
  /** Why a check crashed or was skipped. */
  detail?: string;
}

/** What a check reports; the caller adds which check it was and how long it took. */
export type CheckOutcome = Omit<CheckResult, 'check' | 'durationMs'>;

export interface Totals {
  errors: number;
  warnings: number;
}

export function count(findings: readonly Finding[]): Totals {
  let errors = 0;
  let warnings = 0;
  for (const finding of findings) {
    if (finding.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** The status a finished (non-crashed) check gets from its findings. */
export function statusOf(findings: readonly Finding[]): CheckStatus {
  return findings.length === 0 ? 'passed' : 'failed';
}

function failsGate(totals: Totals, failOn: FailOn): boolean {
  return failOn === 'error' ? totals.errors > 0 : failOn === 'warning' ? totals.errors + totals.warnings > 0 : false;
}

/** A check's status under the gate, so that no row says failed under a summary that says passed. */
export function gatedStatus(result: Pick<CheckResult, 'status' | 'findings'>, failOn: FailOn): CheckStatus {
  if (result.status !== 'failed' && result.status !== 'passed') return result.status;
  if (result.findings.length === 0) return 'passed';
  return failsGate(count(result.findings), failOn) ? 'failed' : 'noted';
}

export interface Verdict extends Totals {
  passed: boolean;
  crashed: CheckName[];
  reason: string;
}

/** Applies the fail-on gate. A crashed tool always fails: "0 findings" from a crash would be a lie. */
export function evaluateGate(results: readonly CheckResult[], failOn: FailOn): Verdict {
  const totals = count(results.flatMap((r) => r.findings));
  const crashed = results.filter((r) => r.status === 'crashed').map((r) => r.check);
  const findingsFail = failsGate(totals, failOn);
  const passed = crashed.length === 0 && !findingsFail;
  const parts: string[] = [];
  if (crashed.length > 0) parts.push(`${crashed.join(', ')} crashed`);
  if (findingsFail)
    parts.push(`${plural(totals.errors, 'error')} and ${plural(totals.warnings, 'warning')} (fail-on: ${failOn})`);
  return { ...totals, passed, crashed, reason: passed ? 'passed' : parts.join('; ') };
}
