/**
 * Trivy's misconfiguration check of what kustomize would deploy: each
 * top-level kustomization is rendered with `kubectl kustomize` (argument
 * array, bounded) into a temporary directory and scanned there; findings
 * point at the kustomization's own file. The plan is in kustomize-plan.ts.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describeError, tail } from '@pipeline/action-kit';
import type { Exec } from '@pipeline/action-kit';
import type { Finding, ScanResult } from './model.js';
import { joinPath } from './parsers/common.js';
import { parseTrivy } from './parsers/trivy.js';
import { planKustomize } from './kustomize-plan.js';
import type { KustomizationFile, KustomizePlan } from './kustomize-plan.js';

const NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
const NEVER = new Set(['node_modules', '.git']);
const MAX_DEPTH = 12;
const MAX_ENTRIES = 50_000;
const RENDERED = 'kustomize-build.yaml';

/** TRIVY_SKIP_DIRS (comma-separated globs relative to the scanned directory) also keeps kustomizations out. */
export function skipDirPatterns(env: NodeJS.ProcessEnv): string[] {
  return (env['TRIVY_SKIP_DIRS'] ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^\.\//, '').replace(/\/+$/, ''))
    .filter((entry) => entry !== '');
}

function skipped(rel: string, name: string, patterns: readonly string[]): boolean {
  return NEVER.has(name) || patterns.some((pattern) => rel === pattern || path.posix.matchesGlob(rel, pattern));
}

/** Every kustomization under root (bounded walk); an unreadable or invalid one is an error naming it. */
export async function findKustomizations(root: string, patterns: readonly string[]): Promise<KustomizationFile[]> {
  const found: KustomizationFile[] = [];
  let seen = 0;
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    seen += entries.length;
    if (seen > MAX_ENTRIES)
      throw new Error(`more than ${MAX_ENTRIES} files under ${root}: not searched for kustomizations`);
    for (const entry of entries) {
      const child = rel === '.' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory() && depth < MAX_DEPTH && !skipped(child, entry.name, patterns))
        await walk(child, depth + 1);
      else if (entry.isFile() && NAMES.has(entry.name)) {
        const text = await readFile(path.join(root, child), 'utf8');
        try {
          found.push({ dir: rel, file: child, doc: parse(text) as unknown });
        } catch (error: unknown) {
          throw new Error(`${child} is not valid YAML: ${describeError(error)}`, { cause: error });
        }
      }
    }
  };
  await walk('.', 0);
  return found;
}

export interface KustomizeScanDeps {
  exec: Exec;
  env: Record<string, string>;
  timeoutMs: number;
}

/** The rendered roots' findings, each located at its kustomization file (relative to the repository root). */
export async function scanRendered(
  plan: KustomizePlan,
  trivy: string,
  kubectl: string,
  trivyArgs: (target: string) => string[],
  pathPrefix: string,
  deps: KustomizeScanDeps,
): Promise<ScanResult> {
  const work = await mkdtemp(path.join(deps.env['RUNNER_TEMP'] ?? tmpdir(), 'security-kustomize-'));
  try {
    for (const root of plan.roots) {
      const out = await deps.exec(kubectl, ['kustomize', root.dir], { env: deps.env, timeoutMs: deps.timeoutMs });
      if (out.exitCode !== 0)
        throw new Error(`kubectl kustomize ${root.dir} failed (exit ${out.exitCode}): ${tail(out.stderr)}`);
      await mkdir(path.join(work, root.dir), { recursive: true });
      await writeFile(path.join(work, root.dir, RENDERED), out.stdout);
    }
    const out = await deps.exec(trivy, trivyArgs('.'), { cwd: work, env: deps.env, timeoutMs: deps.timeoutMs });
    const result = parseTrivy(out.stdout, out.exitCode, out.stderr, { scanner: 'trivy-fs', pathPrefix: '' });
    const fileOf = new Map(plan.roots.map((root) => [path.posix.join(root.dir, RENDERED), root.file]));
    return { ...result, findings: result.findings.map((finding) => relocate(finding, fileOf, pathPrefix)) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A finding in a rendered file points at the kustomization file, without lines (they were the rendering's). */
function relocate(finding: Finding, fileOf: ReadonlyMap<string, string>, pathPrefix: string): Finding {
  const rendered = finding.location?.path;
  const file = rendered === undefined ? undefined : fileOf.get(rendered);
  if (file === undefined) return finding;
  const note = `Found in the output of \`kubectl kustomize ${path.posix.dirname(file)}\`.`;
  return {
    ...finding,
    location: { path: joinPath(pathPrefix, file) },
    description: finding.description ? `${finding.description} ${note}` : note,
  };
}

export { planKustomize };
