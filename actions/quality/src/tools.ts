/**
 * Finds and runs the consumer repository's own tools. The action never
 * bundles prettier, eslint or typescript: a bundled copy would ignore the
 * repository's plugins and versions.
 */
import { existsSync, openSync, readSync, closeSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ActionError, type Exec, type ExecResult } from '@pipeline/action-kit';
import type { CheckName } from './inputs.js';

export interface Tool {
  check: CheckName;
  /** npm package that provides the binary. */
  packageName: string;
  bin: string;
}

export const TOOLS: Readonly<Record<Exclude<CheckName, 'line-length'>, Tool>> = {
  prettier: { check: 'prettier', packageName: 'prettier', bin: 'prettier' },
  eslint: { check: 'eslint', packageName: 'eslint', bin: 'eslint' },
  typescript: { check: 'typescript', packageName: 'typescript', bin: 'tsc' },
};

/**
 * The reusable pipeline checks its own actions out into this folder of the
 * workspace (see docs/referencing-actions.md). Its bundles are not the
 * repository's code, so no check reads them.
 */
export const PIPELINE_CHECKOUT_DIR = '.pipeline-actions';

/** Looks for node_modules/.bin/<bin> from `start` up to `stopAt` (the workspace root), as npm would for a hoisted install. */
export function findToolBin(tool: Tool, start: string, stopAt: string): string | undefined {
  let dir = path.resolve(start);
  const root = path.resolve(stopAt);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', '.bin', tool.bin);
    if (existsSync(candidate)) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

export function missingToolError(tool: Tool, workingDirectory: string): ActionError {
  return new ActionError(
    `The '${tool.check}' check is enabled but ${tool.packageName} is not installed in ${workingDirectory} ` +
      `(no node_modules/.bin/${tool.bin} there or in a parent up to the workspace). ` +
      `Add it to the repository with \`npm install --save-dev ${tool.packageName}\` and install dependencies (npm ci) before this step, ` +
      `or remove '${tool.check}' from the checks input.`,
  );
}

/** A resolved tool: runs JavaScript entry points with this Node, shell shims (pnpm, yarn) directly. */
export class ToolRunner {
  /** The JavaScript entry point behind the bin link, or undefined for a shell shim; resolved once. */
  private readonly script: string | undefined;

  constructor(
    readonly binPath: string,
    private readonly exec: Exec,
    /** The installed package's version (./tool-versions.ts), when known. */
    readonly version?: string,
  ) {
    const target = realpathSync(binPath);
    this.script = isNodeScript(target) ? target : undefined;
  }

  run(args: readonly string[], cwd: string, input?: string): Promise<ExecResult> {
    const options = input === undefined ? { cwd } : { cwd, input };
    if (this.script) return this.exec(process.execPath, [this.script, ...args], options);
    return this.exec(this.binPath, args, options);
  }
}

function isNodeScript(file: string): boolean {
  if (/\.(c|m)?js$/.test(file)) return true;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(128);
    const read = readSync(fd, head, 0, head.length, 0);
    const firstLine = head.subarray(0, read).toString('utf8').split('\n')[0] ?? '';
    return firstLine.startsWith('#!') && /\bnode\b/.test(firstLine);
  } finally {
    closeSync(fd);
  }
}

/** Path relative to the workspace with forward slashes, for annotations. */
export function toWorkspacePath(file: string, base: string, workspace: string): string {
  return path.relative(workspace, path.resolve(base, file)).split(path.sep).join('/');
}
