/**
 * Small numeric helpers of the latency predictors: weighted least squares (normal equations, a few
 * unknowns), leave-one-out error, and the accuracy figures nn-Meter reports (fraction within ±10 %, RMSE %)
 * plus Kendall's τ for ranking.
 */

/** Solves A x = b for a small square system (Gaussian elimination, partial pivoting); null when singular. */
export function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-12) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

/**
 * Least squares x minimising Σ wᵢ (Xᵢ·x − yᵢ)² + ridge × (trace / p) × |x|², by default with a tiny ridge (1e-9) so
 * collinear features (a constant column among constant data) still solve. Null when nothing can be fitted.
 */
export function leastSquares(X: readonly (readonly number[])[], y: readonly number[], w?: readonly number[], ridge = 1e-9): number[] | null {
  if (X.length === 0) return null;
  const p = X[0].length;
  const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const b = new Array<number>(p).fill(0);
  X.forEach((row, i) => {
    const wi = w ? w[i] : 1;
    for (let r = 0; r < p; r++) {
      b[r] += wi * row[r] * y[i];
      for (let c = 0; c < p; c++) A[r][c] += wi * row[r] * row[c];
    }
  });
  let trace = 0;
  for (let r = 0; r < p; r++) trace += A[r][r];
  for (let r = 0; r < p; r++) A[r][r] += ridge * (trace / p || 1);
  return solve(A, b);
}

/** Dot product. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Relative errors (predicted − measured) / measured. */
export function relativeErrors(predicted: readonly number[], measured: readonly number[]): number[] {
  return predicted.map((p, i) => (p - measured[i]) / measured[i]);
}

/** Accuracy figures of predictions against measurements. */
export interface PredictionAccuracy {
  readonly n: number;
  /** Fraction of predictions within ±10 % of the measurement (nn-Meter's headline metric). */
  readonly within10: number;
  /** Root mean square of the relative error, in %. */
  readonly rmsePct: number;
  /** Kendall's τ-b between predicted and measured. */
  readonly kendallTau: number;
  /** Pearson correlation. */
  readonly pearson: number;
  /** Mean absolute relative error, in %. */
  readonly maePct: number;
}

/** Kendall's τ-b (ties counted on either side reduce the denominator). O(n²), fine for hundreds of points. */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  let conc = 0;
  let disc = 0;
  let tieA = 0;
  let tieB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tieA++;
      else if (db === 0) tieB++;
      else if (da === db) conc++;
      else disc++;
    }
  }
  const d = Math.sqrt((conc + disc + tieA) * (conc + disc + tieB));
  return d === 0 ? 0 : (conc - disc) / d;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** The figures of {@link PredictionAccuracy}. */
export function predictionAccuracy(predicted: readonly number[], measured: readonly number[]): PredictionAccuracy {
  const e = relativeErrors(predicted, measured);
  const n = e.length;
  return {
    n,
    within10: n === 0 ? 0 : e.filter((x) => Math.abs(x) <= 0.1).length / n,
    rmsePct: n === 0 ? 0 : 100 * Math.sqrt(e.reduce((s, x) => s + x * x, 0) / n),
    kendallTau: kendallTau(predicted, measured),
    pearson: pearson(predicted, measured),
    maePct: n === 0 ? 0 : (100 * e.reduce((s, x) => s + Math.abs(x), 0)) / n,
  };
}

/** Median of a list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Quantile q ∈ [0, 1] (linear interpolation). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
