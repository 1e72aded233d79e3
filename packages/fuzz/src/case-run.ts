/**
 * One fuzz case: a fresh workspace and runner temp, the bundle run through
 * the kit's harness with the action.yml defaults, the target's base inputs
 * and (except for the baseline) one bad value, then every property checked
 * on what the run left behind.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';
import {
  bounded,
  excerpt,
  exitCode,
  namesInput,
  noCrash,
  noInjection,
  noSecretLeak,
  normaliseFailure,
  type Violation,
  type WrittenFile,
} from './properties.js';
import type { PlantedSecret } from './secrets.js';
import type { FuzzTarget, TargetContext } from './targets.js';
import type { FuzzValue } from './values.js';

export interface CaseReport {
  target: string;
  input: string;
  index: number;
  category: string;
  value: string;
  exitCode: number | null;
  durationMs: number;
  failure: string | undefined;
  /** The failure with scratch paths and numbers normalised, to compare with the baseline's. */
  failureKey: string;
  violations: Violation[];
  /** Violations the baseline run has too (reported once, by the baseline, not again by every case). */
  inherited: Violation[];
  /** Every violation, normalised: what the baseline's are compared with. */
  violationKeys: string[];
}

/** What every case of one campaign shares. */
export interface CaseSetting {
  target: FuzzTarget;
  ctx: TargetContext;
  base: Record<string, string>;
  campaignDir: string;
  /** A file a shell payload would create, and a directory nothing may be written to. */
  canary: string;
  outside: string;
  envSecret: string;
  planted: readonly PlantedSecret[];
}

/** The baseline's failure and violations, which a case is compared with, and the bound on a case's run. */
export interface BaselineFacts {
  failureKey: string;
  violations: ReadonlySet<string>;
  boundMs: number;
}

/**
 * The bound on one case: the target's, plus three times what the baseline
 * took. On a machine shared by many, everything is slower, the baseline too;
 * a hang (an hour's Retry-After, a registry that never answers) still
 * exceeds it by far.
 */
export function caseBound(target: FuzzTarget, baselineMs: number): number {
  return Math.round(target.boundMs + 3 * baselineMs);
}

async function filesUnder(root: string, out: WrittenFile[] = [], depth = 0): Promise<WrittenFile[]> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries) {
    const full = path.join(root, entry);
    const info = await lstat(full).catch(() => undefined);
    if (!info || info.isSymbolicLink()) continue;
    if (info.isDirectory() && depth < 12) await filesUnder(full, out, depth + 1);
    else if (info.isFile() && info.size <= 8_000_000) out.push({ path: full, text: await readFile(full, 'latin1') });
  }
  return out;
}

async function escapes(setting: CaseSetting): Promise<Violation[]> {
  const violations: Violation[] = [];
  if (existsSync(setting.canary))
    violations.push({ property: 'no-shell', detail: `a shell ran the payload (${setting.canary} exists)` });
  const outside = [
    ...(await readdir(setting.outside)),
    ...(existsSync(path.join(setting.campaignDir, 'outside-sibling.out')) ? ['../outside-sibling.out'] : []),
  ];
  if (outside.length > 0)
    violations.push({ property: 'confined-writes', detail: `wrote outside the workspace: ${outside.join(', ')}` });
  return violations;
}

async function cleanUp(setting: CaseSetting, scratch: string): Promise<void> {
  await rm(scratch, { recursive: true, force: true });
  await rm(setting.canary, { force: true });
  await rm(path.join(setting.campaignDir, 'outside-sibling.out'), { force: true });
  for (const entry of await readdir(setting.outside))
    await rm(path.join(setting.outside, entry), { recursive: true, force: true });
}

async function check(
  setting: CaseSetting,
  run: ActionRun,
  files: WrittenFile[],
  fuzzed: { input: string; value: FuzzValue } | undefined,
  baseline: BaselineFacts,
  normalise: (s?: string) => string,
): Promise<Violation[]> {
  return [
    ...exitCode(run, baseline.boundMs),
    ...noCrash(run),
    ...(fuzzed ? namesInput(run, fuzzed.input, baseline.failureKey, normalise, fuzzed.value.value) : []),
    ...noSecretLeak(run, files, [...setting.planted, ...(fuzzed?.value.secrets ?? [])]),
    ...noInjection(run),
    ...bounded(run, baseline.boundMs),
    ...(await escapes(setting)),
  ];
}

export async function runCase(
  setting: CaseSetting,
  index: number,
  fuzzed: { input: string; value: FuzzValue } | undefined,
  baseline: BaselineFacts,
): Promise<CaseReport> {
  const { target } = setting;
  const root = await mkdtemp(path.join(setting.campaignDir, 'case-'));
  const workspace = path.join(root, 'ws');
  const runnerTemp = path.join(root, 'rt');
  try {
    await mkdir(workspace);
    await mkdir(runnerTemp);
    await target.prepare?.(workspace, setting.ctx);
    const run = await runAction(target.dir, {
      inputs: fuzzed ? { ...setting.base, [fuzzed.input]: fuzzed.value.value } : setting.base,
      workspace,
      runnerTemp,
      env: {
        PATH: `${setting.ctx.fakeBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
        FUZZ_PLANTED_SECRET: setting.envSecret,
      },
      secrets: [setting.envSecret],
      timeoutMs: baseline.boundMs + 5_000,
    });
    const files = [...(await filesUnder(workspace)), ...(await filesUnder(runnerTemp))];
    const normalise = (s?: string): string => normaliseFailure(s, [root, setting.campaignDir]);
    const found = await check(setting, run, files, fuzzed, baseline, normalise);
    const violationKeys = found.map((v) => `${v.property}:${normalise(v.detail)}`);
    const inherited = found.filter((_, i) => baseline.violations.has(violationKeys[i] as string));
    return {
      target: target.name,
      input: fuzzed?.input ?? '(baseline)',
      index,
      category: fuzzed?.value.category ?? 'baseline',
      value: fuzzed ? excerpt(fuzzed.value.value, 300) : '',
      exitCode: run.exitCode,
      durationMs: Math.round(run.durationMs),
      failure: run.failure,
      failureKey: normalise(run.failure),
      violations: found.filter((v) => !inherited.includes(v)),
      inherited,
      violationKeys,
    };
  } finally {
    await cleanUp(setting, root);
  }
}
