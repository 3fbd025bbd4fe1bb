/**
 * The reward kinds of options.ts beyond a plain metric: rl-interface's mixed reward, FNAS's clipped shaped
 * reward (stateful: an EMA of accuracy) and the multi-objective Chebyshev scalarisation (stateful: the range of
 * every objective seen so far). Their state is plain JSON for the strategy's snapshot.
 */
import { isFeasible, totalViolation, type FinishedTrial, type Objective } from '../../lib/trial/index.js';
import { observedAs } from '../low-fidelity.js';
import type { Rng } from '../../lib/rng.js';
import type { RewardRule } from './options.js';
import { rewardOf } from './reward.js';

/** State of the stateful rewards. */
export interface RewardState {
  /** FNAS: EMA of accuracy (null before the first feasible child). */
  emaAcc: number | null;
  /** Chebyshev: per objective, the lowest and highest value seen (minimisation form). */
  lo: number[];
  hi: number[];
}

/** A fresh state for `objectives`. */
export function freshRewardState(objectives: readonly Objective[]): RewardState {
  return { emaAcc: null, lo: objectives.map(() => Infinity), hi: objectives.map(() => -Infinity) };
}

const clip = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function metricOf(trial: FinishedTrial, metric: string): number {
  const v = trial.metrics?.[metric];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`reinforce: trial ${trial.number} is feasible but has no finite "${metric}" metric to reward (got ${String(v)})`);
  }
  return v;
}

/**
 * The reward of a trial at tell time for every kind but `chebyshev` (which is scored per batch, see
 * {@link chebyshevRewards}); updates `state` (FNAS's EMA) in tell order.
 */
export function tellReward(given: FinishedTrial, rule: RewardRule, state: RewardState): number {
  if (rule.kind === 'metric' || rule.kind === 'fgnas') return rewardOf(given, rule);
  const trial = observedAs(given, [rule.metric, ...(rule.hw ? [rule.hw.metric] : [])]);
  if (trial === null || trial.status === 'failed') return rule.failed;
  if (!isFeasible(trial)) return rule.infeasible as number;
  const acc = metricOf(trial, rule.metric);
  const hw = rule.hw!;
  const value = metricOf(trial, hw.metric);
  if (rule.kind === 'rl-interface') {
    const norm = hw.bound === 'max' ? (hw.target - value) / hw.target : (value - hw.target) / hw.target;
    return Math.max(rule.alpha * acc + (1 - rule.alpha) * norm, -1);
  }
  // fnas: the EMA before this child, then its update (the first update bias-corrected by /(1 − 0.8)).
  const ema = state.emaAcc ?? acc;
  const r = clip(acc - ema + value / (10 * hw.target), -0.1, 0.1);
  state.emaAcc = state.emaAcc === null ? (0.2 * acc) / (1 - 0.8) : 0.8 * state.emaAcc + 0.2 * acc;
  return r;
}

/** What the Chebyshev reward keeps of a trial until its batch is scored. */
export interface ChebyshevOutcome {
  /** Objective values in minimisation form; null when the trial is not feasible. */
  readonly values: readonly number[] | null;
  /** The reward of an infeasible, failed or pruned trial. */
  readonly fixed: number | null;
}

/** The Chebyshev outcome of a trial; widens the objectives' ranges with a feasible one. */
export function chebyshevOutcome(given: FinishedTrial, rule: RewardRule, objectives: readonly Objective[], state: RewardState): ChebyshevOutcome {
  const trial = observedAs(given, objectives.map((o) => o.metric));
  if (trial === null || trial.status === 'failed') return { values: null, fixed: rule.failed };
  if (!isFeasible(trial)) {
    const inf = rule.infeasible;
    return { values: null, fixed: typeof inf === 'number' ? inf : inf.offset - inf.scale * totalViolation(trial.violations) };
  }
  const values = objectives.map((o) => {
    const v = metricOf(trial, o.metric);
    return o.direction === 'maximize' ? -v : v;
  });
  values.forEach((v, i) => {
    state.lo[i] = Math.min(state.lo[i], v);
    state.hi[i] = Math.max(state.hi[i], v);
  });
  return { values, fixed: null };
}

/** Uniform weights on the simplex (Dirichlet(1): normalised exponentials). */
export function simplexWeights(k: number, rng: Rng): number[] {
  const e = Array.from({ length: k }, () => -Math.log(1 - rng.next()));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/**
 * Rewards of one batch under one weight vector λ: 1 − max_i λ_i·(v_i − lo_i)/(hi_i − lo_i) for feasible
 * children (in [0, 1], 1 at the best seen), the fixed reward otherwise.
 */
export function chebyshevRewards(batch: readonly ChebyshevOutcome[], lambda: readonly number[], state: RewardState): number[] {
  return batch.map((o) => {
    if (!o.values) return o.fixed!;
    let worst = 0;
    o.values.forEach((v, i) => {
      const span = state.hi[i] - state.lo[i];
      const d = span > 0 ? (v - state.lo[i]) / span : 0;
      worst = Math.max(worst, lambda[i] * d);
    });
    return 1 - worst;
  });
}
