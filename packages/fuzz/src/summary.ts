/** Counts of cases and broken properties, for the CLI's closing table and the report. */
import type { CaseReport } from './campaign.js';
import type { PropertyName } from './properties.js';

export interface Tally {
  cases: number;
  broken: number;
  /** Cases breaking each property (a case may break several). */
  byProperty: Partial<Record<PropertyName, number>>;
  /** Cases per action and input that broke anything. */
  byInput: Record<string, number>;
}

export function tally(reports: readonly CaseReport[]): Tally {
  const result: Tally = { cases: reports.length, broken: 0, byProperty: {}, byInput: {} };
  for (const report of reports) {
    if (report.violations.length === 0) continue;
    result.broken++;
    const key = `${report.target}:${report.input}`;
    result.byInput[key] = (result.byInput[key] ?? 0) + 1;
    for (const property of new Set(report.violations.map((v) => v.property)))
      result.byProperty[property] = (result.byProperty[property] ?? 0) + 1;
  }
  return result;
}

export function formatTally(t: Tally): string {
  const lines = [`${t.cases} cases, ${t.broken} broke a property`];
  for (const [property, count] of Object.entries(t.byProperty)) lines.push(`  ${property}: ${count}`);
  if (t.broken > 0) lines.push('by input:');
  for (const [input, count] of Object.entries(t.byInput)) lines.push(`  ${input}: ${count}`);
  return lines.join('\n');
}
