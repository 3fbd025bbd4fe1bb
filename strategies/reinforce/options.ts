/**
 * Options of the REINFORCE strategy: the controller's size, the optimiser, the baseline and the reward.
 * Defaults follow the authors' controller (MODELS.md §1.6: batch of 5, EMA baseline decay 0.9, lr 0.01,
 * infeasible reward 0) except the LSTM width (64 here, 100 in FGNAS, 35 in rl_interface), chosen to keep
 * snapshots small.
 */
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.js';
import type { Objective } from '../../lib/trial/index.js';

/** Infeasible children get `offset − scale · totalViolation` (Deb's summed positive normalised violations). */
const violationPenaltySchema = z
  .object({
    mode: z.literal('violation'),
    scale: z.number().positive().default(1),
    offset: z.number().default(0),
  })
  .strict();

/** How finished trials become rewards. */
export const reinforceRewardSchema = z
  .object({
    /** Metric rewarded for a feasible child; default: the first objective's metric. */
    metric: z.string().min(1).optional(),
    /** Direction of that metric; default: the objective's direction when the metric is an objective, else maximize. */
    direction: z.enum(['maximize', 'minimize']).optional(),
    /** Reward of an infeasible child: a fixed number (FGNAS 0, rl_interface −1) or a violation-proportional penalty. */
    infeasible: z.union([z.number(), violationPenaltySchema]).default(0),
    /** Reward of a failed or pruned child (no usable measurement). */
    failed: z.number().default(0),
  })
  .strict();

/** Options of the REINFORCE strategy. */
export const reinforceOptionsSchema = z
  .object({
    /** LSTM hidden units. */
    hiddenUnits: z.number().int().min(1).max(1024).default(64),
    /** Size of the previous-token embedding fed to the LSTM. */
    embeddingSize: z.number().int().min(1).max(1024).default(16),
    /** Adam step size. */
    learningRate: z.number().positive().default(0.01),
    adam: z
      .object({
        beta1: z.number().min(0).lt(1).default(0.9),
        beta2: z.number().min(0).lt(1).default(0.999),
        epsilon: z.number().positive().default(1e-8),
      })
      .strict()
      .prefault({}),
    /** Weights start uniform in [−initRange, initRange] (a near-uniform initial policy); forget-gate bias 1. */
    initRange: z.number().positive().default(0.1),
    /** EMA baseline: `b ← decay·b + (1 − decay)·r` after each reward. */
    baselineDecay: z.number().min(0).lt(1).default(0.9),
    /** Starting baseline; omitted = the first reward told (so the first advantage is 0). FGNAS starts at 0. */
    initialBaseline: z.number().optional(),
    /** Weight of the entropy bonus (0 = none). */
    entropyWeight: z.number().min(0).default(0),
    /** Children per policy update (and the batch the study is asked for). */
    batchSize: z.number().int().min(1).default(5),
    reward: reinforceRewardSchema.prefault({}),
  })
  .strict();

/** Options of the REINFORCE strategy, parsed (defaults filled in). */
export type ReinforceOptions = z.output<typeof reinforceOptionsSchema>;

/** The reward rule with the metric and its direction resolved against the study's objectives. */
export interface RewardRule {
  readonly metric: string;
  readonly direction: 'maximize' | 'minimize';
  readonly infeasible: number | { readonly mode: 'violation'; readonly scale: number; readonly offset: number };
  readonly failed: number;
}

/** Resolves the rewarded metric (default: the first objective) and its direction; ConfigError when there is none. */
export function resolveRewardRule(options: ReinforceOptions, objectives: readonly Objective[]): RewardRule {
  const metric = options.reward.metric ?? objectives[0]?.metric;
  if (metric === undefined) {
    throw new ConfigError(
      [{ path: 'strategy.options.reward.metric', message: 'the study has no objectives: name the metric to reward' }],
      'invalid options for strategy "reinforce"',
    );
  }
  const direction = options.reward.direction ?? objectives.find((o) => o.metric === metric)?.direction ?? 'maximize';
  return { metric, direction, infeasible: options.reward.infeasible, failed: options.reward.failed };
}
