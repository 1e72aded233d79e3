/**
 * Which lines of a multi-line secret are masked on their own. actions/runner
 * registers every trimmed line (AddMaskCommandExtension and
 * Worker.InitializeSecretMasker), so a kubeconfig secret masks `apiVersion: v1`
 * and `kind: Config` wherever they appear, deploy diffs included. This kit
 * deliberately differs: it masks the secret material of each line, not its
 * structure.
 */

/** Lines (or `key: value` values) shorter than this carry structure, not secrets ("kind: Config", "users:"). */
export const MIN_FRAGMENT_LENGTH = 8;

/**
 * The parts of a multi-line secret worth masking on their own: for `key: value`
 * lines (YAML, INI) the value, otherwise the whole line (PEM and base64 lines),
 * when long enough to be secret material.
 */
export function secretFragments(value: string): string[] {
  const fragments = new Set<string>();
  for (const raw of value.split(/\r\n|\r|\n/)) {
    const line = raw.trim().replace(/^- /, '');
    const keyValue = /^[\w.-]+\s*[:=]\s*(.*)$/.exec(line);
    const candidate = (keyValue ? (keyValue[1] as string) : line).replace(/^["']|["']$/g, '');
    if (candidate.length >= MIN_FRAGMENT_LENGTH && candidate !== value) fragments.add(candidate);
  }
  return [...fragments];
}
