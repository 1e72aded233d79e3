/**
 * The CI campaign for one action: seeded (FUZZ_SEED, default fixed) and
 * bounded (FUZZ_RUNS cases per input, default 2), one test per action.yml
 * input plus one for the baseline run. `npm run fuzz` runs the longer one.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describeCase, startCampaign, startServers, target, type Campaign, type FuzzServers } from '../../src/index.js';

export const SEED = Number(process.env['FUZZ_SEED'] ?? 20261201);
export const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2);

export function fuzzSuite(name: string): void {
  const fuzzTarget = target(name);
  const manifest = parse(readFileSync(path.join(fuzzTarget.dir, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, unknown>;
  };
  const inputs = Object.keys(manifest.inputs ?? {});
  let servers: FuzzServers;
  let campaign: Campaign;
  let baselineRequests: string[] = [];

  beforeAll(
    async () => {
      servers = await startServers();
      campaign = await startCampaign(fuzzTarget, servers, SEED);
      baselineRequests = [...servers.requests];
    },
    2 * fuzzTarget.boundMs + 30_000,
  );
  afterAll(async () => {
    await campaign?.close();
    await servers?.close();
  });

  it('the baseline (action.yml defaults and the base inputs) reaches past input parsing and holds every property', () => {
    if (fuzzTarget.baselineRequest)
      expect(baselineRequests.some((r) => fuzzTarget.baselineRequest?.test(r))).toBe(true);
    const { baseline } = campaign;
    if (baseline.violations.length > 0) throw new Error(describeCase(baseline, SEED, RUNS));
  });

  it.each(inputs)(
    `%s: ${RUNS} malformed values (seed ${SEED}) hold every property`,
    async (input) => {
      const reports = await campaign.fuzzInput(input, RUNS);
      expect(reports).toHaveLength(RUNS);
      const broken = reports.filter((r) => r.violations.length > 0);
      if (broken.length > 0) throw new Error(broken.map((r) => describeCase(r, SEED, RUNS)).join('\n\n'));
    },
    // A case is killed at its bound (caseBound: the target's plus three baselines) plus 5 s.
    RUNS * (4 * fuzzTarget.boundMs + 60_000),
  );
}
