/**
 * Options of NSGA-II. Defaults follow Deb et al. (2002) and DEAP's NSGA-II example: crossover probability 0.9,
 * SBX η_c = 20, polynomial mutation η_m = 20 with per-gene probability 1/n.
 */
import { z } from 'zod';

/** Options of the NSGA-II strategy. */
export const nsga2OptionsSchema = z
  .object({
    /** Parents kept per generation; also the offspring batch size and the strategy's `batchSize`. */
    populationSize: z.number().int().min(2).max(100_000).default(50),
    /** Probability that a pair of parents is recombined (otherwise the children are copies before mutation). */
    crossoverProbability: z.number().min(0).max(1).default(0.9),
    /** SBX distribution index η_c: larger keeps children closer to their parents. */
    crossoverEta: z.number().min(0).max(1000).default(20),
    /** Per-gene probability that SBX / uniform crossover acts on a gene of a recombined pair. */
    geneCrossoverProbability: z.number().min(0).max(1).default(0.5),
    /** Polynomial mutation distribution index η_m. */
    mutationEta: z.number().min(0).max(1000).default(20),
    /** Per-gene mutation probability; omitted = 1 / number of genes. */
    mutationProbability: z.number().min(0).max(1).optional(),
    /**
     * Duplicate elimination for offspring (re-bred up to `dedupeAttempts` times): `none`; `population` (not equal
     * to a parent, a told-but-unselected trial or another queued child; bounded state); `history` (not equal to any
     * genome ever evaluated or queued; best on small discrete spaces, state grows with the trials).
     */
    dedupe: z.enum(['none', 'population', 'history']).default('population'),
    dedupeAttempts: z.number().int().min(1).max(10_000).default(50),
  })
  .strict();

/** Options of NSGA-II, parsed (defaults filled in). */
export type Nsga2Options = z.output<typeof nsga2OptionsSchema>;
