/** Matching a response status against a check's expected statuses. */
import type { StatusMatcher } from './model.js';

export function statusMatches(matchers: readonly StatusMatcher[], status: number): boolean {
  return matchers.some((m) => ('code' in m ? m.code === status : Math.floor(status / 100) === m.class));
}

export function describeStatus(matchers: readonly StatusMatcher[]): string {
  const parts = matchers.map((m) => ('code' in m ? String(m.code) : `${m.class}xx`));
  return parts.length === 1 ? (parts[0] as string) : `one of ${parts.join(', ')}`;
}
