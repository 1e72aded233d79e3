/**
 * Reading the loose shapes of parsed YAML/JSON (Kubernetes status fields,
 * kubeconfigs) without casts. The record guard itself is the kit's isRecord.
 */
import { isRecord } from '@pipeline/action-kit';

/** The value if it is a record, else an empty one (for optional nested fields). */
export function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** A primitive as text; '' for objects, arrays, null and undefined. */
export function str(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
      ? String(value)
      : '';
}

/** A finite number, else 0 (replica counts and generations that are absent mean 0). */
export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The value if it is an array, else an empty one. */
export function arrayOf<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
