/**
 * GitHub's filter patterns for `on.<event>.branches|tags|paths` (the
 * "filter pattern cheat sheet" of the workflow syntax docs). They are not
 * shell globs, so no glob library fits: `*` stops at `/`, `**` crosses it,
 * `?` and `+` quantify the preceding character, `[...]` is a class of
 * letters and digits, `\` escapes, and a leading `!` negates the patterns
 * before it (the last pattern that matches decides).
 */

const REGEX_SPECIAL = /[.^$|(){}]/;

/** The regular expression of one pattern (without its leading `!`), anchored at both ends. */
export function filterPatternRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const next = pattern.charAt(i + 1);
      if (next === '') throw new Error(`filter pattern '${pattern}' ends with an escape (\\)`);
      source += escapeChar(next);
      i++;
    } else if (c === '*' && pattern.charAt(i + 1) === '*') {
      // `**/` also matches no directory at all: '**/README.md' matches README.md at the root.
      if (pattern.charAt(i + 2) === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i++;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?' || c === '+') source += source === '' ? escapeChar(c) : c;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`filter pattern '${pattern}' has '[' without ']'`);
      const body = pattern.slice(i + 1, end);
      if (!/^(?:[a-zA-Z0-9](?:-[a-zA-Z0-9])?)+$/.test(body))
        throw new Error(
          `filter pattern '${pattern}': [${body}] is not a class of letters, digits and ranges a-z, A-Z, 0-9`,
        );
      source += `[${body}]`;
      i = end;
    } else source += escapeChar(c);
  }
  return new RegExp(`^${source}$`);
}

function escapeChar(c: string): string {
  return REGEX_SPECIAL.test(c) || '*?+[]\\/'.includes(c) ? `\\${c}` : c;
}

export interface PatternMatch {
  matched: boolean;
  /** The pattern that decided (the last one that matched), if any. */
  pattern?: string;
}

/** Whether value is included by an ordered pattern list with `!` negations: the last matching pattern decides. */
export function matchPatterns(patterns: readonly string[], value: string): PatternMatch {
  let result: PatternMatch = { matched: false };
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (filterPatternRegExp(pattern).test(value)) result = { matched: !negated, pattern: raw };
  }
  return result;
}
