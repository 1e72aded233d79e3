/**
 * `npm run fuzz`: the longer campaign. Options: --seed N (default a random
 * one, printed first so the run can be repeated), --runs N cases per input
 * (default 20; 0 runs only each action's baseline), --target NAME and --input NAME (repeatable) to narrow it,
 * --json FILE to keep every case. Exits 1 when any case broke a property.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeCase, startCampaign, type CaseReport } from './campaign.js';
import { startServers } from './servers.js';
import { formatTally, tally } from './summary.js';
import { TARGETS, target } from './targets.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '20' },
    target: { type: 'string', multiple: true },
    input: { type: 'string', multiple: true },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const runs = Number(values.runs);
if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(runs) || runs < 0) {
  console.error(`--seed and --runs take whole numbers (got seed ${values.seed}, runs ${values.runs})`);
  process.exit(2);
}
console.log(`fuzz seed ${seed}, ${runs} cases per input (repeat with --seed ${seed} --runs ${runs})`);

const targets = values.target ? values.target.map(target) : TARGETS;
const servers = await startServers();
const reports: CaseReport[] = [];
const show = (report: CaseReport): void => {
  reports.push(report);
  if (report.violations.length > 0) console.log(describeCase(report, seed, runs));
  else if (!values.quiet)
    console.log(
      `ok [${report.target}] ${report.input} #${report.index} ${report.category}: exit ${String(report.exitCode)}, ${report.durationMs} ms${report.failure ? `, ${report.failure.slice(0, 100)}` : ''}`,
    );
};
try {
  for (const t of targets) {
    const campaign = await startCampaign(t, servers, seed);
    try {
      show(campaign.baseline);
      const inputs = values.input ? campaign.inputs.filter((i) => values.input?.includes(i)) : campaign.inputs;
      for (const input of inputs) await campaign.fuzzInput(input, runs, show);
    } finally {
      await campaign.close();
    }
  }
} finally {
  await servers.close();
}
console.log(formatTally(tally(reports)));
if (values.json) await writeFile(values.json, JSON.stringify({ seed, runs, reports }, null, 2));
console.log(`seed ${seed}`);
process.exitCode = reports.some((r) => r.violations.length > 0) ? 1 : 0;
