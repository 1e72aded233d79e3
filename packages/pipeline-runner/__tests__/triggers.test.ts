/**
 * The caller's `on:` filters: GitHub's filter patterns (the cheat sheet's
 * examples) and the trigger rules, as tables over workflows read by
 * GitHub's parser.
 */
import { describe, expect, it } from '@jest/globals';
import { filterPatternRegExp, matchPatterns } from '../src/filter-patterns.js';
import { triggerDecision } from '../src/triggers.js';
import type { TriggerFacts } from '../src/triggers.js';
import { loadWorkflow } from '../src/workflow.js';

describe('GitHub filter patterns', () => {
  // [pattern, value, matches]: the examples of the docs' filter pattern cheat sheet.
  const table: [string, string, boolean][] = [
    ['feature/*', 'feature/my-branch', true],
    ['feature/*', 'feature/your/branch', false],
    ['feature/**', 'feature/beta-a/my-branch', true],
    ['feature/**', 'feature/mona/the/octocat', true],
    ['main', 'main', true],
    ['main', 'main2', false],
    ['*', 'releases', true],
    ['*', 'releases/v1', false],
    ['**', 'all/the/branches', true],
    ['*feature', 'mona-feature', true],
    ['*feature', 'feature', true],
    ['v2*', 'v2.9', true],
    ['v[12].[0-9]+.[0-9]+', 'v1.10.1', true],
    ['v[12].[0-9]+.[0-9]+', 'v2.0.0', true],
    ['v[12].[0-9]+.[0-9]+', 'v3.0.0', false],
    ['v[12].[0-9]+.[0-9]+', 'v1x10.1', false],
    ['Octoc?at', 'Octocat', true],
    ['Octoc?at', 'Octoat', true],
    ['Octoc?at', 'Octocoat', false],
    ['*.js', 'app.js', true],
    ['*.js', 'src/app.js', false],
    ['**.js', 'src/deep/app.js', true],
    ['docs/*', 'docs/README.md', true],
    ['docs/*', 'docs/a/b.md', false],
    ['docs/**', 'docs/mona/octocat.txt', true],
    ['docs/**/*.md', 'docs/README.md', true],
    ['docs/**/*.md', 'docs/mona/hello-world.md', true],
    ['docs/**/*.md', 'docs/a/markdown/file.md', true],
    ['docs/**/*.md', 'docs/a/file.txt', false],
    ['**/docs/**', 'dir/docs/my-file.txt', true],
    ['**/docs/**', 'space/docs/plan/space.doc', true],
    ['**/README.md', 'README.md', true],
    ['**/README.md', 'js/README.md', true],
    ['**/*src/**', 'my-src/code/js/app.js', true],
    ['**/*-post.md', 'path/their-post.md', true],
    ['**/migrate-*.sql', 'migrate-10909.sql', true],
    ['**/migrate-*.sql', 'db/migrate-v1.0.sql', true],
    ['release\\*', 'release*', true],
    ['release\\*', 'release1', false],
    ['a.b', 'axb', false],
  ];
  it.each(table)('%s ~ %s → %s', (pattern, value, expected) => {
    expect(filterPatternRegExp(pattern).test(value)).toBe(expected);
  });

  it('lets the last matching pattern decide, with ! negating the ones before it', () => {
    const list = ['*.md', '!README.md', 'README*'];
    expect(matchPatterns(list, 'hello.md')).toEqual({ matched: true, pattern: '*.md' });
    expect(matchPatterns(['*.md', '!README.md'], 'README.md')).toEqual({ matched: false, pattern: '!README.md' });
    expect(matchPatterns(list, 'README.md')).toEqual({ matched: true, pattern: 'README*' });
    expect(matchPatterns(list, 'docs/hello.md')).toEqual({ matched: false });
  });

  it('rejects a class that is not letters, digits and ranges, naming the pattern', () => {
    expect(() => filterPatternRegExp('v[.]1')).toThrow("filter pattern 'v[.]1': [.] is not a class");
    expect(() => filterPatternRegExp('v[1')).toThrow("'[' without ']'");
  });
});

async function events(on: string) {
  const workflow = await loadWorkflow(
    'caller.yml',
    `on:\n${on}\njobs:\n  pipeline:\n    uses: ./.github/workflows/pipeline.yml\n`,
  );
  return workflow.template.events;
}

const push = (ref: string, changedFiles: string[] = ['src/app.js']): TriggerFacts => ({
  event: 'push',
  ref,
  changedFiles,
  changedFrom: 'HEAD~1..HEAD',
});

describe('triggerDecision', () => {
  // [on:, facts, triggered, reason or why (substring)]
  const table: [string, string, TriggerFacts, boolean, string][] = [
    [
      'no such event',
      '  push:',
      { ...push('refs/heads/main'), event: 'workflow_dispatch' },
      false,
      "on: has no 'workflow_dispatch' event (it has push)",
    ],
    ['any branch', '  push:', push('refs/heads/topic'), true, 'on.push'],
    [
      'branch listed',
      "  push:\n    branches: [main, 'hotfix/**']",
      push('refs/heads/hotfix/a/b'),
      true,
      "branch 'hotfix/a/b' matches 'hotfix/**'",
    ],
    [
      'branch not listed',
      '  push:\n    branches: [main, develop]',
      push('refs/heads/feature/x'),
      false,
      "branch 'feature/x' matches none of branches: ['main', 'develop']",
    ],
    [
      'branch negated',
      "  push:\n    branches: ['releases/**', '!releases/**-alpha']",
      push('refs/heads/releases/10-alpha'),
      false,
      "excluded by '!releases/**-alpha'",
    ],
    [
      'branches-ignore',
      "  push:\n    branches-ignore: ['dependabot/**']",
      push('refs/heads/dependabot/npm/x'),
      false,
      "branch 'dependabot/npm/x' matches 'dependabot/**' in branches-ignore",
    ],
    [
      'branches-ignore miss',
      "  push:\n    branches-ignore: ['dependabot/**']",
      push('refs/heads/main'),
      true,
      "branch 'main' is not ignored",
    ],
    [
      'tag with only branch filters',
      '  push:\n    branches: [main]',
      push('refs/tags/v1.0.0'),
      false,
      "no tag filter, so a push of tag 'v1.0.0'",
    ],
    [
      'branch with only tag filters',
      "  push:\n    tags: ['v*']",
      push('refs/heads/main'),
      false,
      "no branch filter, so a push to branch 'main'",
    ],
    [
      'tag matches',
      "  push:\n    tags: ['v[0-9]+.[0-9]+.[0-9]+']",
      push('refs/tags/v1.20.3'),
      true,
      "tag 'v1.20.3' matches",
    ],
    [
      'tags-ignore',
      "  push:\n    tags-ignore: ['*-rc*']",
      push('refs/tags/v2-rc1'),
      false,
      "tag 'v2-rc1' matches '*-rc*' in tags-ignore",
    ],
    [
      'paths not evaluated for tags',
      "  push:\n    tags: ['v*']\n    paths: ['docs/**']",
      push('refs/tags/v1', ['src/a.js']),
      true,
      "tag 'v1' matches 'v*'",
    ],
    [
      'paths match',
      "  push:\n    paths: ['src/**']",
      push('refs/heads/main', ['README.md', 'src/app.js']),
      true,
      "changed file 'src/app.js' matches paths 'src/**'",
    ],
    [
      'paths miss',
      "  push:\n    branches: [main]\n    paths: ['src/**']",
      push('refs/heads/main', ['README.md']),
      false,
      "none of the 1 changed file (HEAD~1..HEAD) matches paths: ['src/**']: README.md",
    ],
    [
      'no changed files',
      "  push:\n    paths: ['src/**']",
      push('refs/heads/main', []),
      false,
      'none of the 0 changed files',
    ],
    [
      'paths-ignore all',
      "  push:\n    paths-ignore: ['docs/**', '*.md']",
      push('refs/heads/main', ['docs/a.md', 'README.md']),
      false,
      'all of the 2 changed files',
    ],
    [
      'paths-ignore some',
      "  push:\n    paths-ignore: ['docs/**']",
      push('refs/heads/main', ['docs/a.md', 'src/x.js']),
      true,
      "changed file 'src/x.js' is not in paths-ignore",
    ],
    [
      'branch ok, paths miss',
      "  push:\n    branches: [main]\n    paths: ['src/**']",
      push('refs/heads/develop', ['src/a.js']),
      false,
      "branch 'develop' matches none",
    ],
    [
      'pull_request base',
      '  pull_request:\n    branches: [main]',
      {
        event: 'pull_request',
        ref: 'refs/pull/1/merge',
        baseRef: 'main',
        action: 'opened',
        changedFiles: ['a'],
        changedFrom: 'main...topic',
      },
      true,
      "base branch 'main' matches 'main'",
    ],
    [
      'pull_request other base',
      '  pull_request:\n    branches: [main]',
      {
        event: 'pull_request',
        ref: 'refs/pull/1/merge',
        baseRef: 'develop',
        action: 'opened',
        changedFiles: ['a'],
        changedFrom: 'x',
      },
      false,
      "base branch 'develop' matches none of branches: ['main']",
    ],
    [
      'pull_request default types',
      '  pull_request:',
      {
        event: 'pull_request',
        ref: 'refs/pull/1/merge',
        baseRef: 'main',
        action: 'closed',
        changedFiles: ['a'],
        changedFrom: 'x',
      },
      false,
      "activity type 'closed' is not in on.pull_request.types: ['opened', 'synchronize', 'reopened'] (the default)",
    ],
    [
      'pull_request types',
      '  pull_request:\n    types: [closed]',
      {
        event: 'pull_request',
        ref: 'refs/pull/1/merge',
        baseRef: 'main',
        action: 'closed',
        changedFiles: ['a'],
        changedFrom: 'x',
      },
      true,
      'on.pull_request',
    ],
    [
      'workflow_dispatch',
      '  workflow_dispatch:\n  push:\n    branches: [main]',
      { ...push('refs/heads/feature'), event: 'workflow_dispatch' },
      true,
      'on.workflow_dispatch',
    ],
  ];
  it.each(table)('%s', async (_name, on, facts, triggered, text) => {
    const decision = triggerDecision(await events(on), facts);
    expect(decision.triggered).toBe(triggered);
    expect(decision.triggered ? decision.why : decision.reason).toContain(text);
  });

  it('shows control characters of a changed file name escaped, so no name starts a line of its own', async () => {
    const decision = triggerDecision(
      await events("  push:\n    paths: ['src/**']"),
      push('refs/heads/main', ['a\n::error::x']),
    );
    expect(decision).toMatchObject({ triggered: false });
    expect(decision.triggered ? '' : decision.reason).toContain('a\\x0a::error::x');
  });

  it('reads the string and list forms of on:', async () => {
    expect(triggerDecision(await events('  [push, pull_request]'), push('refs/heads/x')).triggered).toBe(true);
    const only = triggerDecision(await events('  workflow_dispatch'), push('refs/heads/x'));
    expect(only).toEqual({ triggered: false, reason: "on: has no 'push' event (it has workflow_dispatch)" });
  });
});
