/**
 * A deploy wrapped in a GitHub deployment: created (in_progress) before
 * anything changes, so a bad token or repository stops the run first; the
 * final state from the deploy's status. A paused canary stays in_progress
 * (the promote or reject run reports its own deployment). A failure to
 * report the final state is a warning: the deploy itself is done by then.
 */
import { describeError } from '@pipeline/action-kit';
import { DeployError, type DeployReport } from '../report.js';
import type { DeploymentStatusEntry } from '../strategy/report.js';
import type { DeploymentsReporter, FinalState } from './reporter.js';

export function finalState(report: DeployReport | undefined, failed: boolean): FinalState | undefined {
  if (report?.status === 'paused') return undefined;
  if (failed) return 'failure';
  return 'success';
}

function describeOutcome(report: DeployReport | undefined, failed: boolean): string {
  const status = report?.status ?? 'failed';
  if (!failed) return status === 'rolled-back' ? 'switched back to the kept colour' : `deploy-k8s: ${status}`;
  return `deploy-k8s: ${status}${report?.failure ? `: ${report.failure.split('\n')[0] ?? ''}` : ''}`;
}

export async function withDeployment(
  reporter: DeploymentsReporter | undefined,
  entries: DeploymentStatusEntry[],
  warn: (message: string) => void,
  body: () => Promise<DeployReport>,
): Promise<DeployReport> {
  if (!reporter) return body();
  try {
    await reporter.start('deploy-k8s started');
  } catch (error: unknown) {
    throw new Error(
      `GitHub Deployments: could not create the deployment (${describeError(error)}); nothing was changed.`,
      { cause: error },
    );
  }
  let report: DeployReport | undefined;
  let failure: unknown;
  try {
    report = await body();
  } catch (error: unknown) {
    failure = error;
    if (error instanceof DeployError) report = error.report;
  }
  const state = finalState(report, failure !== undefined);
  if (state) {
    await reporter
      .finish(state, describeOutcome(report, failure !== undefined))
      .catch((error: unknown) => warn(`GitHub Deployments: could not report ${state} (${describeError(error)})`));
  }
  if (report) report.githubDeployments = entries;
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(describeError(failure));
  return report as DeployReport;
}
