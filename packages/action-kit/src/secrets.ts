/**
 * The action side of masking: what an action registers with the runner
 * (core.setSecret writes `::add-mask::`) and how it redacts text it writes
 * itself (summaries, reports). Both follow the one rule in
 * protocol/secret-masker.ts. The runner masks the base64, JSON, URL and other
 * encodings of every registered value itself (value-encoders.ts), so they are
 * not registered here; the secret fragments are, because the runner would
 * only mask whole lines of a multi-line value, never the value of a
 * `key: value` line on its own.
 */
import * as core from '@actions/core';
import { SecretMasker } from './protocol/secret-masker.js';
import { secretFragments } from './protocol/secret-fragments.js';

export { secretFragments };

export function maskSecret(value: string | undefined): void {
  if (!value) return;
  core.setSecret(value);
  for (const fragment of secretFragments(value)) core.setSecret(fragment);
}

/** Replaces every secret in `text`, and every encoding of it the runner would mask, with `***`. */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  return new SecretMasker(secrets).mask(text);
}
