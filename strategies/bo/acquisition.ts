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

/**
 * Gauss–Hermite nodes and weights for E[f(Z)], Z ~ N(0, 1): Σ_k w_k f(z_k), `n` nodes (Newton on the orthonormal
 * Hermite recurrence; Press et al., Numerical Recipes 3rd ed. §4.6, gauher), rescaled from e^{−x²} to the standard
 * normal (z = √2·x, w / √π).
 */
export function gaussHermite(n: number): { readonly z: Float64Array; readonly w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const PIM4 = Math.PI ** -0.25;
  const m = Math.floor((n + 1) / 2);
  let root = 0;
  for (let i = 0; i < m; i++) {
    // Initial guesses of the largest roots first (Numerical Recipes' asymptotic ones), then Newton.
    if (i === 0) root = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** -0.16667;
    else if (i === 1) root -= (1.14 * n ** 0.426) / root;
    else if (i === 2) root = 1.86 * root - 0.86 * x[0];
    else if (i === 3) root = 1.91 * root - 0.91 * x[1];
    else root = 2 * root - x[i - 2];
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = root * Math.sqrt(2 / (j + 1)) * p2 - Math.sqrt(j / (j + 1)) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const prev = root;
      root = prev - p1 / pp;
      if (Math.abs(root - prev) <= 1e-14) break;
    }
    x[i] = root;
    x[n - 1 - i] = -root;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i];
  }
  return { z: x.map((v) => v * Math.SQRT2), w: w.map((v) => v / Math.sqrt(Math.PI)) };
}

/**
 * ∫_a^b P(Y ≤ z) dz for an objective given by its values `ys` at quadrature nodes with weights `ws`:
 * E[min(b − a, max(0, b − Y))] (a = −∞ allowed). Any monotonic warp of a Gaussian goes through the nodes exactly.
 */
function integratedCdfAt(a: number, b: number, ys: Float64Array, ws: Float64Array): number {
  const cap = b - a;
  let s = 0;
  for (let k = 0; k < ys.length; k++) {
    const d = b - ys[k];
    if (d > 0) s += ws[k] * (d < cap ? d : cap);
  }
  return s;
}

/**
 * 2-D expected hypervolume improvement for independent objectives known by their values at quadrature nodes
 * (`y0`, `y1`, weights `w`): the same strip decomposition as {@link ehvi2d}, whose factors only need each
 * objective's own distribution, so it holds for any distribution; here one of a Gaussian through a monotonic warp.
 */
export function ehvi2dNodes(front: readonly (readonly number[])[], ref: readonly [number, number], y0: Float64Array, y1: Float64Array, w: Float64Array): number {
  let total = 0;
  let a = -Infinity;
  let c = ref[1];
  for (let i = 0; i <= front.length; i++) {
    const p = i < front.length ? front[i] : null;
    if (p && (p[0] >= ref[0] || p[1] >= ref[1])) continue;
    const b = p ? p[0] : ref[0];
    if (b > a) {
      const f0 = integratedCdfAt(a, b, y0, w);
      if (f0 > 0) total += f0 * integratedCdfAt(-Infinity, c, y1, w);
    }
    if (!p) break;
    a = p[0];
    c = p[1];
  }
  return total;
}
