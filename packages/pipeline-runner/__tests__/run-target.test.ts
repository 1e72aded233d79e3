/**
 * The pure parts of a run's target: what a --ref value may mean, GitHub's
 * ref_name, the release tag an @vX stands for, the event payloads, the
 * --pr number, and the scripts' "installing system packages" lines.
 */
import { describe, expect, it } from '@jest/globals';
import { pullRequestPayload, pushPayload, workflowDispatchPayload } from '../src/event-payload.js';
import type { CommitFacts } from '../src/event-payload.js';
import { newestRelease } from '../src/library-ref.js';
import { refCandidates, refName } from '../src/ref-checkout.js';
import { parsePrNumber } from '../src/run-plan.js';
import { installNote, parseInstallLine } from '../src/system-packages.js';

describe('--ref values', () => {
  // [input, git refs tried in order → the ref GitHub would report ('-' for a bare commit)] or an error text
  const table: [string, string[] | string][] = [
    [
      'develop',
      [
        'refs/heads/develop→refs/heads/develop',
        'refs/tags/develop→refs/tags/develop',
        'refs/remotes/origin/develop→refs/heads/develop',
        'develop→-',
      ],
    ],
    ['refs/heads/hotfix/a', ['refs/heads/hotfix/a→refs/heads/hotfix/a']],
    ['refs/tags/v1.2.3', ['refs/tags/v1.2.3→refs/tags/v1.2.3']],
    ['refs/remotes/upstream/main', ['refs/remotes/upstream/main→refs/heads/main']],
    [
      'HEAD~1',
      [
        'refs/heads/HEAD~1→refs/heads/HEAD~1',
        'refs/tags/HEAD~1→refs/tags/HEAD~1',
        'refs/remotes/origin/HEAD~1→refs/heads/HEAD~1',
        'HEAD~1→-',
      ],
    ],
    ['refs/pull/3/merge', '--ref refs/pull/3/merge: a pull-request ref comes from --event pull_request --pr <n>'],
    [
      'refs/notes/x',
      '--ref refs/notes/x: accepted are refs/heads/*, refs/tags/*, refs/remotes/*/*, a name or a commit',
    ],
    ['', '--ref is empty'],
  ];
  it.each(table)('%s', (input, expected) => {
    const got = refCandidates(input);
    expect(typeof got === 'string' ? got : got.map((c) => `${c.gitRef}→${c.githubRef ?? '-'}`)).toEqual(expected);
  });

  it.each([
    ['refs/heads/feature/a', 'feature/a'],
    ['refs/tags/v1', 'v1'],
    ['refs/pull/12/merge', '12/merge'],
  ])('ref_name of %s is %s', (ref, name) => expect(refName(ref)).toBe(name));
});

describe('the release tag an @vX stands for', () => {
  const tags = ['v1.0.0', 'v1.2.0', 'v1.10.1', 'v1.2.9', 'v2.0.0', 'v2.0.0-rc1', 'latest'];
  it.each([
    ['v1', 'v1.10.1'],
    ['v1.2', 'v1.2.9'],
    ['v2', 'v2.0.0'],
    ['v3', undefined],
    ['main', undefined],
    ['v1.2.3', undefined],
  ])('%s → %s', (moving, expected) => expect(newestRelease(moving, tags)).toBe(expected));
});

describe('event payloads', () => {
  const repo = { fullName: 'example-org/adopter', defaultBranch: 'main' };
  const head: CommitFacts = {
    sha: 'a'.repeat(40),
    tree: 't'.repeat(40),
    message: 'Add a route',
    timestamp: '2026-12-02T03:00:00Z',
    author: { name: 'Ada', email: 'ada@example.com' },
    committer: { name: 'Ada', email: 'ada@example.com' },
  };

  it('pull_request: number, action, head and base with ref, sha and label, as the webhook has them', () => {
    const payload = pullRequestPayload(repo, {
      number: 7,
      action: 'opened',
      head: { ref: 'topic', sha: 'h'.repeat(40) },
      base: { ref: 'main', sha: 'b'.repeat(40) },
      title: 'Add a route',
    });
    expect(payload).toMatchObject({
      action: 'opened',
      number: 7,
      pull_request: {
        number: 7,
        state: 'open',
        merged: false,
        title: 'Add a route',
        html_url: 'https://github.com/example-org/adopter/pull/7',
        head: {
          ref: 'topic',
          sha: 'h'.repeat(40),
          label: 'example-org:topic',
          repo: { full_name: 'example-org/adopter' },
        },
        base: { ref: 'main', sha: 'b'.repeat(40), label: 'example-org:main' },
      },
      repository: {
        full_name: 'example-org/adopter',
        name: 'adopter',
        owner: { login: 'example-org' },
        default_branch: 'main',
      },
    });
  });

  it('push: before/after, created for a new branch, head_commit and the compare URL', () => {
    const existing = pushPayload(repo, { ref: 'refs/heads/develop', before: 'c'.repeat(40), head });
    expect(existing).toMatchObject({
      ref: 'refs/heads/develop',
      before: 'c'.repeat(40),
      after: 'a'.repeat(40),
      created: false,
      head_commit: { id: 'a'.repeat(40), tree_id: 't'.repeat(40), message: 'Add a route', author: { name: 'Ada' } },
      compare: `https://github.com/example-org/adopter/compare/${'c'.repeat(12)}...${'a'.repeat(12)}`,
    });
    expect(pushPayload(repo, { ref: 'refs/heads/new', before: '0'.repeat(40), head })).toMatchObject({ created: true });
  });

  it('workflow_dispatch: inputs, ref and workflow', () => {
    expect(
      workflowDispatchPayload(repo, 'refs/heads/main', '.github/workflows/ci.yml', { level: 'debug' }),
    ).toMatchObject({
      inputs: { level: 'debug' },
      ref: 'refs/heads/main',
      workflow: '.github/workflows/ci.yml',
    });
  });
});

describe('--pr', () => {
  it.each([
    ['7', 7],
    ['1', 1],
  ])('%s → %s', (value, n) => expect(parsePrNumber(value)).toBe(n));
  it.each(['0', '-1', 'x', '1.5', '007'])('rejects %s, naming it', (value) =>
    expect(() => parsePrNumber(value)).toThrow(`--pr expects a pull request number (1, 2, ...), got '${value}'`),
  );
});

describe('system packages the provisioning scripts install', () => {
  it.each([
    [
      "services: installing system packages: postgresql (PostgreSQL server and psql for the jobs' postgres services) with apt-get",
      { script: 'services', packages: "postgresql (PostgreSQL server and psql for the jobs' postgres services)" },
    ],
    [
      '      containers.sh: installing system packages: skopeo (for skopeo), jq (for jq) with apt-get',
      { script: 'containers.sh', packages: 'skopeo (for skopeo), jq (for jq)' },
    ],
    ['services: apt-get update', undefined],
  ])('%s', (line, expected) => expect(parseInstallLine(line)).toEqual(expected));

  it('says in the report what was installed, or that nothing was, or that --no-install forbade it', () => {
    expect(installNote(['services: redis-server (Redis)'], true)).toBe(
      'System packages installed on this host by this run (apt-get): services: redis-server (Redis). --no-install fails instead.',
    );
    expect(installNote([], true)).toContain('this run installed none');
    expect(installNote([], false)).toContain('--no-install');
  });
});
