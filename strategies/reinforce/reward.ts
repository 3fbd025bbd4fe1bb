/**
 * The controller's reward for one finished trial (DESIGN §4, MODELS.md §1.6): the rewarded metric of a feasible
 * child (negated when it is minimised, so larger is always better), a configurable penalty for an infeasible
 * one, and a fixed reward for a failed one; a pruned one is rewarded with its low-fidelity metric (strategies/low-fidelity.ts).
 */
import { HwnasError } from '../../lib/errors.js';
import { isFeasible, totalViolation, type FinishedTrial } from '../../lib/trial/index.js';
import type { RewardRule } from './options.js';
import { observedAs } from '../low-fidelity.js';

/** The reward of `trial` under `rule`. Throws when a feasible trial lacks the rewarded metric (a setup error). */
export function rewardOf(given: FinishedTrial, rule: RewardRule): number {
  // A pruned child: rewarded with its low-fidelity metric (strategies/low-fidelity.ts).
  const trial = observedAs(given, [rule.metric]);
  if (trial === null || trial.status === 'failed') return rule.failed;
  if (!isFeasible(trial)) {
    if (typeof rule.infeasible === 'number') return rule.infeasible;
    return rule.infeasible.offset - rule.infeasible.scale * totalViolation(trial.violations);
  }
  const v = trial.metrics?.[rule.metric];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new HwnasError(
      'REWARD_METRIC_MISSING',
      `reinforce: trial ${trial.number} is complete but has no finite "${rule.metric}" metric to reward (got ${String(v)}); ` +
        `set strategy.options.reward.metric to a metric the evaluator reports`,
    );
  }
  return rule.direction === 'minimize' ? -v : v;
}
