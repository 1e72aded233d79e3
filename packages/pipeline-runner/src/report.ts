/**
 * The run's one report: every job and step with status and duration, the
 * reasons for skips and failures, and every step summary; as Markdown and as
 * a self-contained HTML page.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { criticalPath } from './critical-path.js';
import type { JobReport, RunReport, Status, StepReport } from './report-types.js';
import { SLACK_REPORT_CSS, slackHtml, slackMarkdown } from './slack-report.js';

const ICON: Record<Status, string> = {
  success: '✅',
  failure: '❌',
  skipped: '⏭️',
  cancelled: '🚫',
  incomplete: '🟡',
};

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The run facts table: where it ran, what it ran, and how long it took. */
function runTable(report: RunReport): string[] {
  const critical = criticalPath(report.jobs);
  return [
    `| run | |`,
    `| --- | --- |`,
    `| repository | \`${report.repo}\` |`,
    `| caller | \`${report.callerWorkflow}\` › \`${report.callerJob}\` → \`${report.pipelineRef}\` |`,
    `| pipeline | ${report.library.repository}@\`${report.library.commit.slice(0, 12)}\` (${report.library.source}) |`,
    `| event | \`${report.event}\` on \`${report.ref}\`${report.sha ? ` @ \`${report.sha.slice(0, 12)}\`` : ''}${report.trigger ? ` (${report.trigger.forced ? '**forced**: GitHub would not run it' : 'triggered'}: ${cell(report.trigger.detail)})` : ''} |`,
    `| started | ${report.startedAt} |`,
    `| wall time (local: jobs one after another) | ${seconds(report.durationMs)} |`,
    `| critical path on GitHub (longest needs chain of the job times) | ${seconds(critical.durationMs)}: ${critical.chain.join(' → ') || 'no job ran'} |`,
    `| sum of job times | ${seconds(critical.sequentialMs)} |`,
    '',
  ];
}

function jobFlowchart(report: RunReport): string[] {
  return [
    '```mermaid',
    'flowchart LR',
    ...report.jobs.map((job) => `  ${mermaidId(job)}["${job.id}<br/>${job.status}"]:::${job.status}`),
    '  classDef success fill:#d1f7d6,stroke:#1a7f37',
    '  classDef failure fill:#ffd8d3,stroke:#cf222e',
    '  classDef skipped fill:#eeeeee,stroke:#8c959f',
    '  classDef incomplete fill:#fff1c2,stroke:#9a6700',
    '```',
    '',
  ];
}

function jobsTable(report: RunReport): string[] {
  return [
    '## Jobs',
    '',
    '| job | status | duration | steps | note |',
    '| --- | --- | --- | --- | --- |',
    ...report.jobs.map(
      (job) =>
        `| ${cell(job.path)} | ${ICON[job.status]} ${job.status} | ${seconds(job.durationMs)} | ${countSteps(job)} | ${cell(job.reason ?? '')} |`,
    ),
    '',
  ];
}

function outputsTable(report: RunReport): string[] {
  if (Object.keys(report.outputs).length === 0) return [];
  return [
    '## Outputs',
    '',
    '| output | value |',
    '| --- | --- |',
    ...Object.entries(report.outputs).map(([k, v]) => `| ${k} | \`${cell(v)}\` |`),
    '',
  ];
}

/** A job's heading, its notes, its steps table, and each step's failure output, annotations and summary. */
function jobSection(job: JobReport): string[] {
  const lines = [`## ${ICON[job.status]} ${job.path} — ${job.name}`, ''];
  const partly = job.steps.filter((s) => s.incomplete);
  for (const step of partly) lines.push(`- **incomplete**: ${step.name}: ${step.incomplete}`);
  for (const note of job.notes) lines.push(`- ${note}`);
  if (job.reason) lines.push(`- ${job.reason}`);
  if (job.notes.length > 0 || job.reason || partly.length > 0) lines.push('');
  lines.push(...stepsTable(job), ...job.steps.flatMap(stepDetails));
  return lines;
}

function stepsTable(job: JobReport): string[] {
  const lines = ['| step | status | duration | detail |', '| --- | --- | --- | --- |'];
  for (const step of job.steps) {
    const detail = step.incomplete ?? step.reason ?? (step.uses ? `\`${step.uses.split('@')[0]}\`` : '');
    let shown = step.status === step.outcome ? step.status : `${step.outcome} (continue-on-error)`;
    if (step.incomplete && step.status === 'success') shown += ', incomplete';
    if (step.emulated) shown += ' (emulated)';
    const icon = step.incomplete ? ICON.incomplete : ICON[step.status];
    lines.push(`| ${cell(step.name)} | ${icon} ${shown} | ${seconds(step.durationMs)} | ${cell(detail)} |`);
  }
  lines.push('');
  return lines;
}

function stepDetails(step: StepReport): string[] {
  const lines: string[] = [];
  const errors = step.annotations.filter((a) => a.level === 'error');
  if (step.status === 'failure' && step.tail && step.tail.length > 0) {
    lines.push(
      `<details><summary>${step.name}: last lines of output</summary>`,
      '',
      '```text',
      ...step.tail,
      '```',
      '</details>',
      '',
    );
  }
  if (errors.length > 0) {
    lines.push(`**${step.name}** annotations:`, '');
    for (const a of errors.slice(0, 20))
      lines.push(
        `- ${a.level}${a.file ? ` \`${a.file}${a.line ? `:${a.line}` : ''}\`` : ''}: ${a.message.split('\n')[0] ?? ''}`,
      );
    lines.push('');
  }
  if (step.summary.trim() !== '') {
    // Step summaries sit under the job's heading: demote their headings by two levels.
    const summary = step.summary.trim().replace(/^(#{1,4}) /gm, '$1## ');
    lines.push(`### Summary: ${step.name}`, '', summary, '');
  }
  return lines;
}

function runNotes(report: RunReport): string[] {
  if (report.notes.length === 0) return [];
  return ['## How this local run differs from GitHub', '', ...report.notes.map((note) => `- ${note}`), ''];
}

/** `slack: false` leaves out the Slack list (the HTML report renders the messages themselves). */
export function toMarkdown(report: RunReport, options: { slack?: boolean } = {}): string {
  const lines = [
    `# Pipeline run: ${ICON[report.status]} ${report.status}`,
    '',
    ...runTable(report),
    ...jobFlowchart(report),
    ...jobsTable(report),
    ...outputsTable(report),
    ...report.jobs.filter((j) => j.steps.length > 0 || j.status === 'failure').flatMap(jobSection),
    ...runNotes(report),
    ...(options.slack === false ? [] : slackMarkdown(report)),
  ];
  return `${lines.join('\n')}\n`;
}

function countSteps(job: JobReport): string {
  const by = (s: Status): number => job.steps.filter((x) => x.status === s).length;
  if (job.steps.length === 0) return '';
  const emulated = job.steps.filter((x) => x.emulated).length;
  const partly = job.steps.filter((x) => x.incomplete).length;
  return `${by('success')} ok${emulated ? ` (${emulated} emulated)` : ''}, ${by('failure')} failed, ${by('skipped')} skipped${partly ? `, ${partly} incomplete` : ''}`;
}

function mermaidId(job: JobReport): string {
  return job.path.replace(/[^A-Za-z0-9]/g, '_');
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A small Markdown renderer for what the report and action summaries use: headings, tables, lists, code, details. */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let i = 0;
  const inline = (text: string): string =>
    escapeHtml(text)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>')
      .replace(/&lt;br\/?&gt;/g, '<br>');
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.startsWith('```')) {
      const lang = line.slice(3).trim();
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) body.push(lines[i] as string);
      i++;
      out.push(
        lang === 'mermaid'
          ? `<pre class="mermaid">${escapeHtml(body.join('\n'))}</pre>`
          : `<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`<h${heading[1]?.length}>${inline(heading[2] ?? '')}</h${heading[1]?.length}>`);
      i++;
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && (lines[i] as string).startsWith('|'); i++) {
        const cells = (lines[i] as string)
          .replace(/^\||\|$/g, '')
          .split(/(?<!\\)\|/)
          .map((c) => c.trim().replace(/\\\|/g, '|'));
        if (cells.every((c) => /^:?-{3,}:?$/.test(c))) continue;
        rows.push(cells);
      }
      const [head, ...body] = rows;
      out.push(
        `<table><thead><tr>${(head ?? []).map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
      continue;
    }
    if (/^\s*[-*] /.test(line)) {
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*] /.test(lines[i] as string); i++)
        items.push(`<li>${inline((lines[i] as string).replace(/^\s*[-*] /, ''))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
      continue;
    }
    const details = /^<details><summary>(.*)<\/summary>$/.exec(line);
    if (details) {
      out.push(`<details><summary>${escapeHtml(details[1] ?? '')}</summary>`);
      i++;
      continue;
    }
    if (line === '</details>') {
      out.push('</details>');
      i++;
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    out.push(`<p>${inline(line)}</p>`);
    i++;
  }
  return out.join('\n');
}

/** A bar per job on the run's time axis (jobs run one after another locally). */
function timeline(report: RunReport): string {
  const total = Math.max(
    1,
    report.jobs.reduce((sum, job) => sum + job.durationMs, 0),
  );
  let offset = 0;
  const rows = report.jobs.map((job) => {
    const left = (offset / total) * 100;
    const width = Math.max(0.4, (job.durationMs / total) * 100);
    offset += job.durationMs;
    return `<div class="row"><span class="label">${escapeHtml(job.path)}</span><span class="track"><span class="bar ${job.status}" style="margin-left:${left.toFixed(2)}%;width:${width.toFixed(2)}%" title="${escapeHtml(`${job.status}, ${seconds(job.durationMs)}`)}"></span></span><span class="time">${job.status === 'skipped' ? 'skipped' : seconds(job.durationMs)}</span></div>`;
  });
  return `<div class="timeline">${rows.join('')}</div>`;
}

export function toHtml(report: RunReport): string {
  const badges: [string, Status][] = [
    ['✅', 'success'],
    ['❌', 'failure'],
    ['⏭️', 'skipped'],
    ['🚫', 'cancelled'],
    ['🟡', 'incomplete'],
  ];
  let html = markdownToHtml(toMarkdown(report, { slack: false }));
  // Status marks as coloured badges (emoji fonts are not everywhere).
  for (const [emoji, status] of badges)
    html = html
      .split(`${emoji} `)
      .join(`<span class="dot ${status}"></span>`)
      .split(emoji)
      .join(`<span class="dot ${status}"></span>`);
  const body = html.replace(
    /(<pre class="mermaid">[\s\S]*?<\/pre>)/,
    `${timeline(report)}\n<details><summary>Mermaid source</summary>$1</details>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pipeline run: ${report.status}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 3px;border-radius:4px}pre{background:#f6f8fa;padding:8px;overflow:auto}
h1{border-bottom:1px solid #d0d7de}h2{margin-top:2rem;border-bottom:1px solid #eaeef2}details{margin:.5rem 0}
.timeline{margin:1rem 0}.row{display:flex;align-items:center;gap:8px;margin:2px 0}.label{width:220px;font-family:monospace;font-size:12px}
.track{flex:1;background:#f6f8fa;height:14px;border-radius:3px}.bar{display:block;height:14px;border-radius:3px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;vertical-align:middle}
.dot.success{background:#2da44e}.dot.failure{background:#cf222e}.dot.skipped{background:#afb8c1}.dot.cancelled{background:#9a6700}.dot.incomplete{background:#d4a72c}
pre{white-space:pre-wrap;word-break:break-word}td{word-break:break-word}
.bar.success{background:#2da44e}.bar.failure{background:#cf222e}.bar.skipped{background:#d0d7de}.bar.cancelled{background:#9a6700}.bar.incomplete{background:#d4a72c}.time{width:70px;text-align:right;font-size:12px}
${SLACK_REPORT_CSS}</style></head><body>
${body}
${slackHtml(report)}
</body></html>
`;
}

export async function writeReport(report: RunReport, dir: string): Promise<{ markdown: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const markdown = path.join(dir, 'report.md');
  const html = path.join(dir, 'report.html');
  await writeFile(markdown, toMarkdown(report));
  await writeFile(html, toHtml(report));
  await writeFile(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, html };
}
