/**
 * error / warning / notice commands as the annotations the runner records
 * (IssueCommandExtension in actions/runner's ActionCommandManager.cs): its
 * rules for inconsistent line and column properties, file paths made relative
 * to the workspace, and the message cap (ExecutionContext.AddIssue).
 */
import path from 'node:path';
import { property, type WorkflowCommand } from './workflow-commands.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  /** The `col` property. */
  column?: number;
  endColumn?: number;
  title?: string;
}

/** The runner cuts annotation messages to this many characters. */
export const ANNOTATION_MESSAGE_LIMIT = 4096;
/** Per step and level, only this many annotations reach the check run; the rest are only in the log. */
export const ANNOTATIONS_PER_LEVEL = 10;

export function isAnnotationCommand(
  command: WorkflowCommand,
): command is WorkflowCommand & { command: AnnotationLevel } {
  return command.command === 'error' || command.command === 'warning' || command.command === 'notice';
}

// .NET int.TryParse: optional blanks and sign around decimal digits, within 32 bits.
function parseInt32(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -(2 ** 31) && value < 2 ** 31 ? value : undefined;
}

interface Position {
  line?: string | undefined;
  endLine?: string | undefined;
  col?: string | undefined;
  endColumn?: string | undefined;
}

/** ValidateLinesAndColumns: fills a missing start from the end, drops columns and lines that cannot hold together. */
export function validatePosition(input: Position): Position {
  const p = { ...input };
  const line = parseInt32(p.line);
  const endLine = parseInt32(p.endLine);
  const col = parseInt32(p.col);
  const endColumn = parseInt32(p.endColumn);
  let hasLine = line !== undefined;
  let hasCol = col !== undefined;
  const hasColumn = hasCol || endColumn !== undefined;
  if (endLine !== undefined && !hasLine) [p.line, hasLine] = [p.endLine, true];
  if (endColumn !== undefined && !hasCol) [p.col, hasCol] = [p.endColumn, true];
  const dropColumns = (): void => void ([p.col, p.endColumn] = [undefined, undefined]);
  if (!hasLine && hasColumn) dropColumns();
  if (endLine !== undefined && p.line !== p.endLine && hasColumn) dropColumns();
  if (hasLine && endLine !== undefined && endLine < (line ?? 0)) [p.line, p.endLine] = [undefined, undefined];
  if (hasCol && endColumn !== undefined && endColumn < (col ?? 0)) dropColumns();
  return p;
}

/** The file as the runner reports it: relative to the workspace when it lies inside it, with `/` separators. */
export function annotationFile(file: string, workspace: string | undefined): string {
  if (!workspace || !path.isAbsolute(file)) return file;
  const relative = path.relative(workspace, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

export function toAnnotation(command: WorkflowCommand & { command: AnnotationLevel }, workspace?: string): Annotation {
  const position = validatePosition({
    line: property(command, 'line'),
    endLine: property(command, 'endLine'),
    col: property(command, 'col'),
    endColumn: property(command, 'endColumn'),
  });
  const annotation: Annotation = {
    level: command.command,
    message: command.message.slice(0, ANNOTATION_MESSAGE_LIMIT),
  };
  const file = property(command, 'file');
  if (file !== undefined) annotation.file = annotationFile(file, workspace);
  const numbers = [
    ['line', position.line],
    ['endLine', position.endLine],
    ['column', position.col],
    ['endColumn', position.endColumn],
  ] as const;
  for (const [key, text] of numbers) {
    const value = parseInt32(text);
    if (value !== undefined) annotation[key] = value;
  }
  const title = property(command, 'title');
  if (title !== undefined) annotation.title = title;
  return annotation;
}
