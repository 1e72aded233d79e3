/**
 * What a canary or blue-green deploy records: one entry per step with the
 * split, the measurements of both tracks and the verdict, and the GitHub
 * deployment statuses it reported. The `analysis` output is this, as JSON.
 */
import type { StepVerdict, TrackMeasurement } from '../analysis/verdict.js';

export interface StepReport {
  /** 1-based step number, and the weight asked for. */
  step: number;
  weight: number;
  /** The share of pods the canary really had (pod-ratio mode), or the ingress weight. */
  effectiveWeight: number;
  canaryReplicas: number;
  stableReplicas: number;
  startedAt: number;
  endedAt: number;
  outcome: 'passed' | 'failed' | 'paused' | 'promoted' | 'switched';
  verdict?: StepVerdict;
  canary?: TrackMeasurement;
  stable?: TrackMeasurement;
  /** Why the step failed before any analysis (the canary's rollout). */
  failure?: string;
}

export interface DeploymentStatusEntry {
  state: string;
  at: number;
  deploymentId?: number;
  description?: string;
}

export interface ProgressiveReport {
  strategy: 'canary' | 'blue-green';
  /** pods: replica ratio behind the Service; ingress: ingress-nginx canary weight; service: blue-green selector switch. */
  traffic: 'pods' | 'ingress' | 'service';
  /** namespace/name of the canary (or new colour) Deployment. */
  canary: string;
  action: string;
  steps: StepReport[];
  /** When the bad version stopped receiving traffic (canary pods gone, or the selector switched back). */
  stableOnlyAt?: number;
  firstBadSignalAt?: number;
  /** Blue-green: the colour that is live at the end, and the one kept for a switch back. */
  liveColor?: string;
  keptColor?: string;
}

/** The `analysis` output: compact, without pod lists. */
export function analysisOutput(report: ProgressiveReport | undefined): string {
  if (!report) return '{}';
  return JSON.stringify({
    strategy: report.strategy,
    traffic: report.traffic,
    canary: report.canary,
    steps: report.steps.map((s) => ({
      step: s.step,
      weight: s.weight,
      effectiveWeight: s.effectiveWeight,
      outcome: s.outcome,
      ...(s.failure ? { failure: s.failure } : {}),
      ...(s.verdict ? { ok: s.verdict.ok, reason: s.verdict.reason, criteria: s.verdict.criteria } : {}),
      ...(s.canary
        ? {
            canary: {
              requests: s.canary.requests,
              errors: s.canary.errors,
              p95Ms: s.canary.p95Ms,
              restarts: s.canary.restarts,
            },
          }
        : {}),
      ...(s.stable
        ? {
            stable: {
              requests: s.stable.requests,
              errors: s.stable.errors,
              p95Ms: s.stable.p95Ms,
              restarts: s.stable.restarts,
            },
          }
        : {}),
    })),
  });
}
