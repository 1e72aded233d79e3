/**
 * One analysis window: the new track's pods and stable's measured at once
 * (same window, same path through the API server), then judged.
 */
import { measureTrack, type MeasureOptions } from '../analysis/measure.js';
import { instantQuery, probePrometheus, worstSample } from '../analysis/prometheus.js';
import { judgeStep, type StepVerdict, type TrackMeasurement } from '../analysis/verdict.js';
import { DeployError } from '../report.js';
import type { ProgressiveOptions, Session } from './session.js';
import { readyPods } from './session.js';
import { httpPort } from './targets.js';

export interface StepAnalysis {
  verdict: StepVerdict;
  canary: TrackMeasurement;
  stable: TrackMeasurement | undefined;
}

export function queryFunction(options: ProgressiveOptions): (promql: string) => Promise<number | undefined> {
  const url = options.inputs.analysis.prometheusUrl;
  if (options.query) {
    const query = options.query;
    return (promql) => query(promql, true);
  }
  if (!url) return () => Promise.resolve(undefined);
  return async (promql) => worstSample(await instantQuery(url, promql), true);
}

/** Before anything changes: an unreachable Prometheus stops the run. */
export async function preflight(session: Session): Promise<void> {
  const url = session.inputs.analysis.prometheusUrl;
  if (!url) return;
  try {
    await probePrometheus(url);
  } catch (error: unknown) {
    session.report.failure = error instanceof Error ? error.message : String(error);
    throw new DeployError(session.report.failure, session.report);
  }
}

export async function analyseStep(
  session: Session,
  query: (promql: string) => Promise<number | undefined>,
  selectors: { canary: string; stable: string | undefined },
): Promise<StepAnalysis> {
  const { api, inputs, namespace } = session;
  const config = inputs.analysis;
  const port = httpPort(session.target.deployment, config.metricsPort);
  const options: MeasureOptions = { api, config, windowMs: inputs.stepDurationMs, query };
  const canaryPods = await readyPods(api, namespace, selectors.canary);
  const stablePods = selectors.stable && config.compare ? await readyPods(api, namespace, selectors.stable) : [];
  session.log(
    `Analysing ${canaryPods.length} new pod(s)${stablePods.length > 0 ? ` against ${stablePods.length} stable pod(s)` : ''} for ${inputs.stepDurationMs / 1000} s`,
  );
  const [canary, stable] = await Promise.all([
    measureTrack(options, { namespace, pods: canaryPods, port }),
    stablePods.length > 0 ? measureTrack(options, { namespace, pods: stablePods, port }) : Promise.resolve(undefined),
  ]);
  return { verdict: judgeStep(config, canary, stable), canary, stable };
}
