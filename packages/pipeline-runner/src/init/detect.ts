/**
 * What `init` reads from a repository: where the service is, what it is
 * called, how it builds and starts (actions/containerize's pure detection),
 * its port, a health route, which quality tools it has and whether it has
 * tests. Every conclusion is a Fact: detected, or assumed with the reason.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  detectBuild,
  detectPackageManager,
  detectPort,
  detectStart,
  fact,
  readPackageJson,
  type Fact,
  type PackageJson,
  type SourceFile,
} from '../../../../actions/containerize/src/detect.js';
import { readSources, realProjectIo } from '../../../../actions/containerize/src/project.js';

export interface Project {
  /** The service's directory relative to the repository ('.' or a sub-folder). */
  serviceDirectory: string;
  name: string;
  pkg: PackageJson;
  files: Set<string>;
  hasDockerfile: boolean;
  dockerfileText: string | undefined;
  port: number;
  readinessPath: string | undefined;
  qualityChecks: string[];
  /** The limit the repository states (its Prettier's printWidth); undefined: none, so no line-length check. */
  maxLineLength: number | undefined;
  lineLengthInclude: string | undefined;
  /** The npm script that runs the tests; undefined: none (the test stage is left out). */
  testScript: string | undefined;
  /** The security stage's scanners when the default (npm-audit,trivy-fs) cannot run; undefined: the default. */
  securityScanners: string | undefined;
  /** package.json main names a file in the repository. */
  mainExists: boolean;
  facts: Fact[];
}

const HEALTH_ROUTES = ['/health/ready', '/readyz', '/healthz', '/health', '/ready', '/ping'];

/** The service folder: the repository root with a package.json, else the one sub-folder that has one. */
async function serviceDirectory(repo: string): Promise<{ dir: string; fact: Fact }> {
  const names = await readdir(repo).catch(() => [] as string[]);
  if (names.includes('package.json'))
    return { dir: '.', fact: fact('service directory', '.', 'detected', 'package.json') };
  const candidates: string[] = [];
  for (const name of names.filter((n) => !n.startsWith('.') && n !== 'node_modules').sort())
    if ((await readdir(path.join(repo, name)).catch(() => [] as string[])).includes('package.json'))
      candidates.push(name);
  if (candidates.length === 1)
    return {
      dir: candidates[0] as string,
      fact: fact(
        'service directory',
        candidates[0] as string,
        'detected',
        `${candidates[0]}/package.json (none at the root)`,
      ),
    };
  throw new Error(
    `${repo} has no package.json at its root${candidates.length > 1 ? ` and several folders with one (${candidates.join(', ')})` : ' nor in a sub-folder'}: init is for Node.js services`,
  );
}

/** A health route the sources declare as a string literal. */
export function detectHealthRoute(sources: readonly SourceFile[]): { path: string; fact: Fact } | undefined {
  for (const route of HEALTH_ROUTES) {
    const quoted = new RegExp(`['"\`]${route.replace(/\//g, '\\/')}['"\`]`);
    const source = sources.find((s) => quoted.test(s.text));
    if (source) return { path: route, fact: fact('readiness path', route, 'detected', `route in ${source.path}`) };
  }
  return undefined;
}

const has = (files: Set<string>, pattern: RegExp): boolean => [...files].some((f) => pattern.test(f));

const PRETTIER_CONFIG = /^(\.prettierrc(\.[a-z]+)?|prettier\.config\.[cm]?[jt]s)$/;

/** The repository formats with Prettier: it depends on it or configures it. */
export function usesPrettier(files: ReadonlySet<string>, pkg: PackageJson): boolean {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  return deps['prettier'] !== undefined || [...files].some((f) => PRETTIER_CONFIG.test(f));
}

/**
 * The quality checks the repository has the tools and configuration for.
 * line-length only with a limit the repository states (lineLimit: its
 * Prettier's): a repository without one never agreed to 80 columns.
 */
export function detectQuality(
  files: Set<string>,
  pkg: PackageJson,
  lineLimit: number | undefined,
): { checks: string[]; fact: Fact } {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const checks: string[] = [];
  if (deps['prettier'] !== undefined) checks.push('prettier');
  if (deps['eslint'] !== undefined && has(files, /^(eslint\.config\.[cm]?[jt]s|\.eslintrc(\.[a-z]+)?)$/))
    checks.push('eslint');
  if (deps['typescript'] !== undefined && files.has('tsconfig.json')) checks.push('typescript');
  if (lineLimit !== undefined) checks.push('line-length');
  return {
    checks,
    fact: fact(
      'quality checks',
      checks.join(','),
      'detected',
      'the tools in package.json and their configuration files',
    ),
  };
}

async function printWidth(
  dir: string,
  files: Set<string>,
  pkg: PackageJson,
): Promise<{ width: number | undefined; fact: Fact }> {
  if (!usesPrettier(files, pkg))
    return {
      width: undefined,
      fact: fact(
        'max line length',
        'none',
        'detected',
        'no Prettier in package.json or its configuration: the repository states no limit, so no line-length check',
      ),
    };
  for (const name of ['.prettierrc', '.prettierrc.json']) {
    if (!files.has(name)) continue;
    try {
      const value = (JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { printWidth?: unknown }).printWidth;
      if (typeof value === 'number')
        return { width: value, fact: fact('max line length', String(value), 'detected', `${name} printWidth`) };
    } catch {
      /* not JSON (YAML .prettierrc): fall through */
    }
  }
  return { width: 80, fact: fact('max line length', '80', 'assumed', "Prettier's default printWidth") };
}

const TEST_SCRIPTS = ['test', 'test:unit', 'test:ci'];

/** The npm script that runs the tests: `test`, else `test:unit` or `test:ci` (npm init's placeholder is no test). */
export function detectTestScript(pkg: PackageJson): { script: string | undefined; fact: Fact } {
  const script = TEST_SCRIPTS.find((name) => {
    const command = pkg.scripts[name];
    return command !== undefined && !/no test specified/.test(command);
  });
  if (script === undefined)
    return { script, fact: fact('tests', 'none', 'detected', 'no test script: the test stage is left out') };
  return {
    script,
    fact: fact(
      'tests',
      `npm run ${script}`,
      'detected',
      script === 'test' ? 'package.json scripts.test' : `package.json scripts["${script}"] (no scripts.test)`,
    ),
  };
}

/** npm audit reads only npm's lockfiles; without one it fails, and Trivy alone reads yarn.lock or pnpm-lock.yaml. */
export function detectScanners(files: ReadonlySet<string>): { scanners: string | undefined; fact: Fact } {
  if (files.has('package-lock.json') || files.has('npm-shrinkwrap.json'))
    return { scanners: undefined, fact: fact('security scanners', 'npm-audit,trivy-fs', 'detected', "npm's lockfile") };
  const other = ['yarn.lock', 'pnpm-lock.yaml'].find((f) => files.has(f));
  return {
    scanners: 'trivy-fs',
    fact: fact(
      'security scanners',
      'trivy-fs',
      'detected',
      other
        ? `${other}: npm audit reads only package-lock.json or npm-shrinkwrap.json, Trivy reads ${other}`
        : 'no lockfile: npm audit needs one (Trivy still scans files and manifests)',
    ),
  };
}

export async function detectProject(repo: string): Promise<Project> {
  const { dir, fact: dirFact } = await serviceDirectory(repo);
  const root = path.join(repo, dir);
  const files = new Set(await readdir(root));
  const pkg = readPackageJson(JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as unknown);
  const sources = await readSources(root, realProjectIo);
  const dockerfileText = files.has('Dockerfile') ? await readFile(path.join(root, 'Dockerfile'), 'utf8') : undefined;
  const port = detectPort(
    undefined,
    dockerfileText ? { path: 'Dockerfile', text: dockerfileText } : undefined,
    sources,
  );
  const manager = detectPackageManager(files, pkg);
  const health = detectHealthRoute(sources);
  const width = await printWidth(root, files, pkg);
  const quality = detectQuality(files, pkg, width.width);
  const name =
    (pkg.name ?? path.basename(path.resolve(repo)))
      .replace(/^@[^/]+\//, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'service';
  const mainExists =
    pkg.main !== undefined && (await stat(path.join(root, pkg.main)).catch(() => undefined)) !== undefined;
  const tests = detectTestScript(pkg);
  const facts: Fact[] = [
    dirFact,
    fact('name', name, pkg.name ? 'detected' : 'assumed', pkg.name ? 'package.json name' : 'the folder name'),
  ];
  facts.push(
    manager.fact,
    detectBuild(files, pkg, manager.manager).fact,
    detectStart(pkg, manager.manager, undefined, mainExists).fact,
    port.fact,
  );
  facts.push(
    health?.fact ??
      fact(
        'readiness path',
        '(TCP)',
        'assumed',
        `no ${HEALTH_ROUTES.join(', ')} route in the sources: a TCP probe on the port`,
      ),
  );
  const scanners = detectScanners(files);
  facts.push(quality.fact, width.fact, scanners.fact);
  facts.push(tests.fact);
  const srcDir = (await readdir(path.join(root, 'src')).catch(() => undefined)) !== undefined;
  return {
    serviceDirectory: dir,
    name,
    pkg,
    files,
    hasDockerfile: dockerfileText !== undefined,
    dockerfileText,
    port: port.port,
    readinessPath: health?.path,
    qualityChecks: quality.checks,
    maxLineLength: width.width,
    // Configuration files (an ESLint config's long import line) are not the service's code.
    lineLengthInclude: width.width !== undefined && srcDir ? 'src/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}' : undefined,
    testScript: tests.script,
    securityScanners: scanners.scanners,
    mainExists,
    facts,
  };
}
