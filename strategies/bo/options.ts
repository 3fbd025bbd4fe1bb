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
    /**
     * When the space has at most this many designs (a finite space, e.g. nb201's 15,625), every design not seen yet
     * is scored instead of the sampled pool, so the acquisition's maximum is exact; 0 = never (the default: it costs
     * a posterior over the whole space per ask, and issue 13's nb201 runs did not get to measure its gain).
     */
    exhaustive: z.number().int().min(0).default(0),
    /** Mutants of the current best points scored per ask (local search around the front). */
    mutants: z.number().int().min(0).default(1500),
    /**
     * Training-set cap: beyond it the GPs see the best-ranked half and the most recent half. 300 (was 150): on nb201
     * at 300 evaluations, seeing every point instead of half lifted the hypervolume on each of 10 seeds (0.754 → 0.760
     * mean) for 2.2× the ask time (0.41 → 0.92 s per ask of 5, quiet machine); the GP costs O(n³) per likelihood.
     */
    maxTrain: z.number().int().min(10).default(300),
    /** Likelihood evaluations per GP fit (warm-started from the previous fit; 0 = keep the defaults). */
    fitBudget: z.number().int().min(0).default(40),
    /** `ehvi` (exact expected hypervolume improvement, 2 objectives), `parego` (random Chebyshev scalarisations), or `auto` (EHVI for 2, ParEGO otherwise). */
    acquisition: z.enum(['auto', 'ehvi', 'parego']).default('auto'),
    /** Monte-Carlo draws per candidate for the ParEGO acquisition. */
    mcSamples: z.number().int().min(4).default(48),
    /**
     * Objective warping before the GP: `none` (values as they are, the upper tail winsorised at `upperFence`),
     * `power` (Yeo–Johnson with λ by likelihood, as HEBO: a skewed objective's good tail spread out, a nearly Gaussian
     * one left nearly linear; warp.ts) or `copula` (ranks → normal quantiles). Through a warp EHVI is taken on the raw
     * objectives at Gauss–Hermite nodes. On nb201 a GP on 100 random cells ranks the 2,000 lowest-error cells with
     * Spearman 0.12–0.29 under `power` against 0.08–0.18 under `none` (4 draws), but BO's hypervolume over 10 seeds
     * moved within the seed spread (0.726 / 0.756 at 100 / 300 evaluations against 0.728 / 0.754) while ZDT1's IGD
     * went from 1.15 to 1.25 and the edge co-design's best EDP from 31.9 to 33.8, so `none` stays the default.
     */
    warp: z.enum(['none', 'power', 'copula']).default('none'),
    /**
     * Probability that a pick of a batch is a uniform candidate instead of the acquisition's best: ε-exploration, as
     * Spotlight's nested BO (ε 0.1 for hardware, 0.3 for software; MODELS-ACCELERATORS §1.3). Off by default: on nb201
     * ε = 0.2 lowered HV at 100 evaluations (0.68 vs 0.73 mean of seeds 0–2) and did not lift it at 300 (0.714 vs 0.72).
     */
    epsilon: z.number().min(0).max(1).default(0),
    /**
     * EHVI's reference point, per objective, in units of the feasible front's range beyond its nadir (objectives
     * normalised so the front seen spans [0, 1]): 1 + refMargin. Issue 13's diagnosis on nb201: at 0.1 (a reference
     * just past the front seen) every design slower than the front's slowest point had zero improvement, so BO never
     * looked at the accurate, slow cells the true front starts with (after 300 evaluations its slowest point was at
     * 3.6 ms, the true front reaches 6.7 ms) and stalled after ~100 evaluations.
     */
    refMargin: z.number().min(0).default(2),
    /**
     * With warp `none`, the upper fence of the winsorising in IQRs above Q3 (Tukey's 1.5 by default): objectives are
     * minimised, so the upper tail holds the worst designs, whose exact values do not matter for the front while
     * they swamp the GP's standardisation. On nb201 (90 %-error cells among 6–8 % ones), a GP on 100 random cells
     * ranked 0 of the 42 cells under 6 % error in its top 100 without the clip and 17–20 with it.
     */
    upperFence: z.number().positive().default(1.5),
    /** Treat choice genes over strictly monotonic numbers as ordinal (false: every choice is categorical). */
    ordinalChoices: z.boolean().default(true),
    /** `gp`: weight the acquisition by the probability of feasibility from GP models of the constraint violations; `none`: ignore them. */
    feasibility: z.enum(['gp', 'none']).default('gp'),
  })
  .strict();

/** Parsed BO options. */
export type BoOptions = z.output<typeof boOptionsSchema>;
