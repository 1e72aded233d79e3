/**
 * An in-memory EmulationIO for unit tests: files and directories in maps,
 * exec answered by a script the test supplies (which may write files, as
 * buildx writes its metadata file), every call recorded.
 */
import type {
  EmulationContext,
  EmulationIO,
  ExecOptions,
  ExecResult,
  GitHubContext,
} from '../../src/emulations/docker/types.js';

export type ExecScript = (
  argv: readonly string[],
  options: ExecOptions,
  io: FakeIO,
) => ExecResult | Promise<ExecResult>;

export class FakeIO implements EmulationIO {
  readonly files = new Map<string, string>();
  readonly modes = new Map<string, number>();
  readonly dirs = new Set<string>();
  readonly calls: { argv: string[]; options: ExecOptions }[] = [];
  /** Every file ever written (path → content), even if removed later. */
  readonly written = new Map<string, string>();
  private counter = 0;

  constructor(private readonly script: ExecScript = () => ({ exitCode: 0, stdout: '', stderr: '' })) {}

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ argv: [...argv], options });
    return this.script(argv, options, this);
  }

  async readFile(file: string): Promise<string | undefined> {
    return this.files.get(file);
  }

  async exists(file: string): Promise<boolean> {
    return (
      this.files.has(file) ||
      this.dirs.has(file) ||
      [...this.files.keys(), ...this.dirs].some((p) => p.startsWith(`${file}/`))
    );
  }

  async writeFile(file: string, content: string, mode?: number): Promise<void> {
    this.files.set(file, content);
    this.written.set(file, content);
    if (mode !== undefined) this.modes.set(file, mode);
  }

  async remove(file: string): Promise<void> {
    for (const p of [...this.files.keys()]) if (p === file || p.startsWith(`${file}/`)) this.files.delete(p);
    for (const p of [...this.dirs]) if (p === file || p.startsWith(`${file}/`)) this.dirs.delete(p);
  }

  async rename(from: string, to: string): Promise<void> {
    for (const [p, content] of [...this.files]) {
      if (p === from || p.startsWith(`${from}/`)) {
        this.files.delete(p);
        this.files.set(to + p.slice(from.length), content);
      }
    }
    for (const p of [...this.dirs]) {
      if (p === from || p.startsWith(`${from}/`)) {
        this.dirs.delete(p);
        this.dirs.add(to + p.slice(from.length));
      }
    }
  }

  async makeTempDir(prefix: string): Promise<string> {
    this.counter += 1;
    const dir = `/runner/temp/${prefix}${this.counter}`;
    this.dirs.add(dir);
    return dir;
  }
}

export const SHA = 'abc1234def5678901234567890abcdef12345678';

export function github(overrides: Partial<GitHubContext> = {}): GitHubContext {
  return {
    eventName: 'push',
    ref: 'refs/heads/main',
    sha: SHA,
    repository: 'acme/widget',
    serverUrl: 'https://github.com',
    runId: '42',
    runAttempt: '1',
    payload: {},
    repo: {
      name: 'widget',
      description: 'A widget service',
      htmlUrl: 'https://github.com/acme/widget',
      license: 'MIT',
      defaultBranch: 'main',
    },
    now: new Date('2026-12-01T20:00:00.000Z'),
    ...overrides,
  };
}

export const REGISTRY = '127.0.0.1:5000';

export function context(overrides: Partial<EmulationContext> = {}, gh: Partial<GitHubContext> = {}): EmulationContext {
  return {
    github: github(gh),
    env: {},
    workspace: '/work/repo',
    docker: {
      registry: REGISTRY,
      builder: 'pipeline',
      cacheDir: '/work/repo/.tmp/buildx-cache',
      dockerCommand: 'docker',
      hostArch: 'amd64',
      binfmtDir: '/proc/sys/fs/binfmt_misc',
      standInImages: ['docker.io/library/node:24-bookworm-slim', 'gcr.io/distroless/nodejs24-debian12:nonroot'],
    },
    ...overrides,
  };
}
