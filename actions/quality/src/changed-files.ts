import { ActionError, quoteValue, tail, type Exec } from '@pipeline/action-kit';

/** Files changed between the merge base of `baseRef` and HEAD, relative to `cwd` (deleted files excluded). */
export async function changedFiles(exec: Exec, cwd: string, baseRef: string): Promise<string[]> {
  const verify = await exec('git', ['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`], { cwd });
  if (verify.exitCode !== 0) {
    throw new ActionError(
      `only-changed is true but the base ref ${quoteValue(baseRef)} (base-ref) is not in this checkout. ` +
        'Fetch enough history (actions/checkout with fetch-depth: 0) or set base-ref to a ref that exists.',
    );
  }
  const diff = await exec(
    'git',
    ['diff', '--name-only', '--relative', '--diff-filter=ACMRT', '-z', `${baseRef}...HEAD`],
    { cwd },
  );
  if (diff.exitCode !== 0)
    throw new ActionError(
      `git diff against the base ref ${quoteValue(baseRef)} (base-ref) failed: ${tail(diff.stderr)}`,
    );
  return diff.stdout.split('\0').filter((file) => file !== '');
}
