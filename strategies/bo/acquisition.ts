/**
 * Acquisition pieces for several objectives, all on objectives normalised to [0, 1] over the feasible points seen
 * (minimisation form):
 * - hypervolume improvement of a point over a 2-D front (for Monte-Carlo EHVI; Emmerich et al. 2006 define EHVI);
 * - the augmented Chebyshev scalarisation of ParEGO (Knowles 2006, ρ = 0.05) with random simplex weights;
 * - the normal CDF for the probability of feasibility (Gelbart, Snoek & Adams 2014: acquisition × P(feasible)).
 */
import type { Rng } from '../../lib/rng.js';

/** ParEGO's augmentation coefficient ρ (Knowles 2006, IEEE TEVC 10(1), §III-B). */
export const PAREGO_RHO = 0.05;

/** Standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, |relative error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** Non-dominated subset of 2-D points, sorted by the first objective ascending (second descending). */
export function front2d(points: readonly (readonly number[])[]): number[][] {
  const sorted = points.filter((p) => p.every(Number.isFinite)).map((p) => [p[0], p[1]]);
  sorted.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: number[][] = [];
  for (const p of sorted) if (out.length === 0 || p[1] < out[out.length - 1][1]) out.push(p);
  return out;
}

/** Hypervolume that `y` adds to the 2-D `front` (from {@link front2d}) below reference `ref`. */
export function hvi2d(front: readonly (readonly number[])[], ref: readonly [number, number], y0: number, y1: number): number {
  if (!(y0 < ref[0] && y1 < ref[1])) return 0;
  // The region `y` dominates, minus what the front already dominates of it: the front clipped to [y, ref].
  let covered = 0;
  let prev = ref[1];
  for (const p of front) {
    if (p[0] <= y0 && p[1] <= y1) return 0; // y is dominated
    const q0 = Math.max(p[0], y0);
    const q1 = Math.max(p[1], y1);
    if (q0 >= ref[0]) break;
    if (q1 < prev) {
      covered += (ref[0] - q0) * (prev - q1);
      prev = q1;
    }
  }
  return (ref[0] - y0) * (ref[1] - y1) - covered;
}

/** Uniform weights on the simplex (a Dirichlet(1, …, 1) draw). */
export function simplexWeights(m: number, rng: Rng): number[] {
  const e = Array.from({ length: m }, () => -Math.log(1 - rng.next()));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** ParEGO's augmented Chebyshev scalarisation of a normalised point. */
export function chebyshev(weights: readonly number[], f: ArrayLike<number>): number {
  let mx = -Infinity;
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const v = weights[i] * f[i];
    if (v > mx) mx = v;
    sum += v;
  }
  return mx + PAREGO_RHO * sum;
}

/** Standard normal density. */
function normalPdf(t: number): number {
  return Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
}

/** ∫_{−∞}^{c} P(Y ≤ z) dz for Y ~ N(μ, σ²): σ·(tΦ(t) + φ(t)), t = (c − μ)/σ. */
function integratedCdf(c: number, mu: number, sigma: number): number {
  if (c === -Infinity) return 0;
  if (sigma <= 1e-12) return Math.max(0, c - mu);
  const t = (c - mu) / sigma;
  return sigma * (t * normalCdf(t) + normalPdf(t));
}

/**
 * Exact expected hypervolume improvement in 2-D for independent Gaussian objectives (minimisation). The region
 * not dominated by the front and below `ref` is a staircase of strips [a_i, b_i) × (−∞, c_i); EHVI is
 * Σ_i ∫_{a_i}^{b_i} P(Y₀ ≤ z) dz · ∫_{−∞}^{c_i} P(Y₁ ≤ z) dz, each factor in closed form (cf. Emmerich et al. 2016).
 * `front` must come from {@link front2d}.
 */
export function ehvi2d(front: readonly (readonly number[])[], ref: readonly [number, number], mu0: number, s0: number, mu1: number, s1: number): number {
  let total = 0;
  let a = -Infinity;
  let c = ref[1];
  for (let i = 0; i <= front.length; i++) {
    const p = i < front.length ? front[i] : null;
    if (p && (p[0] >= ref[0] || p[1] >= ref[1])) continue; // outside the reference box: bounds nothing
    const b = p ? p[0] : ref[0];
    if (b > a) total += (integratedCdf(b, mu0, s0) - integratedCdf(a, mu0, s0)) * integratedCdf(c, mu1, s1);
    if (!p) break;
    a = p[0];
    c = p[1];
  }
  return total;
}
