/**
 * A Gaussian-process regressor on encoded genomes (see encoding.ts): kernel σ²·((1 − λ)·Matérn-5/2(r) + λ·mean_g
 * exp(−d_g)), one length-scale per gene (ARD; a categorical gene contributes d_g = 0 when equal and 1/ℓ² when
 * different), r² = Σ_g d_g. The additive part is CoCaBO's mixture of a product and a sum kernel (Ru et al., ICML
 * 2020, eq. 5): it lets the GP learn per-gene main effects from few points, where the product kernel alone sees
 * every design of a categorical space as far from every other; λ is fitted with the other hyperparameters.
 * Signal variance and Gaussian
 * noise, on standardised targets. Hyperparameters maximise the log marginal likelihood plus weak log-normal priors
 * (MAP-II, as BoTorch and SMAC do, so a handful of points cannot drive a length-scale to 0 or ∞), by a deterministic
 * coordinate search in log space warm-started from the previous fit.
 *
 * Prediction keeps, per candidate, v = L⁻¹k(X, x), so Kriging-believer fantasies are rank-1 updates: believing
 * y* = μ(x*) leaves every posterior mean unchanged and lowers the variances by cov(x, x*)² / (σ²(x*) + noise).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { coordSquaredDistance, type CoordKind } from './encoding.js';

/**
 * GP hyperparameters in log space (length-scales per gene, signal variance, noise variance) and the logit of the
 * kernel's additive share λ (absent = 0: the pure product kernel).
 */
export interface GpHyper {
  readonly logLengths: readonly number[];
  readonly logSignal: number;
  readonly logNoise: number;
  readonly logitMix?: number;
}

const SQRT5 = Math.sqrt(5);
const LOG_LENGTH = [Math.log(0.01), Math.log(100)] as const;
const LOG_SIGNAL = [Math.log(0.05), Math.log(20)] as const;
const LOG_NOISE = [Math.log(1e-6), Math.log(0.5)] as const;
const LOGIT_MIX = [-6, 6] as const;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Matérn-5/2 correlation at distance r. */
function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/** Default starting point: length-scale 0.5 for ordinal genes, 1 for categorical; unit signal; small noise; λ = ½. */
export function defaultHyper(kinds: readonly CoordKind[], mixed = true): GpHyper {
  const base = { logLengths: kinds.map((k) => Math.log(k === 'ordinal' ? 0.5 : 1)), logSignal: 0, logNoise: Math.log(1e-3) };
  return mixed ? { ...base, logitMix: 0 } : base;
}

/** Weak log-normal priors (negative log density, constants dropped). */
function negLogPrior(h: GpHyper, kinds: readonly CoordKind[]): number {
  let s = 0;
  h.logLengths.forEach((l, i) => {
    const mu = Math.log(kinds[i] === 'ordinal' ? 0.5 : 1);
    s += 0.5 * ((l - mu) / 1.5) ** 2;
  });
  s += 0.5 * (h.logSignal / 1.5) ** 2;
  s += 0.5 * ((h.logNoise - Math.log(1e-3)) / 3) ** 2;
  s += 0.5 * ((h.logitMix ?? 0) / 2) ** 2;
  return s;
}

/** Lower Cholesky factor (row-major n×n) of a symmetric matrix, with growing jitter until it is positive definite. */
function cholesky(K: Float64Array, n: number): Float64Array {
  let jitter = 0;
  for (let attempt = 0; attempt < 6; attempt++) {
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from(K.subarray(i * n, (i + 1) * n));
      row[i] += jitter;
      rows.push(row);
    }
    const chol = new CholeskyDecomposition(new Matrix(rows));
    if (chol.isPositiveDefinite()) return Float64Array.from(chol.lowerTriangularMatrix.to1DArray());
    jitter = jitter === 0 ? 1e-8 : jitter * 100;
  }
  throw new Error('GP covariance is not positive definite even with jitter');
}

/** Solves L z = b in place (L lower, row-major, first `n` rows). */
function forwardSolve(L: Float64Array, stride: number, b: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    const row = i * stride;
    for (let k = 0; k < i; k++) s -= L[row + k] * b[k];
    b[i] = s / L[row + i];
  }
}

/** Solves Lᵀ z = b in place. */
function backSolve(L: Float64Array, stride: number, b: Float64Array, n: number): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * stride + i] * b[k];
    b[i] = s / L[i * stride + i];
  }
}

/** A fitted GP. */
export class Gp {
  private constructor(
    readonly hyper: GpHyper,
    private readonly kinds: readonly CoordKind[],
    private readonly X: readonly Float64Array[],
    private readonly L: Float64Array,
    private readonly alpha: Float64Array,
    private readonly yMean: number,
    private readonly yStd: number,
  ) {}

  /** Number of training points. */
  get size(): number {
    return this.X.length;
  }

  /**
   * Fits a GP to (X, y). `init` warm-starts the hyperparameter search; `budget` caps the likelihood evaluations
   * (0 keeps `init` as it is).
   */
  static fit(X: readonly Float64Array[], y: readonly number[], kinds: readonly CoordKind[], init: GpHyper | null, budget: number, mixed = true): Gp {
    const n = X.length;
    const G = kinds.length;
    let yMean = 0;
    for (const v of y) yMean += v;
    yMean /= n;
    let yVar = 0;
    for (const v of y) yVar += (v - yMean) ** 2;
    const yStd = n > 1 && yVar > 0 ? Math.sqrt(yVar / (n - 1)) : 1;
    const ys = Float64Array.from(y, (v) => (v - yMean) / yStd);

    // Per-gene squared distances of every training pair, computed once for the whole search.
    const D = new Float64Array(G * n * n);
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          const d = coordSquaredDistance(kinds[g], X[i][g], X[j][g]);
          D[g * n * n + i * n + j] = d;
          D[g * n * n + j * n + i] = d;
        }
      }
    }
    const activeGenes: number[] = [];
    for (let g = 0; g < G; g++) {
      let any = false;
      for (let k = g * n * n; k < (g + 1) * n * n && !any; k++) any = D[k] > 0;
      if (any) activeGenes.push(g);
    }

    const K = new Float64Array(n * n);
    const build = (h: GpHyper): void => {
      const s2 = Math.exp(h.logSignal);
      const noise = Math.exp(h.logNoise);
      const w = h.logLengths.map((l) => Math.exp(-2 * l));
      const lambda = sigmoid(h.logitMix ?? -Infinity);
      const invG = 1 / Math.max(1, G);
      for (let i = 0; i < n; i++) {
        K[i * n + i] = s2 + noise;
        for (let j = 0; j < i; j++) {
          let r2 = 0;
          // Inactive genes (never differing in the training set) add exp(0) = 1 to the additive part.
          let add = G - activeGenes.length;
          for (const g of activeGenes) {
            const d = w[g] * D[g * n * n + i * n + j];
            r2 += d;
            if (lambda > 0) add += Math.exp(-d);
          }
          const k = s2 * ((1 - lambda) * matern52(r2) + lambda * add * invG);
          K[i * n + j] = k;
          K[j * n + i] = k;
        }
      }
    };
    const solveAlpha = (L: Float64Array): Float64Array => {
      const a = Float64Array.from(ys);
      forwardSolve(L, n, a, n);
      backSolve(L, n, a, n);
      return a;
    };
    const objective = (h: GpHyper): number => {
      build(h);
      let L: Float64Array;
      try {
        L = cholesky(K, n);
      } catch {
        return Infinity;
      }
      const z = Float64Array.from(ys);
      forwardSolve(L, n, z, n);
      let fit = 0;
      for (let i = 0; i < n; i++) fit += z[i] * z[i];
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += Math.log(L[i * n + i]);
      return 0.5 * fit + logDet + negLogPrior(h, kinds);
    };

    let best: GpHyper = init && init.logLengths.length === G ? init : defaultHyper(kinds, mixed);
    let bestValue = budget > 0 ? objective(best) : NaN;
    let evaluations = budget > 0 ? 1 : 0;
    const clamp = (x: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, x));
    const tryHyper = (h: GpHyper): boolean => {
      if (evaluations >= budget) return false;
      evaluations++;
      const v = objective(h);
      if (v < bestValue) {
        best = h;
        bestValue = v;
        return true;
      }
      return false;
    };
    // Coordinate search: all length-scales together, then signal and noise, then each active gene alone.
    for (const step of [1, 0.5, 0.25]) {
      if (evaluations >= budget) break;
      for (const dir of [1, -1]) {
        while (tryHyper({ ...best, logLengths: best.logLengths.map((l) => clamp(l + dir * step, LOG_LENGTH)) }));
      }
      for (const key of ['logSignal', 'logNoise'] as const) {
        const range = key === 'logSignal' ? LOG_SIGNAL : LOG_NOISE;
        const s = key === 'logNoise' ? step * 2 : step;
        for (const dir of [1, -1]) while (tryHyper({ ...best, [key]: clamp(best[key] + dir * s, range) }));
      }
      if (best.logitMix !== undefined) {
        for (const dir of [1, -1]) while (tryHyper({ ...best, logitMix: clamp(best.logitMix + dir * 2 * step, LOGIT_MIX) }));
      }
      for (const g of activeGenes) {
        for (const dir of [1, -1]) {
          while (
            tryHyper({ ...best, logLengths: best.logLengths.map((l, i) => (i === g ? clamp(l + dir * step, LOG_LENGTH) : l)) })
          );
        }
      }
    }
    build(best);
    const L = cholesky(K, n);
    return new Gp(best, kinds, X, L, solveAlpha(L), yMean, yStd);
  }

  private weights?: Float64Array;
  private categorical?: Uint8Array;
  private lambda?: number;

  /** Kernel between two encoded points (signal variance included). */
  kernel(a: Float64Array, b: Float64Array): number {
    const w = (this.weights ??= Float64Array.from(this.hyper.logLengths, (l) => Math.exp(-2 * l)));
    const cat = (this.categorical ??= Uint8Array.from(this.kinds, (k) => (k === 'categorical' ? 1 : 0)));
    const lambda = (this.lambda ??= sigmoid(this.hyper.logitMix ?? -Infinity));
    let r2 = 0;
    let add = 0;
    for (let g = 0; g < w.length; g++) {
      const x = a[g];
      const y = b[g];
      if (x === y) {
        add += 1;
        continue;
      }
      let d: number;
      // NaN (inactive) never equals anything: inactive vs active, or two inactive values, handled here.
      if (x !== x || y !== y) d = x !== x && y !== y ? 0 : w[g];
      else if (cat[g]) d = w[g];
      else d = w[g] * (x - y) * (x - y);
      r2 += d;
      if (lambda > 0) add += Math.exp(-d);
    }
    return this.signal * ((1 - lambda) * matern52(r2) + (lambda * add) / Math.max(1, w.length));
  }

  private signalCache?: number;
  private get signal(): number {
    return (this.signalCache ??= Math.exp(this.hyper.logSignal));
  }

  /** Posterior over `points`, ready for believer updates (`capacity` = how many fantasies it may take). */
  posterior(points: readonly Float64Array[], capacity: number): Posterior {
    const n = this.X.length;
    const s2 = Math.exp(this.hyper.logSignal);
    const stride = n + capacity;
    const V = new Float64Array(points.length * stride);
    const mean = new Float64Array(points.length);
    const latent = new Float64Array(points.length);
    const k = new Float64Array(n);
    for (let c = 0; c < points.length; c++) {
      let m = 0;
      for (let i = 0; i < n; i++) {
        k[i] = this.kernel(points[c], this.X[i]);
        m += k[i] * this.alpha[i];
      }
      mean[c] = m;
      forwardSolve(this.L, n, k, n);
      let q = 0;
      for (let i = 0; i < n; i++) q += k[i] * k[i];
      V.set(k, c * stride);
      latent[c] = Math.max(1e-12 * s2, s2 - q);
    }
    return new Posterior(this, points, V, stride, n, mean, latent, this.yMean, this.yStd);
  }

  /** Noise variance in standardised units. */
  get noise(): number {
    return Math.exp(this.hyper.logNoise);
  }
}

/** Posterior means and variances of a set of points, with Kriging-believer conditioning on any of them. */
export class Posterior {
  private used: number;
  constructor(
    private readonly gp: Gp,
    private readonly points: readonly Float64Array[],
    private readonly V: Float64Array,
    private readonly stride: number,
    n: number,
    private readonly meanStd: Float64Array,
    private readonly latentStd: Float64Array,
    private readonly yMean: number,
    private readonly yStd: number,
  ) {
    this.used = n;
  }

  /** Posterior mean of point `i` (target units). */
  mean(i: number): number {
    return this.yMean + this.yStd * this.meanStd[i];
  }

  /** Posterior standard deviation of point `i` (target units, latent function: noise excluded). */
  std(i: number): number {
    return this.yStd * Math.sqrt(this.latentStd[i]);
  }

  /** Conditions on observing point `j` at its current mean (the Kriging believer). */
  believe(j: number): void {
    if (this.used >= this.stride) throw new Error('posterior: no capacity left for another fantasy');
    const { V, stride } = this;
    const u = this.used;
    const denom = Math.sqrt(this.latentStd[j] + this.gp.noise);
    const vj = V.subarray(j * stride, j * stride + u);
    const col = new Float64Array(this.points.length);
    for (let c = 0; c < this.points.length; c++) {
      let dot = 0;
      const off = c * stride;
      for (let i = 0; i < u; i++) dot += V[off + i] * vj[i];
      col[c] = (this.gp.kernel(this.points[c], this.points[j]) - dot) / denom;
    }
    for (let c = 0; c < this.points.length; c++) {
      V[c * stride + u] = col[c];
      this.latentStd[c] = Math.max(1e-12, this.latentStd[c] - col[c] * col[c]);
    }
    this.used++;
  }
}
