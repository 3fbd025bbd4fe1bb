/**
 * Options of the REINFORCE strategy: the controller's size, the optimiser, the baseline, the reward and fast
 * exploration.
 *
 * Two sets of defaults, said plainly:
 * - `preset: "paper"` is exactly FGNAS's controller [code: qinglu0330/FGNAS:controller.py, search.py; MODELS.md
 *   §1.6]: LSTM 100 hidden units, embeddings of 10, plain gradient ascent (`optimizer: "sgd"`) at lr 0.01, batch
 *   of 5, EMA baseline decay 0.9 starting at 0, reward `fgnas` (0 when infeasible, else accuracy), no entropy.
 * - without a preset (ours, tuned for these benchmarks, not the authors'): LSTM 64, embeddings 16, Adam at
 *   lr 0.01, batch 5, EMA 0.9 from the first reward; reward `auto` (one objective: that metric; several: a random
 *   Chebyshev scalarisation per batch over all of them) with an entropy bonus on multi-objective studies.
 * Explicit options override a preset's values.
 */
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.js';
import type { Constraint, Objective } from '../../lib/trial/index.js';

/**
 * Reward kinds (each with its source):
 * - `metric`: the rewarded metric of a feasible child, `infeasible` otherwise (this module's rule).
 * - `fgnas`: 0 when infeasible, else the accuracy [code: FGNAS:search.py; MODELS.md §1.6].
 * - `rl-interface`: −1 when infeasible, else max(α·acc + (1−α)·norm_hw, −1), norm_hw = (target − hw)/target for an
 *   upper bound (hw − target)/target for a lower one [code: weiwenjiang/rl_interface:RL_NAS/rl_controller.py;
 *   MODELS.md §3.4].
 * - `fnas`: FNAS's clipped shaped reward: over the latency spec clip((spec−lat)/(10·spec) − 1, ±0.1), else
 *   clip(acc − ema_acc + lat/(10·spec), ±0.1), ema_acc ← 0.8·ema_acc + 0.2·acc bias-corrected once
 *   [code: PITT-JZ-COOP/FPGA-implementation-Aware-NAS:manager.py, train.py; MODELS.md §2.4].
 * - `chebyshev`: every objective, min–max normalised over the feasible children so far; one weight vector drawn
 *   uniformly from the simplex per batch; reward 1 − max_i λ_i·d_i (d_i the distance to the best seen) [inferred:
 *   ParEGO-style scalarisation, Knowles 2006]; the batch's mean reward is the baseline.
 * - `auto`: `chebyshev` with several objectives, else `metric`.
 */
export const REWARD_KINDS = ['auto', 'metric', 'fgnas', 'rl-interface', 'fnas', 'chebyshev'] as const;

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
    /** How rewards are computed (see REWARD_KINDS). */
    kind: z.enum(REWARD_KINDS).default('auto'),
    /** rl-interface: weight α of accuracy against the normalised hardware figure (not given in the source; 0.5 ours). */
    alpha: z.number().min(0).max(1).default(0.5),
    /** rl-interface, fnas: the hardware metric and its target; default: the first constraint (fnas: on latencyMs). */
    hwMetric: z.string().min(1).optional(),
    /** Metric rewarded for a feasible child; default: the first objective's metric (fgnas, rl-interface, fnas: accuracy when an objective). */
    metric: z.string().min(1).optional(),
    /** Direction of that metric; default: the objective's direction when the metric is an objective, else maximize. */
    direction: z.enum(['maximize', 'minimize']).optional(),
    /** Reward of an infeasible child: a fixed number (FGNAS 0, rl_interface −1) or a violation-proportional penalty. */
    infeasible: z.union([z.number(), violationPenaltySchema]).default(0),
    /** Reward of a failed child (no usable measurement), and of a pruned one that lacks the rewarded metric. */
    failed: z.number().default(0),
  })
  .strict();


/** Fast exploration [code: rl_interface `num_hw_per_child = 10`; MODELS.md §3.4]. */
export const fastExplorationSchema = z
  .object({
    /** Re-samples of a child's hardware tokens before it is declared infeasible (0: off). */
    tries: z.number().int().min(0).max(1000).default(10),
    /**
     * `first-feasible`: stop at the first design meeting the spec (rl_interface [code]); `tune` (default, ours):
     * re-sample every child and keep its best feasible design on the hardware objectives (MODELS.md §3.1: fast
     * exploration "tunes the hardware"; the re-sampling budget is the same).
     */
    mode: z.enum(['tune', 'first-feasible']).default('tune'),
  })
  .strict();

/** FGNAS's controller (MODELS.md §1.6): what `preset: "paper"` sets. */
export const PAPER_PRESET = {
  hiddenUnits: 100,
  embeddingSize: 10,
  optimizer: 'sgd',
  learningRate: 0.01,
  batchSize: 5,
  baselineDecay: 0.9,
  initialBaseline: 0,
  entropyWeight: 0,
  reward: { kind: 'fgnas' },
} as const;

/** Applies `preset: "paper"` under the explicitly given options. */
function applyPreset(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || (raw as { preset?: unknown }).preset !== 'paper') return raw;
  const r = raw as Record<string, unknown>;
  const reward = typeof r.reward === 'object' && r.reward !== null ? { ...PAPER_PRESET.reward, ...(r.reward as object) } : PAPER_PRESET.reward;
  return { ...PAPER_PRESET, ...r, reward };
}

/** Options of the REINFORCE strategy. */
export const reinforceOptionsSchema = z.preprocess(applyPreset, z
  .object({
    /** `paper`: FGNAS's controller exactly (see the module comment); explicit options override it. */
    preset: z.enum(['paper']).optional(),
    /** `adam` (ours, the default) or `sgd`: plain gradient ascent θ ← θ + lr·∇J, as FGNAS. */
    optimizer: z.enum(['adam', 'sgd']).default('adam'),
    /** Fast exploration of hardware tokens (used when the runner gives a hardware precheck and the space has hw genes). */
    fastExploration: fastExplorationSchema.prefault({}),
    /** LSTM hidden units. */
    hiddenUnits: z.number().int().min(1).max(1024).default(64),
    /** Size of the previous-token embedding fed to the LSTM. */
    embeddingSize: z.number().int().min(1).max(1024).default(16),
    /** Step size (Adam's or plain gradient ascent's). */
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
    /** Weight of the entropy bonus; default 0 with one objective, 0.1 with a multi-objective (chebyshev) reward. */
    entropyWeight: z.number().min(0).optional(),
    /** Children per policy update (and the batch the study is asked for). */
    batchSize: z.number().int().min(1).default(5),
    reward: reinforceRewardSchema.prefault({}),
  })
  .strict());

/** Options of the REINFORCE strategy, parsed (defaults filled in). */
export type ReinforceOptions = z.output<typeof reinforceOptionsSchema>;

/** The reward rule with the metric and its direction resolved against the study's objectives. */
export interface RewardRule {
  readonly kind: Exclude<(typeof REWARD_KINDS)[number], 'auto'>;
  readonly metric: string;
  readonly direction: 'maximize' | 'minimize';
  readonly infeasible: number | { readonly mode: 'violation'; readonly scale: number; readonly offset: number };
  readonly failed: number;
  readonly alpha: number;
  /** rl-interface, fnas: the hardware metric and its bound. */
  readonly hw?: { readonly metric: string; readonly target: number; readonly bound: 'max' | 'min' };
}

/** Resolves the rewarded metric (default: the first objective) and its direction; ConfigError when there is none. */
export function resolveRewardRule(options: ReinforceOptions, objectives: readonly Objective[], constraints: readonly Constraint[] = []): RewardRule {
  const kind = options.reward.kind === 'auto' ? (objectives.length > 1 ? 'chebyshev' : 'metric') : options.reward.kind;
  const bad = (path: string, message: string) => new ConfigError([{ path: `strategy.options.reward.${path}`, message }], 'invalid options for strategy "reinforce"');
  const paperKind = kind === 'fgnas' || kind === 'rl-interface' || kind === 'fnas';
  const accuracy = objectives.some((o) => o.metric === 'accuracy') ? 'accuracy' : undefined;
  const metric = options.reward.metric ?? (paperKind ? accuracy : undefined) ?? objectives[0]?.metric;
  let hw: RewardRule['hw'];
  if (kind === 'rl-interface' || kind === 'fnas') {
    const wanted = options.reward.hwMetric ?? (kind === 'fnas' ? 'latencyMs' : constraints[0]?.metric);
    const c = constraints.find((k) => k.metric === wanted);
    if (!c) throw bad('hwMetric', `reward "${kind}" needs a constraint on ${wanted ?? 'a hardware metric'} to normalise by; the study has ${constraints.map((k) => k.metric).join(', ') || 'none'}`);
    if (kind === 'fnas' && c.max === undefined) throw bad('hwMetric', `reward "fnas" needs an upper bound (a latency spec), "${c.metric}" has a lower bound`);
    hw = c.max !== undefined ? { metric: c.metric, target: c.max, bound: 'max' } : { metric: c.metric, target: c.min!, bound: 'min' };
  }
  const infeasible = kind === 'fgnas' ? 0 : kind === 'rl-interface' ? -1 : kind === 'fnas' ? -0.1 : options.reward.infeasible;
  if (metric === undefined) {
    throw new ConfigError(
      [{ path: 'strategy.options.reward.metric', message: 'the study has no objectives: name the metric to reward' }],
      'invalid options for strategy "reinforce"',
    );
  }
  const direction = options.reward.direction ?? objectives.find((o) => o.metric === metric)?.direction ?? 'maximize';
  return { kind, metric, direction, infeasible, failed: options.reward.failed, alpha: options.reward.alpha, ...(hw ? { hw } : {}) };
}
