/**
 * The canary strategy. The new version runs as `<name>-canary` next to the
 * stable Deployment, which is never touched until the last step: behind the
 * same Service with a replica ratio approximating each step's weight (pod
 * mode), or behind an ingress-nginx canary Ingress with that weight
 * (ingress mode). Each step is analysed; a failed step deletes the canary
 * and ends `aborted`. The last step (100) is the rolling deploy of every
 * manifest, after which the canary is deleted. `promote: manual` pauses
 * after the first step; `action: promote` / `reject` finish a paused canary.
 */
import { DeployError, type DeployReport } from '../report.js';
import { imagesOf } from '../images.js';
import { describeRef, refOf, type KubeObject } from '../objects.js';
import { num, recordOf } from '../records.js';
import { analyseStep, queryFunction } from './analyse.js';
import {
  deploymentRef,
  mergeInner,
  notApplied,
  podsGone,
  rollingDeployAll,
  selectorOf,
  waitFor,
  type Session,
} from './session.js';
import type { StepReport } from './report.js';
import {
  CANARY_PAUSED,
  canaryDeployment,
  canaryIngress,
  canaryService,
  serviceSelector,
  TRACK_LABEL,
} from './targets.js';
import { canaryReplicas, effectiveWeight } from './weights.js';
import { configCopies, recordedCopies, useCopies } from './config-copies.js';

const canaryName = (session: Session): string => `${session.target.deployment.metadata.name}-canary`;

/** The objects of the canary in ingress mode (a Service per routed Service, an Ingress per Ingress). */
function ingressObjects(session: Session, weight: number): KubeObject[] {
  const names = new Set(session.target.services.map((s) => s.metadata.name));
  return [
    ...session.target.services.map((s) => canaryService(s)),
    ...session.target.ingresses.map((i) => canaryIngress(i, names, weight)),
  ];
}

/** The canary's copies of the manifests' ConfigMaps and Secrets its pods reference. */
const copiesOf = (session: Session): KubeObject[] =>
  configCopies(
    session.options.objects.map((o) => o.object),
    session.target.deployment,
    session.namespace,
  );

function canaryObject(session: Session, step: number, replicas: number, paused: boolean): KubeObject {
  const relabel =
    session.progressive.traffic === 'ingress'
      ? Object.keys(serviceSelector(session.target.services[0] as KubeObject))
      : [];
  const canary = canaryDeployment(session.target.deployment, replicas, {
    step: `${step}/${session.inputs.steps.length}`,
    paused,
    relabel,
  });
  return useCopies(canary, copiesOf(session));
}

const canarySelector = (session: Session): string => selectorOf(canaryObject(session, 0, 0, false));

const apply = (session: Session, object: KubeObject): Promise<KubeObject> =>
  session.api.apply(object, { fieldManager: session.options.fieldManager, dryRun: false });

/** Deletes the canary's objects and waits until its pods are gone: from then on only stable serves. */
export async function removeCanary(session: Session): Promise<void> {
  const { api, namespace } = session;
  const deployment = canaryObject(session, 0, 0, false);
  // The copies this run would make and those the live canary recorded (an earlier run's manifests may name others).
  const recorded = recordedCopies(await api.get(deploymentRef(session, deployment.metadata.name)));
  const copies = [...copiesOf(session).map((c) => ({ kind: c.kind, name: c.metadata.name })), ...recorded];
  const objects = [deployment, ...(session.progressive.traffic === 'ingress' ? ingressObjects(session, 0) : [])];
  const refs = [
    ...objects.reverse().map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name })),
    ...copies
      .filter((c, i) => copies.findIndex((d) => d.kind === c.kind && d.name === c.name) === i)
      .map((c) => ({ apiVersion: 'v1', kind: c.kind, name: c.name })),
  ];
  for (const ref of refs) if (await api.remove({ ...ref, namespace })) session.log(`${ref.kind}/${ref.name}: deleted`);
  const gone = await podsGone(api, namespace, canarySelector(session), session.options.timeoutMs);
  session.progressive.stableOnlyAt = session.clock();
  session.mark(
    gone ? 'canary removed: only stable serves' : 'canary deleted, but its pods were still terminating at the timeout',
  );
}

async function abort(session: Session, why: string): Promise<never> {
  await session.phase('Abort canary', () => removeCanary(session));
  session.report.status = 'aborted';
  notApplied(session, 'canary aborted');
  session.report.failure = `Canary aborted: ${why}\nThe canary was deleted; the stable Deployment ${describeRef(refOf(session.target.deployment))} was not touched.`;
  throw new DeployError(session.report.failure, session.report);
}

function stableReplicasOf(live: KubeObject): number {
  return Math.max(num(recordOf(live['spec'])['replicas']), 1);
}

/** One step below 100: scale the canary to the weight, wait for it, analyse. */
async function runStep(session: Session, index: number, stable: KubeObject, paused: boolean): Promise<StepReport> {
  const weight = session.inputs.steps[index] as number;
  const stableReplicas = stableReplicasOf(stable);
  const replicas = canaryReplicas(weight, stableReplicas);
  const ingress = session.progressive.traffic === 'ingress';
  const step: StepReport = {
    step: index + 1,
    weight,
    effectiveWeight: ingress ? weight : effectiveWeight(replicas, stableReplicas),
    canaryReplicas: replicas,
    stableReplicas,
    startedAt: session.clock(),
    endedAt: 0,
    outcome: 'passed',
  };
  session.progressive.steps.push(step);
  await session.phase(`Canary step ${index + 1}: ${weight}%`, async () => {
    session.mark(
      `step ${index + 1}: canary ${replicas} pod(s) next to ${stableReplicas} stable (${step.effectiveWeight}%)`,
    );
    for (const copy of copiesOf(session)) await apply(session, copy);
    const applied = await apply(session, canaryObject(session, index + 1, replicas, paused));
    if (ingress) for (const object of ingressObjects(session, weight)) await apply(session, object);
    const rollout = await waitFor(session, applied);
    if (rollout.outcome !== 'complete') {
      step.failure = `the canary's rollout ${rollout.outcome}: ${rollout.message}`;
      session.report.failingPods.push(...rollout.failingPods);
      session.progressive.firstBadSignalAt ??= rollout.firstSignalAt ?? session.clock();
      return;
    }
    const stableSelector = `${selectorOf(stable)},!${TRACK_LABEL}`;
    const result = await analyseStep(session, queryFunction({ deploy: session.options, inputs: session.inputs }), {
      canary: canarySelector(session),
      stable: stableSelector,
    });
    Object.assign(step, {
      verdict: result.verdict,
      canary: result.canary,
      ...(result.stable ? { stable: result.stable } : {}),
    });
    if (!result.verdict.ok) session.progressive.firstBadSignalAt ??= session.clock();
    session.mark(
      `step ${index + 1} analysis: ${result.verdict.ok ? 'passed' : `failed (${result.verdict.reason ?? ''})`}`,
    );
  });
  step.endedAt = session.clock();
  if (step.failure || step.verdict?.ok === false) step.outcome = 'failed';
  return step;
}

/** The last step: the rolling deploy of every manifest replaces stable; then the canary goes. */
async function promote(session: Session): Promise<DeployReport> {
  const step: StepReport = {
    step: session.inputs.steps.length,
    weight: 100,
    effectiveWeight: 100,
    canaryReplicas: 0,
    stableReplicas: 0,
    startedAt: session.clock(),
    endedAt: 0,
    outcome: 'promoted',
  };
  session.progressive.steps.push(step);
  session.mark('promoting: rolling deploy of the new version to the stable Deployment');
  try {
    const inner = await rollingDeployAll(session);
    mergeInner(session, inner);
  } catch (error: unknown) {
    step.outcome = 'failed';
    step.failure = error instanceof Error ? error.message : String(error);
    await session.phase('Remove canary', () => removeCanary(session));
    throw error instanceof DeployError ? new DeployError(error.message, session.report) : error;
  } finally {
    step.endedAt = session.clock();
  }
  await session.phase('Remove canary', () => removeCanary(session));
  session.report.status = 'deployed';
  return session.report;
}

/** A canary left by an earlier run: a paused one is finished only by promote or reject. */
async function existingCanary(session: Session): Promise<KubeObject | undefined> {
  return session.api.get(deploymentRef(session, canaryName(session)));
}

async function finishPaused(session: Session, canary: KubeObject | undefined): Promise<DeployReport> {
  const { action } = session.inputs;
  if (!canary) {
    session.report.failure = `action ${action}: there is no canary ${session.progressive.canary} to ${action}. Nothing was changed.`;
    throw new DeployError(session.report.failure, session.report);
  }
  if (action === 'reject') return abort(session, 'rejected (action: reject)');
  const wanted = imagesOf(session.target.deployment).join(', ');
  const running = imagesOf(canary).join(', ');
  if (wanted !== running) {
    session.report.failure = `action promote: the paused canary ${session.progressive.canary} runs ${running}, these manifests give ${wanted}; promote with the images of the paused run, or reject it. Nothing was changed.`;
    throw new DeployError(session.report.failure, session.report);
  }
  return promote(session);
}

export async function runCanary(session: Session): Promise<DeployReport> {
  const { api, inputs } = session;
  const stable = await api.get(deploymentRef(session, session.target.deployment.metadata.name));
  const canary = await existingCanary(session);
  if (inputs.action !== 'deploy') return finishPaused(session, canary);
  if (canary?.metadata.annotations?.[CANARY_PAUSED] === 'true') {
    session.report.failure = `A paused canary ${session.progressive.canary} waits for a decision: run with action: promote or action: reject first. Nothing was changed.`;
    throw new DeployError(session.report.failure, session.report);
  }
  if (canary) await session.phase('Remove a leftover canary', () => removeCanary(session));
  if (!stable) {
    session.mark('no stable Deployment yet: nothing to compare with, deployed with the rolling strategy');
    return promote(session);
  }
  for (let index = 0; index < inputs.steps.length - 1; index += 1) {
    const manual = inputs.promote === 'manual' && index === 0;
    const step = await runStep(session, index, stable, manual);
    if (step.outcome === 'failed')
      return abort(session, `step ${step.step} (${step.weight}%): ${step.failure ?? step.verdict?.reason ?? 'failed'}`);
    if (manual) {
      step.outcome = 'paused';
      session.report.status = 'paused';
      notApplied(session, 'paused at the manual gate');
      session.mark(`paused at step 1: run again with action: promote or action: reject`);
      return session.report;
    }
  }
  return promote(session);
}
