/**
 * Job summary helpers. A summary is a courtesy: writing it must never fail the
 * step, so every write goes through writeSummary, which turns problems into a
 * warning.
 */
import * as core from '@actions/core';
import { cell } from './cell.js';
import { describeError } from './errors.js';
import { redact } from './redaction.js';

export { cell };

export function markdownTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const rule = `| ${headers.map(() => '---').join(' | ')} |`;
  const body = rows.map((row) => `| ${headers.map((_, i) => cell(row[i])).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

export function mermaid(diagram: string): string {
  return `\`\`\`mermaid\n${diagram.trim()}\n\`\`\``;
}

/** Appends Markdown to the job summary, redacted; returns false (with a warning) instead of throwing. */
export async function writeSummary(markdown: string | (() => string)): Promise<boolean> {
  try {
    const text = redact(typeof markdown === 'function' ? markdown() : markdown);
    if (!process.env['GITHUB_STEP_SUMMARY']) {
      core.info('No GITHUB_STEP_SUMMARY file: the job summary is skipped.');
      return false;
    }
    await core.summary.addRaw(text, true).write();
    return true;
  } catch (error: unknown) {
    core.summary.emptyBuffer();
    core.warning(`Could not write the job summary: ${describeError(error)}`);
    return false;
  }
}
