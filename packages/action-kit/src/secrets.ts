/**
 * Secret masking. The runner masks a registered value line by line only when
 * each line is registered, so multi-line secrets (kubeconfigs, PEM keys) are
 * registered whole and per line, and base64 forms are registered too because
 * tools like to print them.
 */
import * as core from '@actions/core';

const MIN_LINE_LENGTH = 4; // shorter fragments ("}", "---") would mask half the log

export function maskSecret(value: string | undefined): void {
  if (!value) return;
  core.setSecret(value);
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  for (const line of lines) {
    if (line.length >= MIN_LINE_LENGTH && line !== value) core.setSecret(line);
  }
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
