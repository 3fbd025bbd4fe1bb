/**
 * Output warping of an objective before the GP sees it: a Gaussian copula (ranks → standard normal quantiles),
 * as HEBO and Salinas et al. (ICML 2020) do, so heavy tails (NAS-Bench-201's 90 %-error cells) do not flatten the
 * region that matters. The acquisition needs raw values back: {@link CopulaWarp.inverse} interpolates between the
 * observed (quantile, value) pairs and extrapolates linearly beyond them, so a predicted new best stays a new best.
 */

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** A fitted copula warp of one objective. */
export interface CopulaWarp {
  /** Warped value of each input value (same order). */
  readonly warped: readonly number[];
  /** Raw value of a warped value. */
  inverse(w: number): number;
  /** Warped value of any raw value (interpolated between the observed ones, linear beyond). */
  forward(raw: number): number;
}

/** Fits the warp on `values` (ties share their average rank). */
export function copulaWarp(values: readonly number[]): CopulaWarp {
  const n = values.length;
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const warped = new Array<number>(n);
  const knotsW: number[] = [];
  const knotsR: number[] = [];
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && values[order[e + 1]] === values[order[s]]) e++;
    const w = normalQuantile(((s + e) / 2 + 0.5) / n);
    for (let k = s; k <= e; k++) warped[order[k]] = w;
    knotsW.push(w);
    knotsR.push(values[order[s]]);
    s = e + 1;
  }
  const K = knotsW.length;
  const span = Math.min(4, K - 1);
  const slopeLo = K > 1 ? (knotsR[span] - knotsR[0]) / (knotsW[span] - knotsW[0]) : 1;
  const slopeHi = K > 1 ? (knotsR[K - 1] - knotsR[K - 1 - span]) / (knotsW[K - 1] - knotsW[K - 1 - span]) : 1;
  const interp = (x: number, xs: readonly number[], ys: readonly number[], lo: number, hi: number): number => {
    if (K === 1 || x <= xs[0]) return ys[0] + (x - xs[0]) * lo;
    if (x >= xs[K - 1]) return ys[K - 1] + (x - xs[K - 1]) * hi;
    let a = 0;
    let b = K - 1;
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if (xs[mid] <= x) a = mid;
      else b = mid;
    }
    return ys[a] + ((x - xs[a]) / (xs[b] - xs[a])) * (ys[b] - ys[a]);
  };
  return {
    warped,
    forward(raw: number): number {
      return interp(raw, knotsR, knotsW, 1 / slopeLo, 1 / slopeHi);
    },
    inverse(w: number): number {
      if (K === 1) return knotsR[0] + (w - knotsW[0]) * slopeLo;
      if (w <= knotsW[0]) return knotsR[0] + (w - knotsW[0]) * slopeLo;
      if (w >= knotsW[K - 1]) return knotsR[K - 1] + (w - knotsW[K - 1]) * slopeHi;
      let lo = 0;
      let hi = K - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (knotsW[mid] <= w) lo = mid;
        else hi = mid;
      }
      return knotsR[lo] + ((w - knotsW[lo]) / (knotsW[hi] - knotsW[lo])) * (knotsR[hi] - knotsR[lo]);
    },
  };
}

/**
 * Winsorising for the unwarped mode: values below Q1 − 50·IQR (non-physical: the minimised objectives' good tail
 * is kept) or above Q3 + `upperFence`·IQR are clipped there, so the worst designs (nb201's 90 %-error cells, a design
 * scored Number.MAX_VALUE, a diverged run) cannot swamp the standardisation; the order is kept. (An earlier
 * finding that a 5·IQR fence cost hypervolume was made with EHVI's reference point just past the front, which hid
 * the gain; see options.ts `refMargin`.)
 */
export function winsorise(values: readonly number[], upperFence = 50): number[] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length < 4) return values.slice();
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
  const iqr = q(0.75) - q(0.25);
  if (!(iqr > 0)) return values.slice();
  const lo = q(0.25) - 50 * iqr;
  const hi = q(0.75) + upperFence * iqr;
  return values.map((v) => Math.min(hi, Math.max(lo, v)));
}

/** Yeo–Johnson power transform of one value (Yeo & Johnson 2000, Biometrika 87(4), eq. 2.1). */
export function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-9 ? Math.log1p(y) : ((1 + y) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-9 ? -Math.log1p(-y) : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

/** Inverse of {@link yeoJohnson}; a value outside the transform's range is taken just inside it (finite). */
export function yeoJohnsonInverse(t: number, lambda: number): number {
  if (t >= 0) {
    if (Math.abs(lambda) < 1e-9) return Math.expm1(Math.min(t, 700));
    // λ < 0 bounds the transform above at −1/λ: the largest finite value just below that bound.
    const base = Math.max(lambda * t + 1, 1e-12);
    return Math.min(base ** (1 / lambda), Number.MAX_VALUE / 4) - 1;
  }
  const mu = 2 - lambda;
  if (Math.abs(mu) < 1e-9) return -Math.expm1(Math.min(-t, 700));
  const base = Math.max(1 - mu * t, 1e-12);
  return 1 - Math.min(base ** (1 / mu), Number.MAX_VALUE / 4);
}

/** λ's search range and grid step for the power warp (bounded, so the inverse stays well-conditioned). */
const POWER_LAMBDA = { min: -3, max: 3, step: 0.05 } as const;

/**
 * Power warp of one objective, as HEBO does with its outputs (Cowen-Rivers et al., JAIR 2022: Box–Cox / Yeo–Johnson output transforms): values
 * standardised, then Yeo–Johnson with the λ that maximises the profile Gaussian log-likelihood (Yeo & Johnson 2000;
 * grid over [−3, 3]). Unlike the copula it keeps the values' spacing: a nearly Gaussian objective (λ ≈ 1, e.g. a
 * latency that adds up per layer) stays nearly linear, while a skewed one (nb201's error, a few 90 % cells above a
 * mass of 6–10 % ones: λ ≈ −1.5 to −2 on 100 random cells) has its good tail spread out and its bad tail compressed, so the GP can rank the good
 * designs. Smooth and invertible, so predictions map back to raw values exactly.
 */
export function powerWarp(values: readonly number[]): CopulaWarp & { readonly lambda: number } {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= Math.max(1, n);
  let v2 = 0;
  for (const v of values) v2 += (v - mean) ** 2;
  const scale = n > 1 && v2 > 0 ? Math.sqrt(v2 / n) : 1;
  const z = values.map((v) => (v - mean) / scale);
  // Profile log-likelihood of λ: −n/2·log σ̂²(λ) + (λ − 1)·Σ sign(z)·log(1 + |z|) (the Jacobian).
  let jac = 0;
  for (const x of z) jac += Math.sign(x) * Math.log1p(Math.abs(x));
  let lambda = 1;
  let best = -Infinity;
  const steps = Math.round((POWER_LAMBDA.max - POWER_LAMBDA.min) / POWER_LAMBDA.step);
  for (let s = 0; s <= steps && n > 2; s++) {
    const l = POWER_LAMBDA.min + s * POWER_LAMBDA.step;
    let m = 0;
    for (const x of z) m += yeoJohnson(x, l);
    m /= n;
    let q = 0;
    for (const x of z) q += (yeoJohnson(x, l) - m) ** 2;
    const ll = q > 0 ? -0.5 * n * Math.log(q / n) + (l - 1) * jac : -Infinity;
    if (ll > best) {
      best = ll;
      lambda = l;
    }
  }
  return {
    lambda,
    warped: z.map((x) => yeoJohnson(x, lambda)),
    forward: (raw: number): number => yeoJohnson((raw - mean) / scale, lambda),
    inverse: (w: number): number => mean + scale * yeoJohnsonInverse(w, lambda),
  };
}
