/**
 * The one rule every strategy applies to a `pruned` trial. Multi-fidelity evaluation (lib/eval/fidelity) prunes a
 * child that met the spec and was trained, but only on a small budget, and lost its rung to the children promoted
 * past it: its metrics (those of its last rung) are a low-fidelity, pessimistic estimate of what full training
 * would give. Strategies learn from it as from a feasible trial with those metrics, and rank it after every
 * complete feasible trial wherever they rank trials:
 * - random: nothing to learn.
 * - NSGA-II: survival ranks it behind every complete feasible trial and ahead of every infeasible one (a violation
 *   of {@link PRUNED_VIOLATION}); pruned trials among themselves by crowding.
 * - REINFORCE: rewarded with its low-fidelity metric, as a feasible child (its last rung's accuracy: lower than a
 *   fully trained child's, so the policy learns it lost).
 * - BO: observed as a feasible design with its low-fidelity objectives (the surrogate learns the region is worse,
 *   which at equal budget it was); it is not counted against P(feasible).
 * - HSCoNAS: archived as feasible with its low-fidelity fitness.
 * A pruned trial that lacks a metric the strategy reads (a NaN at its rung) is treated as failed.
 */
import { totalViolation, type FinishedTrial } from '../lib/trial/index.js';

/**
 * Tiny positive violation NSGA-II gives a pruned trial: behind every feasible trial (violation 0), ahead of every
 * infeasible one (a violation is a normalised excess, far larger than this).
 */
export const PRUNED_VIOLATION = 1e-9;

/**
 * How a strategy sees `t`: a pruned trial as a complete one with its low-fidelity metrics; `null` when it is
 * pruned but misses one of `metrics` or reports a violation (then treat it as failed); any other trial unchanged.
 */
export function observedAs(t: FinishedTrial, metrics: readonly string[]): FinishedTrial | null {
  if (t.status !== 'pruned') return t;
  if (totalViolation(t.violations) > 0) return null;
  for (const m of metrics) {
    const v = t.metrics?.[m];
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  }
  return { ...t, status: 'complete', extra: { ...t.extra, lowFidelity: true } };
}
