/** Small helpers shared by the scanner output parsers. */
import { isRecord } from '@pipeline/action-kit';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The kit's record guard, narrowing parsed JSON to a JSON object. */
export const isObject = (value: unknown): value is JsonObject => isRecord(value);

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

/** Parses a whole output as JSON; undefined when it is not JSON. */
export function parseJson(text: string): Json | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  try {
    return JSON.parse(trimmed) as Json;
  } catch {
    return undefined;
  }
}

/** Joins a repository-relative prefix and a path with forward slashes. */
export function joinPath(prefix: string, file: string): string {
  const clean = file.replace(/\\/g, '/').replace(/^\.\//, '');
  if (prefix === '' || prefix === '.') return clean;
  return `${prefix.replace(/\/+$/, '')}/${clean}`;
}

export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}
