/**
 * The blue-green strategy. The new colour (`<name>-blue` or `<name>-green`)
 * starts next to the live one, is analysed through its own preview Service
 * against the live pods, then the live Service's selector switches to it.
 * The old colour is kept (blue-green-keep, the default) for `action:
 * switch-back`, which restores the selector the switch replaced.
 *
 * The first switch away from an uncoloured Deployment pins the live Service
 * to that Deployment's current pods (their pod-template-hash) before the new
 * colour starts, since the manifests' selector would pick the new pods too.
 */
import { DeployError, type DeployReport } from '../report.js';
import type { KubeObject } from '../objects.js';
import { analyseStep, queryFunction } from './analyse.js';
import {
  colourDeployment,
  colourSelector,
  liveColour,
  otherColour,
  previewService,
  previousSelector,
  routedService,
  type Colour,
} from './colours.js';
import type { StepReport } from './report.js';
import {
  deploymentRef,
  notApplied,
  podsGone,
  readyPods,
  rollingDeployAll,
  mergeInner,
  selectorOf,
  waitFor,
  type Session,
} from './session.js';
import { labelsOf, serviceSelector } from './targets.js';

const liveService = (session: Session): KubeObject => session.target.services[0] as KubeObject;
const serviceRef = (session: Session, name: string): Parameters<Session['api']['get']>[0] => ({
  apiVersion: 'v1',
  kind: 'Service',
  name,
  namespace: session.namespace,
});
const selectorText = (s: Readonly<Record<string, string>>): string =>
  Object.entries(s)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
const apply = (session: Session, object: KubeObject): Promise<KubeObject> =>
  session.api.apply(object, { fieldManager: session.options.fieldManager, dryRun: false });

function fail(session: Session, status: DeployReport['status'], message: string): never {
  session.report.status = status;
  notApplied(session, status === 'aborted' ? 'preview aborted' : 'not started');
  session.report.failure = message;
  throw new DeployError(message, session.report);
}

/** Points every target Service at `selector`, recording what each selected before. */
async function route(
  session: Session,
  selector: Record<string, string>,
  previous: Record<string, string>,
): Promise<void> {
  for (const service of session.target.services) await apply(session, routedService(service, selector, previous));
  session.mark(`live Service(s) now select ${selectorText(selector)}`);
}

/** An uncoloured live Deployment: pin the Service to its current pods so the new colour gets no live traffic. */
async function pinUncoloured(session: Session, live: Record<string, string>): Promise<Record<string, string>> {
  if (liveColour(live) || live['pod-template-hash']) return live;
  const { items } = await session.api.list('v1', 'Pod', session.namespace, { labelSelector: selectorText(live) });
  const hashes = new Set(items.map((p) => p.metadata.labels?.['pod-template-hash']).filter((h): h is string => !!h));
  if (hashes.size !== 1)
    fail(
      session,
      'failed',
      `blue-green: the live pods of ${selectorText(live)} are not of one ReplicaSet (${hashes.size} pod-template-hash values); wait until the live Deployment has finished rolling out. Nothing was changed.`,
    );
  const pinned = { ...live, 'pod-template-hash': [...hashes][0] as string };
  await route(session, pinned, live);
  return pinned;
}

async function removeColour(session: Session, colour: Colour): Promise<void> {
  const name = `${session.target.deployment.metadata.name}-${colour}`;
  await session.api.remove(deploymentRef(session, name));
  await session.api.remove(serviceRef(session, `${liveService(session).metadata.name}-preview`));
  await podsGone(
    session.api,
    session.namespace,
    selectorOf(colourDeployment(session.target.deployment, colour)),
    session.options.timeoutMs,
  );
  session.progressive.stableOnlyAt = session.clock();
  session.mark(`${name} and the preview Service deleted: only the live colour serves`);
}

/** Starts and analyses the new colour; true when it passed. */
async function preview(session: Session, colour: Colour, live: Record<string, string>): Promise<StepReport> {
  const step: StepReport = {
    step: 1,
    weight: 0,
    effectiveWeight: 0,
    canaryReplicas: 0,
    stableReplicas: 0,
    startedAt: session.clock(),
    endedAt: 0,
    outcome: 'passed',
  };
  session.progressive.steps.push(step);
  await session.phase(`Preview ${colour}`, async () => {
    const applied = await apply(session, colourDeployment(session.target.deployment, colour));
    await apply(session, previewService(liveService(session), colour));
    const rollout = await waitFor(session, applied);
    if (rollout.outcome !== 'complete') {
      step.failure = `the ${colour} rollout ${rollout.outcome}: ${rollout.message}`;
      session.report.failingPods.push(...rollout.failingPods);
      return;
    }
    const query = queryFunction({ deploy: session.options, inputs: session.inputs });
    const result = await analyseStep(session, query, { canary: selectorOf(applied), stable: selectorText(live) });
    Object.assign(step, {
      verdict: result.verdict,
      canary: result.canary,
      ...(result.stable ? { stable: result.stable } : {}),
    });
    step.canaryReplicas = result.canary.pods.length;
    step.stableReplicas = result.stable?.pods.length ?? 0;
    session.mark(`${colour} analysis: ${result.verdict.ok ? 'passed' : `failed (${result.verdict.reason ?? ''})`}`);
  });
  step.endedAt = session.clock();
  if (step.failure || step.verdict?.ok === false) step.outcome = 'failed';
  return step;
}

/** Switches to the new colour, applies the other manifests, then keeps or deletes the old colour. */
async function switchTo(session: Session, colour: Colour, live: Record<string, string>): Promise<DeployReport> {
  const selector = colourSelector(serviceSelector(liveService(session)), colour);
  await session.phase(`Switch to ${colour}`, () => route(session, selector, live));
  session.progressive.steps.push({
    step: session.progressive.steps.length + 1,
    weight: 100,
    effectiveWeight: 100,
    canaryReplicas: 0,
    stableReplicas: 0,
    startedAt: session.clock(),
    endedAt: session.clock(),
    outcome: 'switched',
  });
  session.progressive.liveColor = colour;
  await session.api.remove(serviceRef(session, `${liveService(session).metadata.name}-preview`));
  const routing = new Set(
    [session.target.deployment, ...session.target.services].map((o) => `${o.kind}/${o.metadata.name}`),
  );
  const rest = session.options.objects.filter((o) => !routing.has(`${o.object.kind}/${o.object.metadata.name}`));
  if (rest.length > 0) mergeInner(session, await rollingDeployAll(session, rest));
  const old = liveColour(live);
  if (session.inputs.blueGreenKeep) {
    session.progressive.keptColor = old ?? session.target.deployment.metadata.name;
    session.mark(`kept ${old ?? 'the uncoloured Deployment'} for a switch back`);
  } else {
    await session.api.remove(
      deploymentRef(
        session,
        old ? `${session.target.deployment.metadata.name}-${old}` : session.target.deployment.metadata.name,
      ),
    );
    session.mark(`deleted the previous ${old ?? 'uncoloured'} Deployment (blue-green-keep: false)`);
  }
  // The uncoloured Deployment of the first switch is two switches old once a colour was live: nothing routes to it.
  if (old && (await session.api.remove(deploymentRef(session, session.target.deployment.metadata.name))))
    session.mark(`deleted the uncoloured Deployment ${session.target.deployment.metadata.name} (replaced by colours)`);
  session.report.status = 'deployed';
  return session.report;
}

async function switchBack(session: Session, current: KubeObject | undefined): Promise<DeployReport> {
  const previous = previousSelector(current);
  if (!current || !previous)
    fail(
      session,
      'failed',
      `action switch-back: the live Service ${liveService(session).metadata.name} records no earlier selector to switch back to. Nothing was changed.`,
    );
  const pods = await readyPods(session.api, session.namespace, selectorText(previous));
  if (pods.length === 0)
    fail(
      session,
      'failed',
      `action switch-back: no ready pod matches the earlier selector ${selectorText(previous)} (was the old colour kept?). Nothing was changed.`,
    );
  await session.phase('Switch back', () => route(session, previous, serviceSelector(current)));
  session.progressive.liveColor = liveColour(previous) ?? 'uncoloured';
  session.report.status = 'rolled-back';
  return session.report;
}

export async function runBlueGreen(session: Session): Promise<DeployReport> {
  const { api, inputs } = session;
  const current = await api.get(serviceRef(session, liveService(session).metadata.name));
  if (inputs.action === 'switch-back') return switchBack(session, current);
  const preview_ = await api.get(serviceRef(session, `${liveService(session).metadata.name}-preview`));
  const live = current ? serviceSelector(current) : {};
  if (inputs.action !== 'deploy') {
    const colour = liveColour(labelsOf(preview_?.metadata.labels));
    if (!preview_ || !colour)
      fail(
        session,
        'failed',
        `action ${inputs.action}: there is no paused preview to ${inputs.action}. Nothing was changed.`,
      );
    if (inputs.action === 'reject') {
      await session.phase(`Remove ${colour}`, () => removeColour(session, colour));
      fail(
        session,
        'aborted',
        `Preview ${colour} rejected (action: reject) and deleted; the live colour was not touched.`,
      );
    }
    return switchTo(session, colour, live);
  }
  if (preview_)
    fail(
      session,
      'failed',
      `A paused preview ${preview_.metadata.name} waits for a decision: run with action: promote or action: reject first. Nothing was changed.`,
    );
  const livePods = current ? await readyPods(api, session.namespace, selectorText(live)) : [];
  if (livePods.length === 0) {
    session.mark('nothing live yet: deployed with the rolling strategy');
    mergeInner(session, await rollingDeployAll(session));
    return session.report;
  }
  const colour = otherColour(liveColour(live));
  session.progressive.canary = `${session.namespace}/${session.target.deployment.metadata.name}-${colour}`;
  const pinned = await pinUncoloured(session, live);
  const step = await preview(session, colour, pinned);
  if (step.outcome === 'failed') {
    await session.phase(`Remove ${colour}`, () => removeColour(session, colour));
    fail(
      session,
      'aborted',
      `Blue-green aborted: ${step.failure ?? step.verdict?.reason ?? 'the analysis failed'}\nThe ${colour} Deployment was deleted; the live one was not touched.`,
    );
  }
  if (inputs.promote === 'manual') {
    step.outcome = 'paused';
    session.report.status = 'paused';
    notApplied(session, 'paused at the manual gate');
    session.mark(`paused: ${colour} is previewed; run with action: promote or action: reject`);
    return session.report;
  }
  return switchTo(session, colour, pinned);
}
