/**
 * Reading parsed YAML/JSON (Kubernetes objects, kubeconfigs) without casts.
 * `isRecord` is the kit's guard once it has one; the rest is specific to
 * the loose shapes Kubernetes status fields have.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value if it is a record, else an empty one (for optional nested fields). */
export function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A primitive as text; '' for objects, arrays, null and undefined. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '';
}

/** A finite number, else 0 (replica counts and generations that are absent mean 0). */
export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The value if it is an array, else an empty one. */
export function arrayOf<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
