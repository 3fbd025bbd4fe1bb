/**
 * Use-time recalibration of a measured latency predictor. The machine's speed drifts between a profile and its use
 * (measured here, issue 14: 15–40 % between runs at load < 2, partly a fixed cost per run, and not by one ratio for
 * every kind of layer), so a stored predictor's figures are only right at the profile's speed. Re-timing a panel of
 * random networks when the predictor is used (seconds) and fitting
 *
 *     now(net) = a · profile(net) + b + x(net) · δ
 *
 * — `profile` the stored prediction, `x` the stored correction's feature row (its per-group sums, less the intercept),
 * δ ridge-penalised towards 0 so that a small panel moves only what it measures — maps the predictor to the speed now.
 * Measured on the quiet diagnosis data (five runs, 300 calibration + 100 held-out networks each, raw times): the stored
 * predictor scored 2–84 % of held-out networks within ±10 %; recalibrated on 100 networks of the same minute,
 * affine only 70–80 %, with δ (λ = 0.1) 80–86 %; the correction refitted from scratch on 300, 76–89 %.
 */
import { z } from 'zod';
import { HwnasError } from '../../lib/errors.js';
import { dot, relativeErrors, solve } from './fit.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const fitFigures = z.object({ within10: finite, rmsePct: finite });

/** Schema of a recalibration (stored in the predictor file, or kept in memory). */
export const recalibrationSchema = z.object({
  createdAt: z.string(),
  /** The profile it recalibrates (the predictor file's createdAt): another profile's recalibration is refused. */
  profileCreatedAt: z.string(),
  /** Networks timed. */
  panel: z.number().int().positive(),
  /**
   * The map kept: `ridge` (a, b and δ), `affine` (δ = 0) or `identity` (the stored predictions as they are: no fit
   * predicted the panel better, leave-one-out, than the stored predictor; only the speed reference's levels are new).
   */
  map: z.enum(['ridge', 'affine', 'identity']),
  /** Ridge weight of δ (relative to the mean diagonal of the a, b normal equations); null: the affine map alone. */
  lambda: finite.nullable(),
  a: finite,
  b: finite,
  delta: z.array(finite),
  /** The speed reference's figures while the panel was timed (what later measurements are normalised to). */
  referenceLevels: z.array(finite).min(1),
  /** 1-minute load average when it was fitted. */
  loadAvg: finite,
  /** The stored predictor against the panel (before) and the recalibrated one (after; leave-one-out), raw times. */
  before: fitFigures,
  after: fitFigures,
});

/** A recalibration. */
export type Recalibration = z.output<typeof recalibrationSchema>;

/** One panel network: the stored prediction, the correction's feature row (intercept last) and the time measured now. */
export interface RecalibrationPoint {
  readonly profileMs: number;
  readonly features: readonly number[];
  readonly measuredMs: number;
}

/**
 * Ridge weights of δ tried (see the module comment); the one with the lowest leave-one-out RMSE on the panel is kept.
 * `Infinity` is the affine map alone (δ = 0), which a small or noisy panel may prefer.
 */
export const RECALIBRATION_LAMBDAS: readonly number[] = [0.03, 0.1, 0.3, 1, Infinity];

/** The design row [profile, 1, x without the intercept]. */
const row = (p: RecalibrationPoint): number[] => [p.profileMs, 1, ...p.features.slice(0, -1)];

/** Least squares of the recalibration on `points` (weights 1/y²: the error that counts is relative); null if singular. */
function fitCoefficients(points: readonly RecalibrationPoint[], lambda: number): number[] | null {
  if (points.length === 0) return null;
  const X = points.map(row);
  const k = X[0].length;
  const A = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const r = new Array<number>(k).fill(0);
  points.forEach((pt, i) => {
    const w = 1 / pt.measuredMs ** 2;
    for (let u = 0; u < k; u++) {
      r[u] += w * X[i][u] * pt.measuredMs;
      for (let v = 0; v < k; v++) A[u][v] += w * X[i][u] * X[i][v];
    }
  });
  if (!Number.isFinite(lambda)) {
    // The affine map alone.
    const c = solve([[A[0][0] * (1 + 1e-9), A[0][1]], [A[1][0], A[1][1] * (1 + 1e-9)]], [r[0], r[1]]);
    return c && c.every(Number.isFinite) ? [...c, ...new Array<number>(k - 2).fill(0)] : null;
  }
  // δ is pulled towards 0 by λ × the scale of the affine part; a and b get only a vanishing ridge (always solvable).
  const scale = (A[0][0] + A[1][1]) / 2 || 1;
  for (let u = 0; u < k; u++) A[u][u] += (u < 2 ? 1e-9 : lambda) * scale;
  const c = solve(A, r);
  return c && c.every(Number.isFinite) ? c : null;
}

function figures(pred: readonly number[], measured: readonly number[]): { within10: number; rmsePct: number } {
  const e = relativeErrors(pred, measured);
  return { within10: e.filter((x) => Math.abs(x) <= 0.1).length / e.length, rmsePct: 100 * Math.sqrt(e.reduce((a, x) => a + x * x, 0) / e.length) };
}

/** Leave-one-out predictions of the recalibration with ridge weight `lambda` (null where it cannot be fitted). */
function leaveOneOut(points: readonly RecalibrationPoint[], lambda: number): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const c = fitCoefficients(points.filter((_, j) => j !== i), lambda);
    if (!c) return null;
    out.push(dot(row(points[i]), c));
  }
  return out;
}

/**
 * Fits a recalibration on panel points (see the module comment), with the ridge weight `o.lambda` or, by default, the
 * one of {@link RECALIBRATION_LAMBDAS} with the lowest leave-one-out RMSE. `after` is leave-one-out (each point
 * predicted by a fit without it), an estimate of the error on networks outside the panel.
 */
export function fitRecalibration(
  points: readonly RecalibrationPoint[],
  o: { lambda?: number; referenceLevels: readonly number[]; profileCreatedAt: string; loadAvg: number; createdAt?: string },
): Recalibration {
  if (points.length < 4) throw new HwnasError('PREDICTOR_FIT', `too few panel networks (${points.length}) to recalibrate the predictor (need ≥ 4)`);
  const measured = points.map((p) => p.measuredMs);
  let best: { lambda: number; loo: number[]; rmse: number } | null = null;
  for (const lambda of o.lambda !== undefined ? [o.lambda] : RECALIBRATION_LAMBDAS) {
    const loo = leaveOneOut(points, lambda);
    if (!loo) continue;
    const rmse = figures(loo, measured).rmsePct;
    if (Number.isFinite(rmse) && (!best || rmse < best.rmse)) best = { lambda, loo, rmse };
  }
  const c = best && fitCoefficients(points, best.lambda);
  if (!best || !c) throw new HwnasError('PREDICTOR_FIT', 'the recalibration could not be fitted (singular panel)');
  const { lambda, loo } = best;
  const before = figures(points.map((p) => p.profileMs), measured);
  const common = { createdAt: o.createdAt ?? new Date().toISOString(), profileCreatedAt: o.profileCreatedAt, panel: points.length, referenceLevels: [...o.referenceLevels], loadAvg: o.loadAvg, before };
  // A fit must beat the stored predictions on networks it did not see (and keep time increasing), or it is not used.
  if (before.rmsePct <= best.rmse || !(c[0] > 0)) return { ...common, map: 'identity', lambda: null, a: 1, b: 0, delta: new Array<number>(c.length - 2).fill(0), after: before };
  return {
    ...common,
    map: Number.isFinite(lambda) ? 'ridge' : 'affine',
    lambda: Number.isFinite(lambda) ? lambda : null,
    a: c[0],
    b: c[1],
    delta: c.slice(2),
    after: figures(loo, measured),
  };
}

/** The recalibrated latency of a network whose stored prediction is `profileMs` and correction row `features`, ms. */
export function applyRecalibration(r: Recalibration, profileMs: number, features: readonly number[]): number {
  if (features.length - 1 !== r.delta.length) {
    throw new HwnasError('PREDICTOR_VERSION', `the recalibration has ${r.delta.length} terms but the predictor's correction ${features.length - 1}; re-run hwnas profile --recalibrate`);
  }
  return r.a * profileMs + r.b + dot(features.slice(0, -1), r.delta);
}
