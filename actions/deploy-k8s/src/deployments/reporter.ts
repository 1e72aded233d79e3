/**
 * What a deploy tells GitHub's Deployments API, behind a small interface:
 * the run starts a deployment (in_progress) and ends it (success with the
 * environment URL, or failure). The Octokit implementation is in github.ts.
 */
export type FinalState = 'success' | 'failure' | 'inactive';

export interface DeploymentsReporter {
  /** Creates the deployment for the commit and reports in_progress. */
  start(description: string): Promise<void>;
  /** Reports the final state; on success, the deployments this one replaced become inactive. */
  finish(state: FinalState, description: string): Promise<void>;
}
