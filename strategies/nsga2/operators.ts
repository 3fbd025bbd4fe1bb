/**
 * NSGA-II variation in the numeric vector view of a genome (lib/space views): simulated binary crossover and
 * polynomial mutation for numeric genes (Deb & Agrawal 1995; bounded forms as in Deb's NSGA-II code and DEAP's
 * `cxSimulatedBinaryBounded` / `mutPolynomialBounded`), uniform crossover and resampling mutation for
 * categorical genes. Vectors are Float64Arrays, changed in place.
 */
import type { Rng } from '../../lib/rng.js';
import { geneBounds, isNumericGene } from '../../lib/space/gene.js';
import type { SearchSpace } from '../../lib/space/search-space.js';

/** How each position of the vector view is varied. */
export const GeneClass = {
  /** Real-valued: SBX + polynomial mutation within [min, max]. */
  Real: 0,
  /** Integer-valued (int, bits): SBX + polynomial mutation within [min − ½, max + ½], rounded by `fromVector`. */
  Integer: 1,
  /** Categorical (choice, bool): uniform crossover + resampling of a different value. */
  Categorical: 2,
} as const;

/** Per-position facts the operators need, derived once from the space. */
export interface VectorModel {
  readonly length: number;
  readonly classes: Uint8Array;
  /** Lower and upper bounds used by SBX and polynomial mutation (widened by ½ for integer genes). */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Number of values of categorical positions (indices 0 … size − 1). */
  readonly sizes: Int32Array;
}

/** The vector model of `space`. */
export function vectorModel(space: SearchSpace): VectorModel {
  const n = space.genes.length;
  const classes = new Uint8Array(n);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const sizes = new Int32Array(n);
  space.genes.forEach((g, i) => {
    const [lo, hi] = geneBounds(g);
    if (isNumericGene(g)) {
      // Widening by ½ gives every integer the same share of the continuous range once rounded.
      const pad = g.kind === 'real' ? 0 : 0.5;
      classes[i] = g.kind === 'real' ? GeneClass.Real : GeneClass.Integer;
      lower[i] = lo - pad;
      upper[i] = hi + pad;
    } else {
      classes[i] = GeneClass.Categorical;
      lower[i] = lo;
      upper[i] = hi;
      sizes[i] = hi - lo + 1;
    }
  });
  return { length: n, classes, lower, upper, sizes };
}

/** SBX on one pair of values in [lo, hi] (bounded form); returns the two children through `out`. */
export function sbxGene(x1: number, x2: number, lo: number, hi: number, eta: number, rng: Rng, out: Float64Array): void {
  if (Math.abs(x1 - x2) <= 1e-14) {
    out[0] = x1;
    out[1] = x2;
    return;
  }
  const a = Math.min(x1, x2);
  const b = Math.max(x1, x2);
  const u = rng.next();
  const exp = 1 / (eta + 1);
  const spread = (beta: number): number => {
    const alpha = 2 - beta ** -(eta + 1);
    return u <= 1 / alpha ? (u * alpha) ** exp : (1 / (2 - u * alpha)) ** exp;
  };
  let c1 = 0.5 * (a + b - spread(1 + (2 * (a - lo)) / (b - a)) * (b - a));
  let c2 = 0.5 * (a + b + spread(1 + (2 * (hi - b)) / (b - a)) * (b - a));
  c1 = Math.min(hi, Math.max(lo, c1));
  c2 = Math.min(hi, Math.max(lo, c2));
  // Which child takes which value is itself random (as in Deb's code), so neither parent's side is favoured.
  if (rng.next() <= 0.5) {
    out[0] = c2;
    out[1] = c1;
  } else {
    out[0] = c1;
    out[1] = c2;
  }
}

/** Polynomial mutation of one value in [lo, hi] (bounded form). */
export function polynomialGene(x: number, lo: number, hi: number, eta: number, rng: Rng): number {
  const span = hi - lo;
  const d1 = (x - lo) / span;
  const d2 = (hi - x) / span;
  const u = rng.next();
  const pow = 1 / (eta + 1);
  let dq: number;
  if (u < 0.5) {
    const val = 2 * u + (1 - 2 * u) * (1 - d1) ** (eta + 1);
    dq = val ** pow - 1;
  } else {
    const val = 2 * (1 - u) + 2 * (u - 0.5) * (1 - d2) ** (eta + 1);
    dq = 1 - val ** pow;
  }
  return Math.min(hi, Math.max(lo, x + dq * span));
}

/** Crossover settings. */
export interface CrossoverSettings {
  readonly eta: number;
  /** Probability that each position of a recombined pair is crossed. */
  readonly geneProbability: number;
}

const pair = new Float64Array(2);

/** Recombines two parent vectors in place: SBX on numeric positions, swaps on categorical ones. */
export function crossover(model: VectorModel, v1: Float64Array, v2: Float64Array, s: CrossoverSettings, rng: Rng): void {
  for (let i = 0; i < model.length; i++) {
    if (rng.next() >= s.geneProbability) continue;
    if (model.classes[i] === GeneClass.Categorical) {
      const t = v1[i];
      v1[i] = v2[i];
      v2[i] = t;
    } else {
      sbxGene(v1[i], v2[i], model.lower[i], model.upper[i], s.eta, rng, pair);
      v1[i] = pair[0];
      v2[i] = pair[1];
    }
  }
}

/** Mutates a vector in place: each position with probability `probability`. */
export function mutate(model: VectorModel, v: Float64Array, eta: number, probability: number, rng: Rng): void {
  for (let i = 0; i < model.length; i++) {
    if (rng.next() >= probability) continue;
    if (model.classes[i] === GeneClass.Categorical) {
      const size = model.sizes[i];
      if (size < 2) continue;
      // A different value, uniformly: draw among the size − 1 others.
      const cur = Math.round(v[i]);
      let r = rng.int(0, size - 2);
      if (r >= cur) r += 1;
      v[i] = r;
    } else {
      v[i] = polynomialGene(v[i], model.lower[i], model.upper[i], eta, rng);
    }
  }
}
