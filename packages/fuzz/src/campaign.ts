/**
 * One fuzz campaign: for each input of an action, `runs` values drawn by
 * fast-check from a seed derived from (seed, action, input), each run as a
 * case (case-run.ts). A case is fully reproduced by the seed, the number of
 * runs, the action and the input.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { readActionManifest } from '@pipeline/action-kit/testing';
import { caseBound, runCase, type BaselineFacts, type CaseReport, type CaseSetting } from './case-run.js';
import { kindValues } from './kind-values.js';
import { excerpt } from './properties.js';
import type { FuzzServers } from './servers.js';
import { secretLabels, type FuzzTarget, type TargetContext } from './targets.js';
import { generalValues, type FuzzValue, type InputKind, type ValueContext } from './values.js';

export type { CaseReport } from './case-run.js';

export interface Campaign {
  target: FuzzTarget;
  seed: number;
  /** The baseline run (no bad value): its own violations, and its failure the others are compared with. */
  baseline: CaseReport;
  inputs: string[];
  /** Runs one input's cases, in order. */
  fuzzInput(input: string, runs: number, onCase?: (report: CaseReport) => void): Promise<CaseReport[]>;
  close(): Promise<void>;
}

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The seed of one input's stream: the run's seed mixed with the action and input names. */
export function inputSeed(seed: number, target: string, input: string): number {
  return Number.parseInt(hash(`${seed}:${target}:${input}`).slice(0, 8), 16) | 0;
}

/** A planted secret: reproducible from the seed, unlike anything an action prints by itself. */
export function plantedSecret(seed: number, label: string): string {
  const body = Buffer.from(hash(`secret:${seed}:${label}`), 'hex')
    .toString('base64')
    .replace(/[+/=]/g, '');
  const prefix = label === 'slack-token' ? 'xoxb-' : 'Fz';
  return `${prefix}${body.slice(0, 22)}+/${body.slice(22, 28)}`;
}

/**
 * The values for one input: even cases from its kind's own hostile values
 * (when it has any), odd ones from the general mix, so that even a short CI
 * campaign tries both.
 */
export function drawValues(
  kind: InputKind,
  ctx: ValueContext,
  { seed, runs }: { seed: number; runs: number },
): FuzzValue[] {
  const own = kindValues(kind, ctx);
  if (!own) return fc.sample(generalValues(ctx), { seed, numRuns: runs });
  const ownValues = fc.sample(own, { seed, numRuns: Math.ceil(runs / 2) });
  const general =
    runs > 1 ? fc.sample(generalValues(ctx), { seed: seed ^ 0x5bd1e995, numRuns: Math.floor(runs / 2) }) : [];
  return Array.from({ length: runs }, (_, i) => (i % 2 === 0 ? ownValues[i / 2] : general[(i - 1) / 2]) as FuzzValue);
}

async function setUp(target: FuzzTarget, servers: FuzzServers, seed: number): Promise<CaseSetting> {
  const campaignDir = await mkdtemp(path.join(tmpdir(), `fuzz-${target.name}-`));
  const ctx: TargetContext = {
    servers,
    secret: (label) => plantedSecret(seed, label),
    fakeBin: path.join(campaignDir, 'bin'),
  };
  const setting: CaseSetting = {
    target,
    ctx,
    base: target.base(ctx),
    campaignDir,
    canary: path.join(campaignDir, 'canary-shell-ran'),
    outside: path.join(campaignDir, 'outside'),
    envSecret: plantedSecret(seed, 'env'),
    planted: [...secretLabels(ctx, target.planted), { label: 'env', value: plantedSecret(seed, 'env') }],
  };
  await mkdir(ctx.fakeBin);
  await mkdir(setting.outside);
  return setting;
}

export async function startCampaign(target: FuzzTarget, servers: FuzzServers, seed: number): Promise<Campaign> {
  const setting = await setUp(target, servers, seed);
  const manifest = await readActionManifest(target.dir);
  const first = { failureKey: '', violations: new Set<string>(), boundMs: 2 * target.boundMs };
  const baseline = await runCase(setting, 0, undefined, first);
  const facts: BaselineFacts = {
    failureKey: baseline.failureKey,
    violations: new Set(baseline.violationKeys),
    boundMs: caseBound(target, baseline.durationMs),
  };
  return {
    target,
    seed,
    baseline,
    inputs: Object.keys(manifest.inputs ?? {}),
    async fuzzInput(input, runs, onCase) {
      const valid = target.valid[input] ?? setting.base[input] ?? manifest.inputs?.[input]?.default ?? '';
      const ctx: ValueContext = { servers, canary: setting.canary, outside: setting.outside, valid: String(valid) };
      const values = drawValues(target.kinds[input] ?? 'text', ctx, {
        seed: inputSeed(seed, target.name, input),
        runs,
      });
      const reports: CaseReport[] = [];
      for (const [index, value] of values.entries()) {
        const report = await runCase(setting, index, { input, value }, facts);
        onCase?.(report);
        reports.push(report);
      }
      return reports;
    },
    close: () => rm(setting.campaignDir, { recursive: true, force: true }),
  };
}

/** One broken case, as a failure message: enough to see what broke and to run it again. */
export function describeCase(report: CaseReport, seed: number, runs: number): string {
  const failure = report.failure === undefined ? '(none)' : excerpt(report.failure);
  const reproduce =
    report.category === 'baseline'
      ? `npm run fuzz -- --target ${report.target} --runs 0 (the baseline: action.yml defaults and the target's base inputs)`
      : `npm run fuzz -- --seed ${seed} --runs ${runs} --target ${report.target} --input ${report.input}`;
  return [
    `[${report.target}] input '${report.input}' case ${report.index} (seed ${seed}, ${report.category}): value ${report.value}`,
    `  exit ${String(report.exitCode)} after ${report.durationMs} ms; failure: ${failure}`,
    ...report.violations.map((v) => `  broken: ${v.property}: ${v.detail}`),
    `  reproduce: ${reproduce}`,
  ].join('\n');
}
