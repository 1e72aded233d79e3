/**
 * The end of a program's output, for an error message: the last `lines`
 * non-blank lines (blank lines carry nothing a reader needs), each without
 * trailing white space, and at most `maxChars` characters; a cut at the front
 * is shown as "...". Empty output gives ''.
 */
export interface TailOptions {
  lines?: number;
  maxChars?: number;
}

export const TAIL_LINES = 10;
export const TAIL_MAX_CHARS = 2000;

export function tail(text: string, options: TailOptions = {}): string {
  const { lines = TAIL_LINES, maxChars = TAIL_MAX_CHARS } = options;
  const kept = text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-Math.max(1, lines))
    .join('\n');
  return kept.length > maxChars ? `...${kept.slice(kept.length - maxChars)}` : kept;
}
