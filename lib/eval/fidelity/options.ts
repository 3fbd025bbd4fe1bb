/**
 * The multi-fidelity option of a search (`fidelity` in the search configuration, `--fidelity` on the command
 * line) and the rung budgets it implies. The resource is a fraction of the child's full training request:
 * of its training images (default) or of its epochs.
 */
import { z } from 'zod';

/** Multi-fidelity methods: none (every child at the full budget), successive halving, Hyperband, ASHA. */
export const FIDELITY_METHODS = ['none', 'sha', 'hyperband', 'asha'] as const;
/** One multi-fidelity method. */
export type FidelityMethod = (typeof FIDELITY_METHODS)[number];

/** What a rung's budget scales in the training request. */
export const FIDELITY_RESOURCES = ['images', 'epochs'] as const;

/**
 * Defaults: η = 3 and a smallest budget of 1/9 give rungs of 1/9, 1/3 and the full budget (Li et al. 2018,
 * "Hyperband", use η = 3 throughout their experiments; Optuna's SuccessiveHalvingPruner defaults to η = 4).
 */
export const FIDELITY_DEFAULTS = { method: 'none', eta: 3, minBudget: 1 / 9, resource: 'images' } as const;

/** The `fidelity` block of a search configuration. */
export const fidelityConfigSchema = z
  .object({
    method: z.enum(FIDELITY_METHODS, { error: (iss) => `unknown fidelity method ${JSON.stringify(iss.input)}; known: ${FIDELITY_METHODS.join(', ')}` }).default(FIDELITY_DEFAULTS.method),
    /** Reduction factor η: the best 1/η of a rung go on to the next, whose budget is η times larger. */
    eta: z
      .number({ error: 'eta must be a number' })
      .int({ error: (iss) => `eta must be a whole number ≥ 2, got ${String(iss.input)}` })
      .min(2, { error: (iss) => `eta must be a whole number ≥ 2 (η = 1 would promote everyone), got ${String(iss.input)}` })
      .max(100)
      .default(FIDELITY_DEFAULTS.eta),
    /** The smallest budget, as a fraction of the full one: 0 < minBudget < 1. */
    minBudget: z
      .number({ error: 'minBudget must be a number' })
      .gt(0, { error: (iss) => `minBudget is a fraction of the full training budget, > 0 and < 1; got ${String(iss.input)}` })
      .lt(1, { error: (iss) => `minBudget is a fraction of the full training budget, < 1 (1 is the full budget: no rung below it); got ${String(iss.input)}` })
      .default(FIDELITY_DEFAULTS.minBudget),
    resource: z.enum(FIDELITY_RESOURCES).default(FIDELITY_DEFAULTS.resource),
  })
  .strict();

/** A validated fidelity configuration. */
export type FidelityConfig = z.output<typeof fidelityConfigSchema>;

/**
 * The budget of every rung, as fractions of the full budget: minBudget·η^r, the last capped at 1
 * (1/9, 1/3, 1 for the defaults). At least two rungs, since minBudget < 1.
 */
export function rungBudgets(c: Pick<FidelityConfig, 'eta' | 'minBudget'>): number[] {
  const out: number[] = [];
  for (let b = c.minBudget; ; b *= c.eta) {
    // A budget within 2 % of the full one is the full one: 1/9 · 3 · 3 is 0.9999999999999999, and a user's
    // minBudget of 0.111 means 1/9 (not a rung at 0.999 and another at 1).
    if (b >= 0.98) {
      out.push(1);
      return out;
    }
    out.push(b);
  }
}

/**
 * Number of Hyperband brackets: one per possible starting rung, floor(log_η(1/minBudget)) + 1 — as Optuna's
 * HyperbandPruner counts them (floor(log_η(max_resource / min_resource)) + 1).
 */
export function bracketCount(c: Pick<FidelityConfig, 'eta' | 'minBudget'>): number {
  // A little tolerance, as in rungBudgets: minBudget 0.111 with η = 3 counts as 1/9 (three brackets).
  return Math.floor(Math.log(1 / c.minBudget) / Math.log(c.eta) + 0.02) + 1;
}

/**
 * The concrete rung budgets of a training request (images or epochs), for checks and messages. Throws nothing:
 * {@link fidelityIssues} says what is wrong with them.
 */
export function concreteBudgets(c: FidelityConfig, full: number): number[] {
  return rungBudgets(c).map((f) => Math.max(1, Math.round(full * f)));
}

/**
 * What is wrong with a fidelity configuration for a training of `fullImages` images × `epochs` epochs: rungs that
 * round to the same budget (e.g. 2 epochs cut in ninths), each with the path of the value to change.
 */
export function fidelityIssues(c: FidelityConfig, training: { readonly images?: number; readonly epochs: number }, prefix = 'fidelity'): { path: string; message: string }[] {
  if (c.method === 'none') return [];
  const full = c.resource === 'epochs' ? training.epochs : training.images;
  if (full === undefined) return [];
  const b = concreteBudgets(c, full);
  for (let i = 1; i < b.length; i++) {
    if (b[i] <= b[i - 1]) {
      return [
        {
          path: `${prefix}.minBudget`,
          message:
            `rungs of ${b.join(', ')} ${c.resource} (${full} ${c.resource} × ${rungBudgets(c).map((x) => +x.toFixed(4)).join(', ')}) do not grow from rung to rung; ` +
            (c.resource === 'epochs' ? 'raise training.epochs (--epochs) or fidelity.minBudget (--min-budget), or use resource "images"' : 'raise fidelity.minBudget (--min-budget) or training.trainSubset'),
        },
      ];
    }
  }
  return [];
}
