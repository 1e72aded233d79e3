/**
 * GitHub Deployments through the real Octokit against the local server
 * (helpers/local-github.ts), which refuses what GitHub refuses.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GithubDeployments } from '../src/deployments/github.js';
import { withDeployment } from '../src/deployments/track.js';
import { DeployError, emptyReport, type DeployReport } from '../src/report.js';
import type { DeploymentStatusEntry } from '../src/strategy/report.js';
import { startLocalGithub, type LocalGithub } from './helpers/local-github.js';

let github: LocalGithub;
beforeEach(async () => {
  github = await startLocalGithub({ token: 'ghs_test', repository: 'acme/shop' });
});
afterEach(async () => {
  await github.close();
});

function reporter(token = 'ghs_test', entries: DeploymentStatusEntry[] = []): GithubDeployments {
  return new GithubDeployments({
    inputs: {
      token,
      environment: 'production',
      environmentUrl: 'https://shop.example/',
      apiUrl: github.url,
      repository: 'acme/shop',
      ref: 'f00d',
    },
    logUrl: 'https://github.example/acme/shop/actions/runs/1',
    record: (e) => entries.push(e),
  });
}

const report = (status: DeployReport['status']): DeployReport => ({ ...emptyReport(false), status });

describe('GitHub Deployments', () => {
  it('a deployed run: in_progress, success with the URL, and the replaced deployment inactive', async () => {
    const earlier = github.seed('production', ['in_progress', 'success']);
    const failedEarlier = github.seed('production', ['in_progress', 'failure']);
    const entries: DeploymentStatusEntry[] = [];
    await withDeployment(
      reporter('ghs_test', entries),
      entries,
      () => undefined,
      async () => report('deployed'),
    );
    const created = github.deployments.at(-1)!;
    expect(created).toMatchObject({ ref: 'f00d', environment: 'production' });
    expect(created.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(created.statuses[1]).toMatchObject({
      environment_url: 'https://shop.example/',
      log_url: 'https://github.example/acme/shop/actions/runs/1',
    });
    expect(earlier.statuses.map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
    expect(failedEarlier.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(entries.map((e) => [e.deploymentId, e.state])).toEqual([
      [created.id, 'in_progress'],
      [created.id, 'success'],
      [earlier.id, 'inactive'],
    ]);
  });

  it('an aborted canary: in_progress then failure, nothing made inactive, the error kept', async () => {
    const earlier = github.seed('production', ['in_progress', 'success']);
    const failure = new DeployError('Canary aborted: error rate', {
      ...report('aborted'),
      failure: 'Canary aborted: error rate',
    });
    const entries: DeploymentStatusEntry[] = [];
    await expect(
      withDeployment(
        reporter('ghs_test', entries),
        entries,
        () => undefined,
        () => Promise.reject(failure),
      ),
    ).rejects.toBe(failure);
    expect(github.deployments.at(-1)!.statuses.map((s) => [s.state, s.description])).toEqual([
      ['in_progress', 'deploy-k8s started'],
      ['failure', 'deploy-k8s: aborted: Canary aborted: error rate'],
    ]);
    expect(earlier.statuses).toHaveLength(2);
    expect(failure.report.githubDeployments?.map((e) => e.state)).toEqual(['in_progress', 'failure']);
  });

  it('a paused canary stays in_progress', async () => {
    await withDeployment(
      reporter(),
      [],
      () => undefined,
      async () => report('paused'),
    );
    expect(github.deployments.at(-1)!.statuses.map((s) => s.state)).toEqual(['in_progress']);
  });

  it('a bad token stops the run before the deploy starts', async () => {
    let ran = false;
    await expect(
      withDeployment(
        reporter('wrong'),
        [],
        () => undefined,
        async () => {
          ran = true;
          return report('deployed');
        },
      ),
    ).rejects.toThrow(/could not create the deployment \(.*Bad credentials.*\); nothing was changed/);
    expect(ran).toBe(false);
    expect(github.requests.map((r) => r.status)).toEqual([401]);
  });

  it('the server refuses statuses out of order, as the action never sends them', async () => {
    const r = reporter();
    await expect(r.finish('success', 'x')).resolves.toBeUndefined(); // no deployment yet: nothing sent
    expect(github.requests).toEqual([]);
    const response = await fetch(`${github.url}/repos/acme/shop/deployments/1/statuses`, {
      method: 'POST',
      headers: { authorization: 'token ghs_test' },
      body: JSON.stringify({ state: 'success' }),
    });
    expect(response.status).toBe(404);
  });
});
