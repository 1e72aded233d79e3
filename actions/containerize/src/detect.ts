/**
 * What a Node.js project declares about how it is built and started, read
 * from package.json, its lockfile and its sources. Pure: the caller reads the
 * files; every conclusion is a Fact saying whether it was detected, assumed
 * or given as an input, so the summary can show which is which.
 */
import { isRecord } from '@pipeline/action-kit';

export type PackageManager = 'npm' | 'yarn' | 'pnpm';
/** observed: seen in the running image (the port probe), not read from files. */
export type Origin = 'detected' | 'assumed' | 'input' | 'observed';

export interface Fact {
  what: string;
  value: string;
  origin: Origin;
  /** Where it was seen, or why it was assumed. */
  how: string;
}

export interface PackageJson {
  name?: string;
  main?: string;
  packageManager?: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** The parts of package.json the detection reads; anything else is ignored. */
export function readPackageJson(value: unknown): PackageJson {
  const record = isRecord(value) ? value : {};
  const strings = (v: unknown): Record<string, string> =>
    isRecord(v)
      ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
      : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const pkg: PackageJson = {
    scripts: strings(record['scripts']),
    dependencies: strings(record['dependencies']),
    devDependencies: strings(record['devDependencies']),
  };
  const name = text(record['name']);
  const main = text(record['main']);
  const manager = text(record['packageManager']);
  if (name) pkg.name = name;
  if (main) pkg.main = main;
  if (manager) pkg.packageManager = manager;
  return pkg;
}

export interface ManagerChoice {
  manager: PackageManager;
  lockfile: string | undefined;
  /** The version to install when the base image lacks the tool (yarn, pnpm). */
  version: string | undefined;
  fact: Fact;
}

const LOCKFILES: readonly [string, PackageManager][] = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
];

/** The package manager: the lockfile's, else the `packageManager` field's, else npm. */
export function detectPackageManager(files: ReadonlySet<string>, pkg: PackageJson): ManagerChoice {
  const declared = /^(npm|yarn|pnpm)@([0-9][^\s+]*)/.exec(pkg.packageManager ?? '');
  const found = LOCKFILES.find(([file]) => files.has(file));
  if (found) {
    const [lockfile, manager] = found;
    const version = declared?.[1] === manager ? declared[2] : undefined;
    return { manager, lockfile, version, fact: fact('package manager', manager, 'detected', lockfile) };
  }
  if (declared) {
    const manager = declared[1] as PackageManager;
    return {
      manager,
      lockfile: undefined,
      version: declared[2],
      fact: fact('package manager', manager, 'detected', 'package.json packageManager (no lockfile)'),
    };
  }
  return {
    manager: 'npm',
    lockfile: undefined,
    version: undefined,
    fact: fact('package manager', 'npm', 'assumed', 'no lockfile and no packageManager field'),
  };
}

export interface BuildChoice {
  /** The command line that builds, or undefined when nothing is built. */
  command: string[] | undefined;
  fact: Fact;
}

/** The build: the `build` script, else `tsc` for a TypeScript project that declares none. */
export function detectBuild(files: ReadonlySet<string>, pkg: PackageJson, manager: PackageManager): BuildChoice {
  if (pkg.scripts['build'] !== undefined)
    return {
      command: [manager, 'run', 'build'],
      fact: fact('build', `${manager} run build`, 'detected', 'package.json scripts.build'),
    };
  const typescript = pkg.devDependencies['typescript'] ?? pkg.dependencies['typescript'];
  if (files.has('tsconfig.json') && typescript !== undefined)
    return {
      command: ['npx', '--no-install', 'tsc', '-p', 'tsconfig.json'],
      fact: fact(
        'build',
        'tsc -p tsconfig.json',
        'assumed',
        'no build script; tsconfig.json and typescript are present',
      ),
    };
  return { command: undefined, fact: fact('build', 'none', 'detected', 'no build script') };
}

export interface StartChoice {
  /** Exec-form command (CMD). */
  command: string[];
  fact: Fact;
}

/** Scripts a project uses for production starts, in order of preference. */
export const PRODUCTION_SCRIPTS = ['start:prod', 'start:production', 'serve:prod', 'prod'];
const SIMPLE_NODE = /^node(\s+[A-Za-z0-9_./@=:-]+)+$/;
const RUNNABLE_MAIN = /\.(c|m)?js$/;

/** `node a b` without shell syntax runs directly (signals reach node); anything else through the package manager. */
function scriptCommand(manager: PackageManager, script: string, body: string): string[] {
  return SIMPLE_NODE.test(body.trim()) ? body.trim().split(/\s+/) : [manager, 'run', script];
}

/**
 * The start command: the input, a production start script, `main`, else
 * `npm start`. A `main` that is not in the repository yields to a start
 * script (npm init writes `main: index.js` whether or not it exists; a built
 * `dist/main.js` does not exist before the build either, so without a start
 * script it is still used).
 */
export function detectStart(
  pkg: PackageJson,
  manager: PackageManager,
  input: string | undefined,
  mainExists = true,
): StartChoice {
  if (input !== undefined)
    return {
      command: ['/bin/sh', '-c', `exec ${input}`],
      fact: fact('start command', input, 'input', 'start-command'),
    };
  for (const script of PRODUCTION_SCRIPTS) {
    const body = pkg.scripts[script];
    if (body === undefined) continue;
    const command = scriptCommand(manager, script, body);
    return { command, fact: fact('start command', command.join(' '), 'detected', `package.json scripts["${script}"]`) };
  }
  const start = pkg.scripts['start'];
  if (pkg.main !== undefined && RUNNABLE_MAIN.test(pkg.main) && (mainExists || start === undefined)) {
    return {
      command: ['node', pkg.main],
      fact: fact('start command', `node ${pkg.main}`, 'detected', 'package.json main'),
    };
  }
  if (start !== undefined) {
    const command = scriptCommand(manager, 'start', start);
    const why = !pkg.main
      ? 'package.json scripts.start'
      : RUNNABLE_MAIN.test(pkg.main)
        ? `package.json scripts.start (main ${pkg.main} is not in the repository)`
        : `package.json scripts.start (main ${pkg.main} is not JavaScript)`;
    return { command, fact: fact('start command', command.join(' '), 'detected', why) };
  }
  return {
    command: ['npm', 'start'],
    fact: fact('start command', 'npm start', 'assumed', 'no start script and no main: npm start runs node server.js'),
  };
}

export interface SourceFile {
  path: string;
  text: string;
}

/** How the port was found: the `port` input, seen listening in the running image, or one of the static rules. */
export type PortSource = 'input' | 'observed' | 'exposed' | 'source-literal' | 'assumed';

export interface PortChoice {
  port: number;
  source: PortSource;
  fact: Fact;
  /** The sources read $PORT: the port is set through it as well. */
  readsPortVariable: boolean;
}

const EXPOSE = /^\s*EXPOSE\s+(\d{1,5})(?:\/tcp)?\b/im;
const SOURCE_PORTS = [
  /\.listen\(\s*(\d{2,5})\b/,
  /\bport\s*[:=]\s*(\d{2,5})\b/i,
  /process\.env\.PORT\s*(?:\|\||\?\?)\s*['"]?(\d{2,5})\b/,
];
export const DEFAULT_PORT = 3000;

export function validPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** The container port: the input, a Dockerfile's EXPOSE, a literal in the sources, else 3000. */
export function detectPort(
  input: number | undefined,
  dockerfile: SourceFile | undefined,
  sources: readonly SourceFile[],
): PortChoice {
  const readsPortVariable = sources.some((s) => /process\.env(\.PORT\b|\[['"]PORT['"]\])/.test(s.text));
  if (input !== undefined)
    return { port: input, source: 'input', readsPortVariable, fact: fact('port', String(input), 'input', 'port') };
  const exposed = dockerfile ? EXPOSE.exec(dockerfile.text) : null;
  if (exposed && validPort(Number(exposed[1])))
    return {
      port: Number(exposed[1]),
      source: 'exposed',
      readsPortVariable,
      fact: fact('port', exposed[1] as string, 'detected', `EXPOSE in ${dockerfile?.path}`),
    };
  for (const source of sources) {
    for (const pattern of SOURCE_PORTS) {
      const match = pattern.exec(source.text);
      if (!match || !validPort(Number(match[1]))) continue;
      const line = source.text.slice(0, match.index).split('\n').length;
      return {
        port: Number(match[1]),
        source: 'source-literal',
        readsPortVariable,
        fact: fact('port', match[1] as string, 'detected', `${source.path}:${line}`),
      };
    }
  }
  return {
    port: DEFAULT_PORT,
    source: 'assumed',
    readsPortVariable,
    fact: fact(
      'port',
      String(DEFAULT_PORT),
      'assumed',
      'no EXPOSE and no port literal in the sources; PORT is set to it',
    ),
  };
}

export function fact(what: string, value: string, origin: Origin, how: string): Fact {
  return { what, value, origin, how };
}
