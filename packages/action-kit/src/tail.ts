/**
 * The end of a program's output, for an error message: the last `lines`
 * non-blank lines (blank lines carry nothing a reader needs), each without
 * trailing white space, and at most `maxChars` characters; a cut at the front
 * is shown as "...". Empty output gives ''. Both helpers redact before they
 * cut: a secret cut in two would no longer match its mask, and its other half
 * would show.
 */
import { redact } from './redaction.js';

export interface TailOptions {
  lines?: number;
  maxChars?: number;
}

export const TAIL_LINES = 10;
export const TAIL_MAX_CHARS = 2000;

export function tail(text: string, options: TailOptions = {}): string {
  const { lines = TAIL_LINES, maxChars = TAIL_MAX_CHARS } = options;
  const kept = redact(text)
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-Math.max(1, lines))
    .join('\n');
  return kept.length > maxChars ? `...${kept.slice(kept.length - maxChars)}` : kept;
}

/** The start of `text` (a server's answer) for an error message: redacted, then cut to `maxChars` with "...". */
export function redactedExcerpt(text: string, maxChars: number): string {
  const redacted = redact(text);
  return redacted.length > maxChars ? `${redacted.slice(0, Math.max(0, maxChars - 3))}...` : redacted;
}
