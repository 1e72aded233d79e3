/**
 * Secret masking. The runner masks a registered value line by line only when
 * each line is registered, so multi-line secrets (kubeconfigs, PEM keys) are
 * registered whole and per line, and base64 forms are registered too because
 * tools like to print them.
 */
import * as core from '@actions/core';

const MIN_LINE_LENGTH = 4; // shorter fragments ("}", "---") would mask half the log
/** Lines of a multi-line secret shorter than this carry structure, not secrets ("kind: Config", "users:"). */
const MIN_FRAGMENT_LENGTH = 8;

/**
 * The parts of a multi-line secret worth masking on their own: for `key: value`
 * lines (YAML, INI) the value, otherwise the whole line (PEM and base64 lines),
 * when long enough to be secret material. Masking structural lines such as
 * `apiVersion: v1` would turn every later log line that has them into `***`.
 */
export function secretFragments(value: string): string[] {
  const fragments = new Set<string>();
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim().replace(/^- /, '');
    const keyValue = /^[\w.-]+\s*[:=]\s*(.*)$/.exec(line);
    const candidate = (keyValue ? (keyValue[1] as string) : line).replace(/^["']|["']$/g, '');
    if (candidate.length >= MIN_FRAGMENT_LENGTH && candidate !== value) fragments.add(candidate);
  }
  return [...fragments];
}

export function maskSecret(value: string | undefined): void {
  if (!value) return;
  core.setSecret(value);
  for (const fragment of secretFragments(value)) core.setSecret(fragment);
  if (value.length >= MIN_LINE_LENGTH) core.setSecret(Buffer.from(value, 'utf8').toString('base64'));
}

/** Replaces every occurrence of each secret in `text` with `***`, for text we write ourselves (summaries, reports). */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let result = text;
  const sorted = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_LINE_LENGTH);
  sorted.sort((a, b) => b.length - a.length);
  for (const secret of sorted) result = result.split(secret).join('***');
  return result;
}
