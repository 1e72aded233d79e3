/**
 * Reading the project: package.json, the top-level file names and the
 * sources a port literal may be in. Bounded, so a large repository costs no
 * more than a small one.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SourceFile } from './detect.js';

/** The project's I/O (real files by default, a fake in unit tests). */
export interface ProjectIo {
  readText(file: string): Promise<string | undefined>;
  list(directory: string): Promise<{ name: string; directory: boolean }[]>;
}

export const realProjectIo: ProjectIo = {
  readText: async (file) => {
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? readFile(file, 'utf8') : undefined;
  },
  list: async (directory) =>
    (await readdir(directory, { withFileTypes: true }).catch(() => [])).map((e) => ({
      name: e.name,
      directory: e.isDirectory(),
    })),
};

const SOURCE = /\.(ts|js|mjs|cjs|mts|cts)$/;
const SKIP = new Set(['node_modules', 'dist', 'build', 'coverage', 'test', 'tests', '__tests__', '.git']);
const ENTRY_FIRST = /^(main|index|server|app)\./;
export const MAX_SOURCES = 200;
const MAX_SOURCE_BYTES = 256 * 1024;

/** Source files under the directory (entry files first, tests and output left out), at most MAX_SOURCES. */
export async function readSources(root: string, io: ProjectIo, depth = 3): Promise<SourceFile[]> {
  const found: string[] = [];
  const walk = async (dir: string, level: number): Promise<void> => {
    const entries = (await io.list(dir)).sort(
      (a, b) => Number(ENTRY_FIRST.test(b.name)) - Number(ENTRY_FIRST.test(a.name)) || a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (found.length >= MAX_SOURCES) return;
      if (entry.directory) {
        if (level < depth && !SKIP.has(entry.name) && !entry.name.startsWith('.'))
          await walk(path.join(dir, entry.name), level + 1);
      } else if (SOURCE.test(entry.name) && !/\.(spec|test|d)\.[a-z]+$/.test(entry.name)) {
        found.push(path.join(dir, entry.name));
      }
    }
  };
  await walk(root, 0);
  const sources: SourceFile[] = [];
  for (const file of found) {
    const text = await io.readText(file);
    if (text !== undefined && text.length <= MAX_SOURCE_BYTES) sources.push({ path: path.relative(root, file), text });
  }
  return sources;
}
