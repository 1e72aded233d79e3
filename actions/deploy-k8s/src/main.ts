/**
 * Wires the inputs, the manifests, the cluster connection and the deploy
 * together, then writes outputs and the job summary whatever happened.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '@actions/core';
import { describeError, maskSecret, phase, redact, writeSummary } from '@pipeline/action-kit';
import { deploy, DeployError, type DeployReport } from './deploy.js';
import { getInputs, maskKubeconfig, type Inputs } from './inputs.js';
import { checkShape, secretValues } from './kubeconfig.js';
import { connect, preloadClient } from './kube-client.js';
import { loadManifests } from './manifests.js';
import { runAnnotations, runUrl } from './objects.js';
import { buildSummary } from './summary.js';

/**
 * Every secret string we know of, to scrub our own summary text as a second
 * line of defence: the kubeconfig texts, the secrets inside them and their
 * long (key and certificate data) lines. Short structural lines such as
 * `apiVersion: v1` are left out, or every manifest diff would be mangled.
 */
export function knownSecrets(texts: readonly string[]): string[] {
  const secrets: string[] = [];
  for (const text of texts) {
    secrets.push(text, text.trim(), ...text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 40), ...secretValues(text));
  }
  return secrets;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Reads and masks the KUBECONFIG files (or the in-cluster token) when the input is empty. */
async function maskKubeconfigFiles(): Promise<string[]> {
  const list = process.env['KUBECONFIG'];
  if (!list) {
    const token = process.env['KUBERNETES_SERVICE_HOST'] ? await readFile(IN_CLUSTER_TOKEN, 'utf8').catch(() => undefined) : undefined;
    if (token) maskSecret(token.trim());
    return token ? [token] : [];
  }
  const texts: string[] = [];
  for (const file of list.split(path.delimiter).filter(Boolean)) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) throw new Error(`The KUBECONFIG environment variable names ${file}, which cannot be read.`);
    maskKubeconfig({ text, original: text });
    checkShape(text, `The KUBECONFIG file ${file}`);
    texts.push(text);
  }
  return texts;
}

export async function main(): Promise<void> {
  const startedAt = Date.now();
  let inputs: Inputs | undefined;
  let report: DeployReport | undefined;
  let failure: unknown;
  let secrets: string[] = [];
  try {
    inputs = getInputs();
    // Load the Kubernetes client while the manifests are read (connect() waits for it; errors surface there).
    preloadClient().catch(() => undefined);
    const workspace = process.env['GITHUB_WORKSPACE'] || process.cwd();
    const objects = await phase('Read manifests', async () => {
      const found = await loadManifests(inputs?.manifests ?? [], workspace);
      core.info(`${found.length} object(s) in the manifests`);
      return found;
    });
    const kubeTexts = inputs.kubeconfig ? [inputs.kubeconfig.text, inputs.kubeconfig.original] : await maskKubeconfigFiles();
    secrets = knownSecrets(kubeTexts);
    const api = await connect({ kubeconfig: inputs.kubeconfig?.text, context: inputs.context });
    core.info(`API server ${api.server}`);
    const stamped = runAnnotations(process.env, new Map());
    const annotations = runAnnotations(process.env, inputs.annotations);
    const holder = runUrl(process.env) ?? `${process.env['GITHUB_REPOSITORY'] ?? 'local'} run ${process.env['GITHUB_RUN_ID'] ?? process.pid}`;
    const job = process.env['GITHUB_JOB'];
    report = await deploy({
      api,
      objects,
      namespace: inputs.namespace,
      images: inputs.images,
      annotations,
      volatileAnnotations: new Set([...stamped.keys()].filter((key) => !inputs?.annotations.has(key))),
      timeoutMs: inputs.timeoutMs,
      rollbackOnFailure: inputs.rollbackOnFailure,
      wait: inputs.wait,
      lock: inputs.lock,
      dryRun: inputs.dryRun,
      fieldManager: inputs.fieldManager,
      failureGraceMs: inputs.failureGraceMs,
      backupDir: path.join(process.env['RUNNER_TEMP'] || path.join(workspace, '.deploy-k8s'), 'deploy-k8s'),
      holder: job ? `${holder} (job ${job})` : holder,
      log: (message) => core.info(message),
      warn: (message) => core.warning(message),
      phase,
      process,
    });
  } catch (error: unknown) {
    failure = error;
    if (error instanceof DeployError) report = error.report;
  }

  const durationMs = Date.now() - startedAt;
  const status = report?.status ?? 'failed';
  try {
    core.setOutput('status', failure && status !== 'rolled-back' ? 'failed' : status);
    core.setOutput('revision', report?.revision ?? '');
    core.setOutput('previous-revision', report?.previousRevision ?? '');
    core.setOutput('backup-file', report?.backupFile ?? '');
    core.setOutput('duration-seconds', (durationMs / 1000).toFixed(1));
    core.setOutput('resources', JSON.stringify(report?.resources ?? []));
  } catch (error: unknown) {
    // Keep the deploy's own error (if any) as the step's failure.
    if (failure === undefined) throw error;
    core.warning(`Could not write the outputs: ${describeError(error)}`);
  }

  const failureText = failure === undefined ? undefined : describeError(failure);
  await writeSummary(() => redact(buildSummary(report, { durationMs, startedAt, ...(failureText ? { failure: failureText } : {}) }), secrets));
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(describeError(failure));
}
