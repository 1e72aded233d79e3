import { glob, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CheckContext } from './context.js';
import type { CheckOutcome, Finding } from '../findings.js';
import { statusOf } from '../findings.js';
import { PIPELINE_CHECKOUT_DIR, toWorkspacePath } from '../tools.js';

/** Always excluded: generated, vendored and lock files are not anyone's line length to fix. */
export const ALWAYS_EXCLUDED = [
  '**/node_modules/**',
  '**/dist/**',
  '**/build/**',
  '**/coverage/**',
  '**/.git/**',
  '**/*.min.js',
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  `**/${PIPELINE_CHECKOUT_DIR}/**`,
];
const MAX_FILE_BYTES = 1024 * 1024;

/** Every line longer than `max` code points (a tab counts as one), 1-based. */
export function longLines(text: string, max: number): { line: number; length: number }[] {
  const result: { line: number; length: number }[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.length <= max) return; // fast path: UTF-16 length >= code points
    const length = [...line].length;
    if (length > max) result.push({ line: index + 1, length });
  });
  return result;
}

export function splitPatterns(patterns: readonly string[]): { include: string[]; exclude: string[] } {
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return { include, exclude: [...ALWAYS_EXCLUDED, ...exclude] };
}

export async function listFiles(cwd: string, patterns: readonly string[]): Promise<string[]> {
  const { include, exclude } = splitPatterns(patterns);
  const files = new Set<string>();
  for await (const file of glob(include, { cwd, exclude })) files.add(file.split(path.sep).join('/'));
  return [...files].sort();
}

/** Whether a path (relative, forward slashes) matches the include patterns and none of the exclusions. */
export function matchesPatterns(file: string, patterns: readonly string[]): boolean {
  const { include, exclude } = splitPatterns(patterns);
  return include.some((p) => path.matchesGlob(file, p)) && !exclude.some((p) => path.matchesGlob(file, p));
}

export async function runLineLength(
  context: CheckContext,
  max: number,
  patterns: readonly string[],
): Promise<CheckOutcome> {
  const files = context.files
    ? context.files.filter((file) => matchesPatterns(file, patterns))
    : await listFiles(context.workingDirectory, patterns);
  const findings: Finding[] = [];
  for (const file of files) {
    const absolute = path.resolve(context.workingDirectory, file);
    const info = await stat(absolute).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_FILE_BYTES) continue;
    const text = await readFile(absolute, 'utf8');
    for (const { line, length } of longLines(text, max)) {
      findings.push({
        tool: 'line-length',
        file: toWorkspacePath(file, context.workingDirectory, context.workspace),
        line,
        column: max + 1,
        rule: 'max-line-length',
        severity: 'error',
        message: `Line is ${length} characters long; the limit is ${max}.`,
      });
    }
  }
  return { status: statusOf(findings), findings, detail: `${files.length} files read` };
}
