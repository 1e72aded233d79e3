/**
 * Issue 13 regressions, through the built bundle as the runner runs it:
 * committed file names cannot issue workflow commands, a working directory
 * that does not exist fails by name, and globs outside the workspace are
 * refused before any file is read.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isInert } from '@pipeline/action-kit';
import { runAction, type ActionRun } from '@pipeline/action-kit/testing';
import { actionDir, consumerRepo, type ConsumerRepo } from './helpers/fixture.js';

const cleanups: string[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function runOn(repo: ConsumerRepo, inputs: Record<string, string>): Promise<ActionRun> {
  const runnerTemp = `${repo.workspace}-runner-temp`;
  cleanups.push(repo.workspace, runnerTemp);
  return runAction(actionDir, { workspace: repo.workspace, runnerTemp, inputs: { cache: 'false', ...inputs } });
}

const UNEXPECTED = new Set(['stop-commands', 'set-output', 'set-env', 'add-path', 'save-state', 'warning', 'error']);

describe('quality: hostile input from the repository', () => {
  it('prints changed file names with line breaks and :: as inert text (only-changed)', async () => {
    const repo = await consumerRepo(['eslint']);
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo.workspace, encoding: 'utf8' });
    const commit = (message: string): void => {
      git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'add', '-A');
      git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-qm', message, '--no-verify');
    };
    git('init', '-q', '-b', 'main');
    commit('base');
    const hostile = [
      'src/a\n::stop-commands::pwned\n.txt',
      'src/b\r::set-output name=passed::true\r.txt',
      'src/c\n::error::spoofed\n.txt',
      'src/d ##[warning]legacy.txt',
    ];
    for (const name of hostile) await repo.write(name, 'x\n');
    commit('hostile names');
    const result = await runOn(repo, { checks: 'line-length', 'only-changed': 'true' });
    expect(result.runnerErrors).toEqual([]);
    expect(result.commands.filter((c) => UNEXPECTED.has(c.command))).toEqual([]);
    const listing = result.stdout.split('\n').filter((line) => line.includes('src/'));
    expect(listing.length).toBeGreaterThanOrEqual(hostile.length);
    for (const line of listing) expect(isInert(line)).toBe(true);
    expect(result.stdout).toContain('src/a\\n::stop-commands::pwned\\n.txt');
    expect(result.exitCode).toBe(0);
  });

  it('fails a working-directory that does not exist instead of passing on "0 files read"', async () => {
    const repo = await consumerRepo([]);
    const result = await runOn(repo, { checks: 'line-length', 'working-directory': 'no/such/dir' });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe(
      `Input 'working-directory' has an invalid value "no/such/dir": expected an existing directory of the checkout (resolved to ${repo.workspace}/no/such/dir).`,
    );
    expect(result.outputs['passed']).toBeUndefined();
  });

  it.each([['/etc/*'], ['/**/*.x'], ['../../**/*']])(
    'refuses line-length-include %j, reading nothing',
    async (glob) => {
      const repo = await consumerRepo([]);
      const result = await runOn(repo, { checks: 'line-length', 'line-length-include': glob });
      expect(result.exitCode).toBe(1);
      expect(result.failure).toContain(`Input 'line-length-include' has an invalid value ${JSON.stringify(glob)}`);
      expect(result.failure).toContain('set allow-outside-workspace: true');
      expect(result.durationMs).toBeLessThan(10_000);
    },
  );
});
