/**
 * Canary weights: the `canary-steps` list, and how a traffic weight becomes
 * a replica count when the split is made by pods behind one Service (no
 * mesh): the stable Deployment keeps its replicas, the canary gets enough
 * that canary / (stable + canary) is as close to the weight as whole pods
 * allow. Pure.
 */
import { InputError } from '@pipeline/action-kit';

const ACCEPTED_STEPS =
  'comma-separated whole percentages, strictly increasing, each from 1 to 100, ending in 100 (e.g. 10,50,100)';

/** `canary-steps`: e.g. `10,50,100`. */
export function parseSteps(raw: string): number[] {
  const text = raw.trim() === '' ? '10,50,100' : raw.trim();
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const steps: number[] = [];
  for (const part of parts) {
    const value = /^\d+%?$/.test(part) ? Number(part.replace('%', '')) : Number.NaN;
    if (!Number.isInteger(value) || value < 1 || value > 100)
      throw new InputError('canary-steps', raw, `${ACCEPTED_STEPS}; ${JSON.stringify(part)} is not`);
    const previous = steps.at(-1);
    if (previous !== undefined && value <= previous)
      throw new InputError('canary-steps', raw, `${ACCEPTED_STEPS}; ${value} does not follow ${previous}`);
    steps.push(value);
  }
  if (steps.at(-1) !== 100)
    throw new InputError('canary-steps', raw, `${ACCEPTED_STEPS}; the last step is the full promotion`);
  return steps;
}

/**
 * Canary replicas for `weight` percent next to `stable` replicas that stay
 * as they are: the count c with c / (stable + c) nearest the weight, at
 * least 1 (a canary without pods measures nothing), at most `maxReplicas`.
 */
export function canaryReplicas(weight: number, stable: number, maxReplicas = 100): number {
  if (weight >= 100) return Math.max(stable, 1);
  if (stable <= 0) return 1;
  let best = 1;
  let bestError = Number.POSITIVE_INFINITY;
  for (let c = 1; c <= maxReplicas; c += 1) {
    const error = Math.abs((100 * c) / (stable + c) - weight);
    if (error < bestError - 1e-9) {
      best = c;
      bestError = error;
    }
  }
  return best;
}

/** The weight a split really gives, in percent with one decimal. */
export function effectiveWeight(canary: number, stable: number): number {
  const total = canary + stable;
  return total === 0 ? 0 : Math.round((1000 * canary) / total) / 10;
}
