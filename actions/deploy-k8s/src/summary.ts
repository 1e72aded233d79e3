/**
 * The job summary, built as Markdown from the deploy report. Pure: the
 * caller writes it with the kit's writeSummary (which never fails the step)
 * and redacts secrets.
 */
import { markdownTable, mermaid } from '@pipeline/action-kit';
import type { DeployReport, PhaseSpan, ResourceReport } from './report.js';
import { describeUnserved } from './unserved-kinds.js';
import { deploymentsSection, progressiveSection } from './strategy/summary.js';

const STATUS_TEXT: Readonly<Record<DeployReport['status'], string>> = {
  deployed: 'deployed',
  unchanged: 'unchanged',
  'rolled-back': 'rolled back',
  failed: 'failed',
  aborted: 'aborted (stable untouched)',
  paused: 'paused at a manual gate',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Mermaid gantt of the phases (times as Unix milliseconds). */
export function phaseGantt(phases: readonly PhaseSpan[]): string {
  if (phases.length === 0) return '';
  const lines = ['gantt', '  title Deploy timeline', '  dateFormat x', '  axisFormat %M:%S', '  section deploy-k8s'];
  phases.forEach((p, i) => {
    const name = p.name.replace(/[:#;]/g, ' ');
    const end = Math.max(p.end, p.start + 1);
    lines.push(`  ${name} (${seconds(p.end - p.start)}) :${p.ok ? 'done' : 'crit'}, p${i}, ${p.start}, ${end}`);
  });
  return mermaid(lines.join('\n'));
}

export interface SummaryContext {
  durationMs: number;
  startedAt: number;
  failure?: string;
}

/** Title, headline facts and the failure block: present even without a report. */
function headerSections(report: DeployReport | undefined, context: SummaryContext): string[] {
  const status = report?.status ?? 'failed';
  const title = report?.dryRun ? 'dry run' : STATUS_TEXT[status];
  const parts = [`## deploy-k8s: ${title}`, headlineFacts(report, context).join(' · ')];
  const failure = context.failure ?? report?.failure;
  if (failure)
    parts.push(
      `**${status === 'rolled-back' ? 'Rolled back' : 'Failed'}:**\n\n\`\`\`text\n${failure.replace(/```/g, "'''")}\n\`\`\``,
    );
  return parts;
}

function headlineFacts(report: DeployReport | undefined, context: SummaryContext): string[] {
  const facts: string[] = [`Duration ${seconds(context.durationMs)}`];
  if (report?.revision)
    facts.push(
      `revision ${report.revision}${report.previousRevision && report.previousRevision !== report.revision ? ` (previous ${report.previousRevision})` : ''}`,
    );
  if (report?.lock)
    facts.push(
      `lock ${report.lock.namespace}/${report.lock.name}${report.lock.waitedMs > 1000 ? ` (waited ${seconds(report.lock.waitedMs)})` : ''}`,
    );
  if (report?.backupFile) facts.push(`backup \`${report.backupFile}\``);
  return facts;
}

function revisionCell(r: ResourceReport): string {
  return r.revision
    ? r.previousRevision && r.previousRevision !== r.revision
      ? `${r.previousRevision} → ${r.revision}`
      : r.revision
    : (r.previousRevision ?? '');
}

function resourcesSection(report: DeployReport): string[] {
  if (report.resources.length === 0) return [];
  return [
    markdownTable(
      ['Resource', 'Source', 'Action', 'Old image', 'New image', 'Result', 'Revision'],
      report.resources.map((r) => [
        `${r.kind}/${r.name}${r.namespace ? ` (${r.namespace})` : ''}`,
        `${r.file}#${r.document}`,
        report.dryRun && r.action !== 'unchanged' ? `would ${r.action}` : r.action,
        r.oldImages.join('\n'),
        r.action === 'unchanged' || r.oldImages.join() === r.newImages.join() ? '' : r.newImages.join('\n'),
        r.result,
        revisionCell(r),
      ]),
    ),
  ];
}

function failingPodsSection(report: DeployReport): string[] {
  if (report.failingPods.length === 0) return [];
  return [
    '### Failing pods',
    markdownTable(
      ['Pod', 'Reason', 'Message', 'Recent events'],
      report.failingPods.map((p) => [
        p.pod,
        p.reason + (p.container ? ` (${p.container})` : ''),
        p.message,
        p.events.join('\n'),
      ]),
    ),
  ];
}

function workloadEventsSection(report: DeployReport): string[] {
  if (report.workloadEvents.length === 0) return [];
  return [`### Workload events\n\n${report.workloadEvents.map((e) => `- ${e.replace(/\n/g, ' ')}`).join('\n')}`];
}

function timelineSection(report: DeployReport, context: SummaryContext): string[] {
  if (report.phases.length === 0 && report.timeline.length === 0) return [];
  const parts = ['### Timeline'];
  const gantt = phaseGantt(report.phases);
  if (gantt) parts.push(gantt);
  if (report.timeline.length > 0) {
    const sorted = [...report.timeline].sort((a, b) => a.at - b.at);
    parts.push(
      markdownTable(
        ['+s', 'Event'],
        sorted.map((e) => [((e.at - context.startedAt) / 1000).toFixed(1), e.text]),
      ),
    );
  }
  return parts;
}

function diffsSection(report: DeployReport): string[] {
  if (report.diffs.length === 0) return [];
  const diffs = report.diffs.map(
    (d) =>
      `<details${report.dryRun ? ' open' : ''}><summary>${escapeHtml(d.label)}</summary>\n\n\`\`\`diff\n${d.diff.replace(/```/g, "'''")}\n\`\`\`\n\n</details>`,
  );
  return [
    `### ${report.dryRun ? 'Changes the deploy would make (server-side dry run)' : 'Changes'}\n\n${diffs.join('\n')}`,
  ];
}

function unmatchedImageRulesSection(report: DeployReport): string[] {
  if (report.unmatchedImageRules.length === 0) return [];
  return [`Image rules that matched no container: ${report.unmatchedImageRules.map((r) => `\`${r}\``).join(', ')}`];
}

function skippedSection(report: DeployReport): string[] {
  if (report.skipped.length === 0) return [];
  return [
    `### Skipped: kinds the cluster does not serve (unknown-kinds: skip)\n\n${describeUnserved(report.skipped)
      .map((line) => `- ${escapeHtml(line)}`)
      .join('\n')}`,
  ];
}

export function buildSummary(report: DeployReport | undefined, context: SummaryContext): string {
  const parts = headerSections(report, context);
  if (!report) return parts.join('\n\n') + '\n';
  parts.push(
    ...progressiveSection(report.progressive),
    ...deploymentsSection(report.githubDeployments),
    ...resourcesSection(report),
    ...skippedSection(report),
    ...failingPodsSection(report),
    ...workloadEventsSection(report),
    ...timelineSection(report, context),
    ...diffsSection(report),
    ...unmatchedImageRulesSection(report),
  );
  return parts.join('\n\n') + '\n';
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
