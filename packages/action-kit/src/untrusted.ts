/**
 * Untrusted text on the step's stdout: file names, check names, paths, the
 * tail of a program's output. The runner reads stdout line by line (CR, LF
 * and CRLF each end a line) and acts on a line that starts, after blanks,
 * with `::`, or that holds `##[` anywhere (protocol/workflow-commands.ts). So
 * a pull request that names a file "x\n::stop-commands::t" could take over
 * the rest of the step's log. Everything an action prints that it did not
 * write itself goes through printable (one value, one line) or
 * printableLines (a text whose lines are kept), which make it inert.
 */
import * as core from '@actions/core';

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r' };

/** C0 and C1 controls (ANSI escapes, CR, LF...) and the Unicode line separators; a tab is not one. */
export function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/** True when `text` holds a control character (a line break among them). */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

function escapeControls(text: string): string {
  if (!hasControlCharacters(text)) return text;
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += isControl(code) ? (NAMED[char] ?? `\\u${code.toString(16).padStart(4, '0')}`) : char;
  }
  return out;
}

/** Breaks the two command markers with a visible backslash: `\::name::` and `##\[name]` are plain text to the runner. */
function defuse(line: string): string {
  const text = line.replaceAll('##[', '##\\[');
  return /^\s*::/.test(text) ? text.replace(/^(\s*)::/, '$1\\::') : text;
}

/** One value as one inert line: line breaks and other controls are shown escaped (`\n`, `\r`, `\u001b`). */
export function printable(value: string): string {
  return defuse(escapeControls(value));
}

/** A multi-line text with its lines kept (a lone CR counts as a line break, as for the runner), each made inert. */
export function printableLines(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => defuse(escapeControls(line)))
    .join('\n');
}

/** True when the runner would read no workflow command in `text` (the check the tests and the fuzz suite make). */
export function isInert(text: string): boolean {
  return text.split(/\r\n|\r|\n/).every((line) => !/^\s*::/.test(line) && !line.includes('##['));
}

/** core.info for text the action did not write: every line inert. */
export function infoUntrusted(text: string): void {
  core.info(printableLines(text));
}
