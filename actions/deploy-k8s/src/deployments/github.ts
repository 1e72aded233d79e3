/**
 * GitHub Deployments through @actions/github's Octokit (loaded only when
 * the inputs ask for it): a deployment for the commit in the environment,
 * `in_progress` while the deploy runs, `success` with the environment URL
 * or `failure`, and `inactive` for the earlier deployment of the
 * environment whose latest status was success (the one this replaced).
 * GitHub marks those itself only outside production environments, so it is
 * done explicitly (auto_inactive: false).
 */
import type { GithubDeploymentInputs } from '../strategy/inputs.js';
import type { DeploymentStatusEntry } from '../strategy/report.js';
import type { DeploymentsReporter, FinalState } from './reporter.js';

type Octokit = ReturnType<(typeof import('@actions/github'))['getOctokit']>;

export interface GithubReporterOptions {
  inputs: GithubDeploymentInputs;
  /** The run's page, linked from each status. */
  logUrl: string | undefined;
  /** Where the statuses are recorded (the summary shows them). */
  record: (entry: DeploymentStatusEntry) => void;
  clock?: () => number;
}

export class GithubDeployments implements DeploymentsReporter {
  private octokit: Octokit | undefined;
  private deploymentId: number | undefined;
  private readonly owner: string;
  private readonly repo: string;

  constructor(private readonly options: GithubReporterOptions) {
    const [owner, repo] = options.inputs.repository.split('/') as [string, string];
    this.owner = owner;
    this.repo = repo;
  }

  get id(): number | undefined {
    return this.deploymentId;
  }

  private async client(): Promise<Octokit> {
    if (!this.octokit) {
      const { getOctokit } = await import('@actions/github');
      this.octokit = getOctokit(this.options.inputs.token, { baseUrl: this.options.inputs.apiUrl });
    }
    return this.octokit;
  }

  private async status(
    id: number,
    state: string,
    description: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const octokit = await this.client();
    await octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
      owner: this.owner,
      repo: this.repo,
      deployment_id: id,
      state: state as 'in_progress',
      description: description.slice(0, 140),
      ...(this.options.logUrl ? { log_url: this.options.logUrl } : {}),
      ...extra,
    });
    this.options.record({
      state,
      at: (this.options.clock ?? Date.now)(),
      deploymentId: id,
      description: description.slice(0, 140),
    });
  }

  async start(description: string): Promise<void> {
    const octokit = await this.client();
    const { inputs } = this.options;
    const created = await octokit.request('POST /repos/{owner}/{repo}/deployments', {
      owner: this.owner,
      repo: this.repo,
      ref: inputs.ref,
      environment: inputs.environment,
      description: description.slice(0, 140),
      auto_merge: false,
      // The pipeline's own checks already ran; GitHub must not refuse the deployment for missing contexts.
      required_contexts: [],
      production_environment: /^prod/i.test(inputs.environment),
    });
    const id = (created.data as { id?: number }).id;
    if (typeof id !== 'number') throw new Error(`GitHub answered ${created.status} without a deployment id`);
    this.deploymentId = id;
    await this.status(id, 'in_progress', description);
  }

  /** The newest earlier deployment of the environment whose latest status is success (the one this replaces). */
  private async replaced(): Promise<number[]> {
    const octokit = await this.client();
    const list = await octokit.request('GET /repos/{owner}/{repo}/deployments', {
      owner: this.owner,
      repo: this.repo,
      environment: this.options.inputs.environment,
      per_page: 30,
    });
    const ids: number[] = [];
    for (const deployment of list.data as { id: number }[]) {
      if (deployment.id === this.deploymentId) continue;
      const statuses = await octokit.request('GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
        owner: this.owner,
        repo: this.repo,
        deployment_id: deployment.id,
        per_page: 1,
      });
      // Newest first: the latest successful one is the deployment this one replaces (older ones are inactive already).
      if ((statuses.data as { state?: string }[])[0]?.state === 'success') {
        ids.push(deployment.id);
        break;
      }
    }
    return ids;
  }

  async finish(state: FinalState, description: string): Promise<void> {
    const id = this.deploymentId;
    if (id === undefined) return;
    if (state !== 'success') return this.status(id, state, description);
    const previous = await this.replaced();
    const url = this.options.inputs.environmentUrl;
    await this.status(id, 'success', description, { auto_inactive: false, ...(url ? { environment_url: url } : {}) });
    for (const old of previous) await this.status(old, 'inactive', `replaced by deployment ${id}`);
  }
}
