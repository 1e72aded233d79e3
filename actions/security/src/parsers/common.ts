/** Small helpers shared by the scanner output parsers. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

/** The last few non-empty lines of a stream, for error messages. */
export function tail(text: string, lines = 5, maxChars = 800): string {
  const kept = text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n');
  return kept.length > maxChars ? `...${kept.slice(-maxChars)}` : kept;
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
