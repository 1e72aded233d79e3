/**
 * Wires the inputs, the manifests, the cluster connection and the deploy
 * together, then writes outputs and the job summary whatever happened. All
 * I/O goes through MainIo, so a unit test can run main against FakeKube.
 */
import * as core from '@actions/core';
import { describeError, phase, redact, writeSummary } from '@pipeline/action-kit';
import { deploy, DeployError, type DeployReport } from './deploy.js';
import { getInputs, type Inputs } from './inputs.js';
import type { KubeApi } from './kube.js';
import { connect, preloadClient, type ConnectOptions } from './kube-client.js';
import { ambientKubeconfigs, knownSecrets } from './kubeconfig-files.js';
import { loadManifests, type SourcedObject } from './manifests.js';
import { readSources, type SourceIo, type Sources } from './manifest-source.js';
import { realSourceIo } from './manifest-source-io.js';
import { manifestSourceSummary } from './manifest-source-summary.js';
import type { DeployOptions } from './phases/context.js';
import { deployedService } from './service-output.js';
import { buildSummary } from './summary.js';
import { analysisOutput } from './strategy/report.js';
import { progressiveDeploy } from './strategy/run.js';
import type { DeploymentStatusEntry } from './strategy/report.js';
import { GithubDeployments } from './deployments/github.js';
import type { DeploymentsReporter } from './deployments/reporter.js';
import { withDeployment } from './deployments/track.js';

export interface MainIo {
  getInputs: () => Inputs;
  /** Kubeconfig texts from KUBECONFIG or the in-cluster token (masked as read), when the input is empty. */
  ambientKubeconfigs: () => Promise<string[]>;
  /** Starts loading the Kubernetes client early; `connect` waits for it. */
  preloadClient: () => void;
  connect: (options: ConnectOptions) => Promise<KubeApi>;
  loadManifests: (patterns: readonly string[], workspace: string, allowOutside: boolean) => Promise<SourcedObject[]>;
  setOutput: (name: string, value: string) => void;
  writeSummary: (build: () => string) => Promise<unknown>;
  info: (message: string) => void;
  warning: (message: string) => void;
  phase: <T>(name: string, body: () => Promise<T>) => Promise<T>;
  process: DeployOptions['process'];
  clock: () => number;
  pid: number;
  /** Kustomize rendering and generated manifests (the real ones unless a test replaces them). */
  sourceIo?: Partial<SourceIo>;
  /** GitHub Deployments for these inputs (github-token + environment), or undefined. */
  deployments?: (inputs: Inputs, record: (entry: DeploymentStatusEntry) => void) => DeploymentsReporter | undefined;
}

/** The Octokit reporter when github-token and environment are set. */
export function githubDeployments(
  inputs: Inputs,
  record: (entry: DeploymentStatusEntry) => void,
): GithubDeployments | undefined {
  const github = inputs.progressive.github;
  return github ? new GithubDeployments({ inputs: github, logUrl: inputs.run.runUrl, record }) : undefined;
}

export const runnerIo: MainIo = {
  getInputs,
  ambientKubeconfigs: () => ambientKubeconfigs(process.env),
  preloadClient: () => void preloadClient().catch(() => undefined),
  connect,
  loadManifests,
  setOutput: (name, value) => core.setOutput(name, value),
  writeSummary,
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  phase,
  process,
  clock: Date.now,
  pid: process.pid,
  deployments: githubDeployments,
};

/** Who holds the lock: the run's URL (and job), else something unique to this process. */
function lockHolder(inputs: Inputs, pid: number): string {
  const { run } = inputs;
  const holder = run.runUrl ?? `${run.repository ?? 'local'} run ${run.runId ?? pid}`;
  return run.job ? `${holder} (job ${run.job})` : holder;
}

interface Attempt {
  report?: DeployReport;
  sources?: Sources;
  deploymentId?: number;
  /** The `service` output: the Service in front of the deployed workload, or ''. */
  service?: string;
  failure?: unknown;
  secrets: string[];
}

async function attemptDeploy(io: MainIo, attempt: Attempt): Promise<void> {
  const inputs = io.getInputs();
  io.preloadClient();
  const objects = await io.phase('Read manifests', async () => {
    attempt.sources = await readSources(
      {
        manifests: inputs.manifests,
        workspace: inputs.run.workspace,
        allowOutside: inputs.allowOutsideWorkspace,
        images: inputs.images,
        generate: inputs.generate,
        outputDir: inputs.backupDir,
      },
      { ...realSourceIo, loadManifests: io.loadManifests, ...io.sourceIo },
    );
    const found = attempt.sources.objects;
    if (attempt.sources.generated) io.info(`no manifests matched: generated ${attempt.sources.generated.file}`);
    for (const dir of attempt.sources.kustomized) io.info(`rendered ${dir} with kubectl kustomize`);
    io.info(`${found.length} object(s) in the manifests`);
    return found;
  });
  const kubeTexts = inputs.kubeconfig
    ? [inputs.kubeconfig.text, inputs.kubeconfig.original]
    : await io.ambientKubeconfigs();
  attempt.secrets = knownSecrets(kubeTexts);
  // A request the API server could not take (restarting, overloaded) is sent again for up to the 'timeout'.
  const api = await io.connect({
    kubeconfig: inputs.kubeconfig?.text,
    context: inputs.context,
    retryTransientMs: inputs.timeoutMs,
    log: io.info,
  });
  io.info(`API server ${api.server}`);
  const options: DeployOptions = {
    api,
    objects,
    namespace: inputs.namespace,
    images: inputs.images,
    annotations: inputs.stampedAnnotations,
    volatileAnnotations: inputs.volatileAnnotations,
    timeoutMs: inputs.timeoutMs,
    rollbackOnFailure: inputs.rollbackOnFailure,
    wait: inputs.wait,
    lock: inputs.lock,
    dryRun: inputs.dryRun,
    fieldManager: inputs.fieldManager,
    failureGraceMs: inputs.failureGraceMs,
    unknownKinds: inputs.unknownKinds,
    settleMs: inputs.settleMs,
    backupDir: inputs.backupDir,
    holder: lockHolder(inputs, io.pid),
    log: io.info,
    warn: io.warning,
    phase: io.phase,
    ...(io.process ? { process: io.process } : {}),
  };
  const { progressive } = inputs;
  const entries: DeploymentStatusEntry[] = [];
  const reporter = io.deployments?.(inputs, (entry) => {
    entries.push(entry);
    attempt.deploymentId ??= entry.deploymentId;
  });
  attempt.report = await withDeployment(reporter, entries, io.warning, () =>
    progressive.strategy === 'rolling' ? deploy(options) : progressiveDeploy({ deploy: options, inputs: progressive }),
  );
  attempt.service = await deployedService(api, attempt.report, inputs.images, io.info);
}

function writeOutputs(io: MainIo, attempt: Attempt, durationMs: number): void {
  const { report, failure } = attempt;
  const status = report?.status ?? 'failed';
  try {
    io.setOutput('status', failure && status !== 'rolled-back' && status !== 'aborted' ? 'failed' : status);
    io.setOutput('revision', report?.revision ?? '');
    io.setOutput('previous-revision', report?.previousRevision ?? '');
    io.setOutput('backup-file', report?.backupFile ?? '');
    io.setOutput('duration-seconds', (durationMs / 1000).toFixed(1));
    io.setOutput('resources', JSON.stringify(report?.resources ?? []));
    io.setOutput('skipped', JSON.stringify(report?.skipped ?? []));
    io.setOutput('generated-manifests', attempt.sources?.generated?.file ?? '');
    io.setOutput('analysis', analysisOutput(report?.progressive));
    io.setOutput('canary', report?.status === 'paused' ? (report.progressive?.canary ?? '') : '');
    io.setOutput('deployment-id', attempt.deploymentId === undefined ? '' : String(attempt.deploymentId));
    io.setOutput('service', attempt.service ?? '');
  } catch (error: unknown) {
    // Keep the deploy's own error (if any) as the step's failure.
    if (failure === undefined) throw error;
    io.warning(`Could not write the outputs: ${describeError(error)}`);
  }
}

export async function main(io: MainIo = runnerIo): Promise<void> {
  const startedAt = io.clock();
  const attempt: Attempt = { secrets: [] };
  try {
    await attemptDeploy(io, attempt);
  } catch (error: unknown) {
    attempt.failure = error;
    if (error instanceof DeployError) attempt.report = error.report;
  }
  const durationMs = io.clock() - startedAt;
  writeOutputs(io, attempt, durationMs);
  const { failure, report, secrets } = attempt;
  const failureText = failure === undefined ? undefined : describeError(failure);
  await io.writeSummary(() =>
    redact(
      buildSummary(report, { durationMs, startedAt, ...(failureText ? { failure: failureText } : {}) }) +
        manifestSourceSummary(attempt.sources),
      secrets,
    ),
  );
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(describeError(failure));
}
