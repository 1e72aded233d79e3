/**
 * Test prerequisites (a binary, a service, a built tool): missing on a
 * developer's machine, the tests that need them skip with a note saying how to
 * get them; missing where CI promised them, they fail, so a broken CI setup
 * cannot pass by skipping.
 */

export interface Prerequisite {
  /** What the tests need, e.g. "a Trivy binary". */
  what: string;
  available: boolean;
  /** How to get it, e.g. "run actions/security/scripts/install-trivy.sh or set TRIVY_BIN". */
  howToGet: string;
  /**
   * The variable that makes the prerequisite mandatory, for one that only some
   * CI jobs set up (.ci/run sets REQUIRE_TRIVY=1; a release job without Trivy
   * does not): mandatory when it is `1` or `true`. Default: CI=true.
   */
  requiredBy?: string;
}

const isSet = (value: string | undefined): boolean => value === '1' || value?.toLowerCase() === 'true';

/**
 * True when the prerequisite is there. Otherwise throws when it is mandatory
 * (see `requiredBy`), or writes a note to stderr and returns false, so the
 * caller picks `describe` or `describe.skip`:
 *
 *   const describeWithTrivy = requireOrSkip({ what, available, howToGet }) ? describe : describe.skip;
 */
export function requireOrSkip(
  prerequisite: Prerequisite,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (prerequisite.available) return true;
  const variable = prerequisite.requiredBy ?? 'CI';
  const missing = `${prerequisite.what} is missing: ${prerequisite.howToGet}`;
  if (isSet(env[variable])) throw new Error(`${variable}=${env[variable] ?? ''} but ${missing}`);
  process.stderr.write(
    `\nSKIPPED: ${missing} (the tests that need it fail instead when ${variable}=${variable === 'CI' ? 'true' : '1'})\n`,
  );
  return false;
}
