/**
 * Configuration of a NASAIC search and of its comparison with the successive baseline: the two tasks, the
 * latency/energy/area specs, the reward, the strategy, the trained budget and the training settings.
 */
import { z } from 'zod';
import { JOINT_DATASETS, trainingConfigSchema } from '../../config.js';
import { parseOrThrow } from '../../validate.js';
import { STRATEGY_NAMES } from '../../../strategies/registry.js';

const pos = (what: string) => z.number({ error: `${what} must be a number` }).positive(`${what} must be > 0`);

/**
 * Default specs for the MNIST + Fashion-MNIST space, chosen from 2,000 random genomes of it (our model, batch 1):
 * latency quartiles 0.23 / 0.52 / 1.19 ms, energy 6.9k / 11.6k / 21.8k nJ, area 1.9M / 7.7M / 24M µm². The specs sit
 * near the medians so that about a fifth of the designs meet all three [inferred]. NASAIC's own specs (recalled as
 * 8·10^5 cycles, 2·10^9 nJ, 4·10^9 µm², MODELS-ACCELERATORS §4.2) are for far larger networks.
 */
export const NASAIC_DEFAULT_SPECS = { latencyMs: 0.5, energyNj: 12_000, areaUm2: 8_000_000 } as const;

/** The penalty of a child that misses a spec (REINFORCE's `reward.infeasible`). */
export const nasaicPenaltySchema = z.union([
  z.number(),
  z.object({ mode: z.literal('violation'), scale: pos('scale').default(1), offset: z.number().default(0) }).strict(),
]);

/** The NASAIC reward: Σ α_t·accuracy_t when the specs are met, else the penalty (MODELS-ACCELERATORS §4.2, §4.4). */
export const nasaicRewardSchema = z
  .object({
    /** α per task (summing to 1); default equal weights. */
    weights: z.array(z.number().min(0).max(1)).min(1).optional(),
    /** −1 (NASAIC's fixed penalty [recall, lo]) or `offset − scale·Σ violations`. */
    infeasible: nasaicPenaltySchema.default(-1),
  })
  .strict();

/** A NASAIC search / comparison configuration. */
export const nasaicConfigSchema = z
  .object({
    datasets: z.tuple([z.enum(JOINT_DATASETS), z.enum(JOINT_DATASETS)]).default(['mnist', 'fashion-mnist']),
    /** Each spec defaults on its own, so setting one keeps the others (relax one with a large value). */
    specs: z
      .object({
        latencyMs: pos('specs.latencyMs').default(NASAIC_DEFAULT_SPECS.latencyMs),
        energyNj: pos('specs.energyNj').default(NASAIC_DEFAULT_SPECS.energyNj),
        areaUm2: pos('specs.areaUm2').default(NASAIC_DEFAULT_SPECS.areaUm2),
      })
      .strict()
      .default(NASAIC_DEFAULT_SPECS),
    /** Images per run of each network. */
    batch: z.number().int().min(1).max(4096).default(1),
    reward: nasaicRewardSchema.default({ infeasible: -1 }),
    strategy: z
      .object({ name: z.enum(STRATEGY_NAMES as [string, ...string[]]).default('reinforce'), options: z.record(z.string(), z.unknown()).default({}) })
      .strict()
      .default({ name: 'reinforce', options: {} }),
    /** Children trained (each trains both networks): the fair budget of a comparison. */
    trained: z.number().int().min(1).default(12),
    /** At most this many trials (infeasible ones included); default 20 × trained. */
    trials: z.number().int().min(1).optional(),
    minutes: z.number().positive().optional(),
    training: trainingConfigSchema.default(trainingConfigSchema.parse({ epochs: 1, trainSubset: 3000, valSubset: 1000 })),
    seeds: z.array(z.number().int().min(0)).min(1).default([1]),
    workers: z.number().int().min(1).max(64).optional(),
    out: z.string().min(1).default('runs/nasaic'),
  })
  .strict()
  .refine((c) => c.reward.weights === undefined || c.reward.weights.length === 2, { message: 'reward.weights must give one weight per task (2)', path: ['reward', 'weights'] })
  .refine((c) => c.reward.weights === undefined || Math.abs(c.reward.weights.reduce((s, w) => s + w, 0) - 1) < 1e-9, { message: 'reward.weights must sum to 1', path: ['reward', 'weights'] });

/** A validated configuration. */
export type NasaicConfig = z.output<typeof nasaicConfigSchema>;

/** Validates a raw configuration; ConfigError listing every issue with its path. */
export function parseNasaicConfig(raw: unknown): NasaicConfig {
  return parseOrThrow(nasaicConfigSchema, raw, '', 'invalid NASAIC configuration');
}

/** The weights α of a configuration (equal when not given). */
export function taskWeights(c: NasaicConfig): number[] {
  return c.reward.weights ?? [0.5, 0.5];
}
