/** Builds throwaway consumer repositories from the committed fixture project. */
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(here, '../../..');
export const actionDir = path.resolve(here, '..');
const fixture = path.join(here, 'fixtures', 'project');

export type ToolPackage = 'prettier' | 'eslint' | 'typescript';

/** Installs the given packages into the project the way npm does: node_modules/<pkg> plus node_modules/.bin links. */
async function linkTools(project: string, packages: readonly ToolPackage[]): Promise<void> {
  const modules = path.join(project, 'node_modules');
  await mkdir(path.join(modules, '.bin'), { recursive: true });
  for (const name of packages) {
    const source = path.join(repoRoot, 'node_modules', name);
    await symlink(source, path.join(modules, name), 'dir');
    const manifest = JSON.parse(await readFile(path.join(source, 'package.json'), 'utf8')) as {
      bin?: string | Record<string, string>;
    };
    const bins = typeof manifest.bin === 'string' ? { [name]: manifest.bin } : (manifest.bin ?? {});
    for (const [bin, target] of Object.entries(bins))
      await symlink(path.join('..', name, target), path.join(modules, '.bin', bin));
  }
}

export interface ConsumerRepo {
  workspace: string;
  write(file: string, content: string): Promise<void>;
}

export async function consumerRepo(
  tools: readonly ToolPackage[] = ['prettier', 'eslint', 'typescript'],
): Promise<ConsumerRepo> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'quality-consumer-'));
  await cp(fixture, workspace, { recursive: true });
  await linkTools(workspace, tools);
  return {
    workspace,
    write: (file, content) => writeFile(path.join(workspace, file), content),
  };
}
