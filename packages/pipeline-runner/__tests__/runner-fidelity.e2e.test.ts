/**
 * `npm run pipeline` as a user runs it, on a copy of the adopter fixture in
 * its own git repository: the caller's on: filters (not triggered, with the
 * reason, exit 4; --force), --ref (missing, another commit: a clean checkout
 * of it), a pull_request event (refs/pull/N/merge, head and base, the
 * payload and github.event.pull_request.* expressions), and that no run
 * writes into the repository. Only the pipeline's plan job and a caller job
 * that records the github context run (--input stages=): no docker, no cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../src/runner.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runnerDir = path.join(root, 'packages/pipeline-runner');
const temps: string[] = [];
let repo = '';
let before = '';
let firstSha = '';

const git = (...args: string[]): string =>
  execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim();

// A caller job that records what a step sees of the event.
const FACTS_JOB = `
  facts:
    runs-on: ubuntu-latest
    outputs:
      seen: \${{ steps.seen.outputs.seen }}
      pr-head: \${{ github.event.pull_request.head.sha }}
      pr-base-ref: \${{ github.event.pull_request.base.ref }}
      pr-number: \${{ github.event.number }}
      pr-merge: \${{ github.event.pull_request.merge_commit_sha }}
    steps:
      - id: seen
        run: |
          marker="$(cat marker.txt)"
          from_file="$(node -e 'const e = require(process.env.GITHUB_EVENT_PATH); console.log(e.pull_request ? e.pull_request.head.ref + "@" + e.pull_request.base.sha : e.after)')"
          base_only="$(if [ -f base-only.txt ]; then echo yes; else echo no; fi)"
          echo "seen=$GITHUB_SHA $GITHUB_REF $GITHUB_REF_NAME head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF marker=$marker base-only=$base_only event=$from_file" >> "$GITHUB_OUTPUT"
`;

/** Every path under the repository (.git included) with size and mtime, and git's view of it. */
async function snapshot(dir: string): Promise<string> {
  const entries: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const full = path.join(d, name);
      const info = await stat(full);
      entries.push(`${path.relative(dir, full)} ${info.isDirectory() ? 'dir' : info.size} ${info.mtimeMs}`);
      if (info.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  const status = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--ignored'], {
    encoding: 'utf8',
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  return `${status}\n${entries.join('\n')}`;
}

interface CliRun {
  code: number | null;
  out: string;
  report?: RunReport;
}

async function pipeline(...args: string[]): Promise<CliRun> {
  return pipelineIn(repo, ...args);
}

async function pipelineIn(dir: string, ...args: string[]): Promise<CliRun> {
  const reportDir = await mkdtemp(path.join(tmpdir(), 'fidelity-report-'));
  temps.push(reportDir);
  const result = spawnSync(
    process.execPath,
    ['--import', './src/hooks.ts', './src/cli.ts', dir, '--report-dir', reportDir, '--input', 'stages=', ...args],
    { cwd: runnerDir, encoding: 'utf8', env: { ...process.env, INIT_CWD: runnerDir }, timeout: 120_000 },
  );
  const json = await readFile(path.join(reportDir, 'report.json'), 'utf8').catch(() => undefined);
  return {
    code: result.status,
    out: `${result.stdout}${result.stderr}`,
    ...(json ? { report: JSON.parse(json) as RunReport } : {}),
  };
}

const seen = (run: CliRun): string => run.report?.jobs.find((j) => j.path === 'facts')?.outputs['seen'] ?? run.out;
const planTag = (run: CliRun): string | undefined =>
  run.report?.jobs.find((j) => j.path === 'pipeline/plan')?.outputs['sha-tag'];

beforeAll(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'fidelity-repo-'));
  temps.push(repo);
  await cp(path.join(root, 'fixtures/adopter-repo'), repo, {
    recursive: true,
    filter: (s) => !s.includes('node_modules'),
  });
  await appendFile(path.join(repo, '.github/workflows/pipeline.yml'), FACTS_JOB);
  await writeFile(path.join(repo, 'marker.txt'), 'first\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
  git('checkout', '-q', '-b', 'develop');
  await writeFile(path.join(repo, 'marker.txt'), 'second\n');
  git('commit', '-q', '-am', 'second');
  git('branch', 'feature/x');
  const caller = path.join(repo, '.github/workflows/pipeline.yml');
  const text = await readFile(caller, 'utf8');
  git('checkout', '-q', '-b', 'calls-v1', 'main');
  await writeFile(caller, text.replace(/pipeline\.yml@[0-9a-f]{40}/, 'pipeline.yml@v1'));
  git('commit', '-q', '-am', 'call @v1');
  git('checkout', '-q', '-b', 'conflicting', 'main');
  await writeFile(path.join(repo, 'marker.txt'), 'conflict\n');
  git('commit', '-q', '-am', 'conflicts with develop');
  git('checkout', '-q', 'main');
  firstSha = git('rev-parse', 'HEAD');
  await writeFile(path.join(repo, 'base-only.txt'), 'on main after feature/x branched\n');
  git('add', 'base-only.txt');
  git('commit', '-q', '-m', 'base moves on');
  git('checkout', '-q', 'develop');
  await writeFile(path.join(repo, 'marker.txt'), 'uncommitted\n'); // never part of a run without --working-tree
  git('status'); // let git settle its index before the snapshot
  before = await snapshot(repo);
});

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

describe('npm run pipeline: triggers, refs and events', () => {
  it('does not run a branch the caller does not trigger on, says why, and exits 4', async () => {
    const run = await pipeline('--ref', 'feature/x');
    expect(run.code).toBe(4);
    expect(run.out).toContain(
      "not triggered: .github/workflows/pipeline.yml would not run for push on refs/heads/feature/x: branch 'feature/x' matches none of branches: ['main', 'develop', 'hotfix/**']",
    );
    expect(run.report).toBeUndefined();
  });

  it('runs it with --force, labelled as forced, from a clean checkout of the branch', async () => {
    const run = await pipeline('--ref', 'feature/x', '--force');
    expect(run.code).toBe(0);
    expect(run.out).toContain('FORCED (--force): GitHub would not run this');
    expect(run.report?.trigger).toMatchObject({ triggered: false, forced: true });
    const sha = git('rev-parse', 'feature/x');
    expect(seen(run)).toContain(
      `${sha} refs/heads/feature/x feature/x head= base= marker=second base-only=no event=${sha}`,
    );
    expect(planTag(run)).toBe(`sha-${sha.slice(0, 7)}`);
    expect(run.report?.notes.join('\n')).toContain('1 uncommitted change is not in this run');
  });

  it('fails clearly, before running anything, when --ref does not exist', async () => {
    const run = await pipeline('--ref', 'no-such-branch');
    expect(run.code).toBe(2);
    expect(run.out).toContain(
      'pipeline: --ref no-such-branch: no branch, tag, remote branch or commit of that name in',
    );
    expect(run.out).toContain('branches: calls-v1, conflicting, develop, feature/x, main');
  });

  it('runs another commit of the branch: GITHUB_SHA and the files are that commit, GITHUB_REF the checked-out branch', async () => {
    const first = firstSha;
    const run = await pipeline('--ref', first.slice(0, 10));
    expect(run.code).toBe(0);
    expect(seen(run)).toContain(`${first} refs/heads/develop develop head= base= marker=first base-only=no`);
    expect(run.report?.sha).toBe(first);
  });

  it('runs the working tree only with --working-tree', async () => {
    const run = await pipeline('--working-tree');
    expect(run.code).toBe(0);
    expect(seen(run)).toContain('refs/heads/develop develop head= base= marker=uncommitted base-only=no');
    const other = await pipeline('--working-tree', '--ref', 'main');
    expect(other.code).toBe(2);
    expect(other.out).toContain('--working-tree runs the checked-out branch develop, and --ref main names another');
  });

  it('gives a pull_request run refs/pull/N/merge of the test merge, head and base refs, and the payload', async () => {
    const run = await pipeline('--event', 'pull_request', '--pr', '7', '--ref', 'feature/x', '--base', 'main');
    expect(run.code).toBe(0);
    const head = git('rev-parse', 'feature/x');
    const base = git('rev-parse', 'main');
    const facts = run.report?.jobs.find((j) => j.path === 'facts');
    const merge = facts?.outputs['pr-merge'] ?? '';
    expect(merge).toMatch(/^[0-9a-f]{40}$/);
    expect([head, base]).not.toContain(merge);
    // The workspace is head and base merged: the head's marker and the file only the base has.
    expect(seen(run)).toContain(
      `${merge} refs/pull/7/merge 7/merge head=feature/x base=main marker=second base-only=yes event=feature/x@${base}`,
    );
    expect(facts?.outputs).toMatchObject({ 'pr-head': head, 'pr-base-ref': 'main', 'pr-number': '7' });
    expect(run.report).toMatchObject({ event: 'pull_request', ref: 'refs/pull/7/merge', sha: merge });
    // Made in a scratch clone: the repository never gets the merge commit.
    expect(() => git('cat-file', '-e', merge)).toThrow();
  });

  it('does not run a pull request whose head conflicts with its base, as GitHub makes no merge', async () => {
    const run = await pipeline('--event', 'pull_request', '--ref', 'conflicting', '--base', 'develop');
    expect(run.code).toBe(4);
    expect(run.out).toContain(
      'not triggered: head conflicting conflicts with base develop (CONFLICT (content): Merge conflict in marker.txt)',
    );
  });

  it('explains an @v1 this library checkout has no tag for, and points to --library-ref', async () => {
    const run = await pipeline('--ref', 'calls-v1', '--force');
    expect(run.code).toBe(2);
    expect(run.out).toMatch(
      /calls example-org\/pipeline-actions\/\.github\/workflows\/pipeline\.yml@v1, but .* has no tag v1 and no release tag v1\.\*\.\* here/,
    );
    expect(run.out).toContain('Pass --library-ref <commit|branch|tag>');
  });

  it('runs a directory that is not a repository of its own (fixtures/adopter-repo here) as it is, and says so', async () => {
    const run = await pipelineIn(
      path.join(root, 'fixtures/adopter-repo'),
      '--ref',
      'develop',
      '--library-ref',
      'worktree',
    );
    expect(run.code).toBe(0);
    expect(run.out).toContain('fixtures/adopter-repo is a directory inside the repository');
    expect(run.out).toContain('--ref develop only names the branch');
    expect(run.report).toMatchObject({
      ref: 'refs/heads/develop',
      sha: execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    });
  });

  it('never writes into the repository (git status --ignored, every path, size and mtime, .git included)', async () => {
    expect(await snapshot(repo)).toBe(before);
  });
});
