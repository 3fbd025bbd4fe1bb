/**
 * The NASAIC reward (Yang et al., DAC'20; MODELS-ACCELERATORS §4.2, §4.4 [recall, med for the structure]): hardware
 * is checked first; a child that misses a spec is not trained and gets a penalty (fixed, −1 by default, or
 * `offset − scale·Σ violations`); otherwise the reward is the weighted accuracy Σ α_t·acc_t. The REINFORCE strategy
 * computes exactly this from the trial when given {@link reinforceRewardOptions}; {@link nasaicReward} is the same
 * rule for reports and baselines.
 */
import { isFeasible, totalViolation, type FinishedTrial, type Objective } from '../../trial/index.js';
import type { NasaicConfig } from './config.js';

/** REINFORCE options that make its reward the NASAIC reward (weighted accuracy is the metric `accuracy`). */
export function reinforceRewardOptions(c: NasaicConfig): Record<string, unknown> {
  return { reward: { kind: 'metric', metric: 'accuracy', direction: 'maximize', infeasible: c.reward.infeasible, failed: typeof c.reward.infeasible === 'number' ? c.reward.infeasible : -1 } };
}

/** The reward of a finished trial. */
export function nasaicReward(t: FinishedTrial, objectives: readonly Objective[], c: NasaicConfig): number {
  if (t.status === 'complete' && isFeasible(t, objectives) && t.metrics.accuracy !== undefined) return t.metrics.accuracy;
  const p = c.reward.infeasible;
  return typeof p === 'number' ? p : p.offset - p.scale * totalViolation(t.violations);
}
