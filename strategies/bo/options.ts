/** Options of the Bayesian-optimisation strategy (zod, defaults filled in). */
import { z } from 'zod';

export const boOptionsSchema = z
  .object({
    /** Genomes per ask when the study asks for "a batch" (filled greedily by the Kriging believer). */
    batchSize: z.number().int().min(1).default(5),
    /** Uniform random genomes before the first model (the initial design). */
    initialTrials: z.number().int().min(2).default(20),
    /** Uniform samples scored per ask. */
    candidates: z.number().int().min(10).default(1500),
    /** Mutants of the current best points scored per ask (local search around the front). */
    mutants: z.number().int().min(0).default(1500),
    /** Training-set cap: beyond it the GPs see the best-ranked half and the most recent half. */
    maxTrain: z.number().int().min(10).default(150),
    /** Likelihood evaluations per GP fit (warm-started from the previous fit; 0 = keep the defaults). */
    fitBudget: z.number().int().min(0).default(40),
    /** `ehvi` (exact expected hypervolume improvement, 2 objectives), `parego` (random Chebyshev scalarisations), or `auto` (EHVI for 2, ParEGO otherwise). */
    acquisition: z.enum(['auto', 'ehvi', 'parego']).default('auto'),
    /** Monte-Carlo draws per candidate for the ParEGO acquisition. */
    mcSamples: z.number().int().min(4).default(48),
    /**
     * Objective warping before the GP: `none` (values as they are, non-physical outliers winsorised at 50 IQR) or
     * `copula` (ranks → normal quantiles; EHVI then works in the warped space). On nb201 `none` did better
     * (0.723 vs 0.716 mean HV at 100 evaluations, 4 and 2 seeds, 20 initial points).
     */
    warp: z.enum(['copula', 'none']).default('none'),
    /**
     * Probability that a pick of a batch is a uniform candidate instead of the acquisition's best: ε-exploration, as
     * Spotlight's nested BO (ε 0.1 for hardware, 0.3 for software; MODELS-ACCELERATORS §1.3). Off by default: on nb201
     * ε = 0.2 lowered HV at 100 evaluations (0.68 vs 0.73 mean of seeds 0–2) and did not lift it at 300 (0.714 vs 0.72).
     */
    epsilon: z.number().min(0).max(1).default(0),
    /**
     * EHVI's reference point, per objective, in units of the feasible front's range beyond its nadir (objectives
     * normalised so the front seen spans [0, 1]): 1 + refMargin.
     */
    refMargin: z.number().min(0).default(0.1),
    /**
     * With warp `none`, the upper fence of the winsorising in IQRs above Q3 (objectives are minimised, so the upper
     * tail holds the worst designs, whose exact values do not matter for the front while they flatten the GP).
     */
    upperFence: z.number().positive().default(50),
    /** Treat choice genes over strictly monotonic numbers as ordinal (false: every choice is categorical). */
    ordinalChoices: z.boolean().default(true),
    /** `gp`: weight the acquisition by the probability of feasibility from GP models of the constraint violations; `none`: ignore them. */
    feasibility: z.enum(['gp', 'none']).default('gp'),
  })
  .strict();

/** Parsed BO options. */
export type BoOptions = z.output<typeof boOptionsSchema>;
