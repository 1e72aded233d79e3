/**
 * The canary / blue-green part of the job summary: a Mermaid timeline of
 * the steps, then a small table per step with the verdict's numbers for the
 * new pods and stable, and the GitHub deployment statuses. Pure.
 */
import { markdownTable, mermaid } from '@pipeline/action-kit';
import { formatValue } from '../analysis/verdict.js';
import type { DeploymentStatusEntry, ProgressiveReport, StepReport } from './report.js';

const ICON: Readonly<Record<StepReport['outcome'], string>> = {
  passed: '✅ passed',
  failed: '❌ failed',
  paused: '⏸️ paused',
  promoted: '🚀 promoted',
  switched: '🔀 switched',
};

function stepTitle(report: ProgressiveReport, step: StepReport): string {
  if (step.outcome === 'promoted') return `Step ${step.step}: 100% (rolling deploy to the stable Deployment)`;
  if (step.outcome === 'switched') return `Step ${step.step}: live Service switched`;
  if (report.strategy === 'blue-green') return `Step ${step.step}: preview ${report.canary}`;
  return `Step ${step.step}: ${step.weight}% asked, ${step.effectiveWeight}% (${step.canaryReplicas} canary / ${step.stableReplicas} stable pods)`;
}

export function stepsGantt(report: ProgressiveReport): string {
  if (report.steps.length === 0) return '';
  const lines = [
    'gantt',
    `  title ${report.strategy} steps`,
    '  dateFormat x',
    '  axisFormat %M:%S',
    `  section ${report.strategy}`,
  ];
  for (const step of report.steps) {
    const end = Math.max(step.endedAt, step.startedAt + 1);
    const name = `${step.outcome === 'promoted' || step.outcome === 'switched' ? step.outcome : `step ${step.step} ${step.weight}%`} ${step.outcome}`;
    lines.push(`  ${name} :${step.outcome === 'failed' ? 'crit' : 'done'}, s${step.step}, ${step.startedAt}, ${end}`);
  }
  return mermaid(lines.join('\n'));
}

function stepTable(step: StepReport): string {
  const rows: unknown[][] = [];
  if (step.failure) rows.push(['rollout of the new pods', step.failure.replace(/\n/g, ' '), '', 'ready', '❌']);
  for (const c of step.verdict?.criteria ?? [])
    rows.push([
      c.name,
      formatValue(c.canary),
      formatValue(c.stable),
      c.threshold,
      `${c.ok ? '✅' : '❌'}${c.note ? ` ${c.note}` : ''}`,
    ]);
  if (step.canary)
    rows.push([
      'requests (errors)',
      `${step.canary.requests} (${step.canary.errors})`,
      step.stable ? `${step.stable.requests} (${step.stable.errors})` : '',
      '',
      '',
    ]);
  if (rows.length === 0) return '';
  return markdownTable(['Criterion', 'New', 'Stable', 'Threshold', 'Verdict'], rows);
}

export function progressiveSection(report: ProgressiveReport | undefined): string[] {
  if (!report) return [];
  const parts = [
    `### ${report.strategy === 'canary' ? 'Canary' : 'Blue-green'} (${report.traffic} traffic, ${report.canary})`,
  ];
  const gantt = stepsGantt(report);
  if (gantt) parts.push(gantt);
  for (const step of report.steps) {
    parts.push(
      `**${stepTitle(report, step)}**: ${ICON[step.outcome]}${step.verdict?.reason ? `: ${step.verdict.reason}` : ''}`,
    );
    const table = stepTable(step);
    if (table) parts.push(table);
  }
  if (report.liveColor)
    parts.push(
      `Live colour: **${report.liveColor}**${report.keptColor ? `; kept for a switch back: ${report.keptColor}` : ''}`,
    );
  return parts;
}

/** The GitHub deployment statuses, in the order they were reported. */
export function deploymentsSection(entries: readonly DeploymentStatusEntry[] | undefined): string[] {
  if (!entries || entries.length === 0) return [];
  return [
    `### GitHub deployment statuses\n\n${markdownTable(
      ['Deployment', 'State', 'Description'],
      entries.map((e) => [e.deploymentId ? `#${e.deploymentId}` : '', e.state, e.description ?? '']),
    )}`,
  ];
}
