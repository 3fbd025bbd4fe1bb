/**
 * Per-operator corrections learnt on whole networks: after the whole-network correction is fitted, each operator of the
 * table gets a departure δ_op from its isolated lookup, fitted on the calibration networks' residuals
 * (`measured − corrected ≈ Σ_ops δ_op`, weights 1/y², ridge λ towards 0 so an operator few networks contain keeps its
 * lookup). It costs an operator as it runs in context (its input made by the layer before, fused as the runtime fuses
 * it) rather than isolated — nn-Meter's point (Zhang et al., MobiSys 2021), here learnt from the networks themselves.
 * λ is chosen by exact leave-one-out (the ridge hat matrix). Measured on the quiet diagnosis data (five runs, 300
 * calibration + 100 held-out networks, same run): held-out within ±10 % 79 / 91 / 90 / 89 / 89 % → 84 / 92 / 92 / 90 /
 * 90 %, RMSE 6.0–7.5 % → 5.4–7.2 %.
 */

/** A calibration network: its operators' keys (with repeats), the corrected prediction and the time measured. */
export interface OpDeltaRow {
  readonly ops: readonly string[];
  readonly predictedMs: number;
  readonly measuredMs: number;
}

/** Fitted per-operator departures, ms. */
export interface OpDeltas {
  /** Ridge weight (relative to the mean diagonal of the normal equations). */
  readonly lambda: number;
  readonly ms: Record<string, number>;
  /** Leave-one-out RMSE % of the calibration networks with the departures, and the RMSE % without them (in-sample). */
  readonly looRmsePct: number;
  readonly baseRmsePct: number;
}

/** Ridge weights tried (see the module comment). */
export const OP_DELTA_LAMBDAS: readonly number[] = [0.01, 0.03, 0.1, 0.3, 1, 3];

/** Inverse of a symmetric positive-definite matrix (Gauss–Jordan; a few hundred unknowns). */
function inverse(A: Float64Array[], n: number): Float64Array[] | null {
  const M = A.map((row) => Float64Array.from(row));
  const I = Array.from({ length: n }, (_, i) => {
    const r = new Float64Array(n);
    r[i] = 1;
    return r;
  });
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-300) return null;
    [M[c], M[p]] = [M[p], M[c]];
    [I[c], I[p]] = [I[p], I[c]];
    const d = M[c][c];
    for (let k = 0; k < n; k++) {
      M[c][k] /= d;
      I[c][k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c];
      if (f === 0) continue;
      const mr = M[r];
      const ir = I[r];
      const mc = M[c];
      const ic = I[c];
      for (let k = 0; k < n; k++) {
        mr[k] -= f * mc[k];
        ir[k] -= f * ic[k];
      }
    }
  }
  return I;
}

/**
 * Fits the per-operator departures (see the module comment); null when there is nothing to fit or when no λ beats the
 * corrected predictions alone.
 */
export function fitOpDeltas(rows: readonly OpDeltaRow[], lambdas: readonly number[] = OP_DELTA_LAMBDAS): OpDeltas | null {
  const keys = [...new Set(rows.flatMap((r) => r.ops))].sort();
  const n = keys.length;
  if (n === 0 || rows.length < 4) return null;
  const index = new Map(keys.map((k, i) => [k, i]));
  // Sparse rows: operator index → count.
  const sparse = rows.map((r) => {
    const m = new Map<number, number>();
    for (const k of r.ops) {
      const j = index.get(k)!;
      m.set(j, (m.get(j) ?? 0) + 1);
    }
    return [...m];
  });
  const w = rows.map((r) => 1 / r.measuredMs ** 2);
  const resid = rows.map((r) => r.measuredMs - r.predictedMs);
  const A0 = Array.from({ length: n }, () => new Float64Array(n));
  const b = new Float64Array(n);
  sparse.forEach((row, i) => {
    for (const [j, xj] of row) {
      b[j] += w[i] * xj * resid[i];
      for (const [k, xk] of row) A0[j][k] += w[i] * xj * xk;
    }
  });
  let meanDiag = 0;
  for (let j = 0; j < n; j++) meanDiag += A0[j][j] / n;
  const baseRmsePct = 100 * Math.sqrt(rows.reduce((a, r, i) => a + (resid[i] / r.measuredMs) ** 2, 0) / rows.length);
  let best: OpDeltas | null = null;
  for (const lambda of lambdas) {
    const A = A0.map((row, j) => {
      const r = Float64Array.from(row);
      r[j] += lambda * meanDiag;
      return r;
    });
    const Ai = inverse(A, n);
    if (!Ai) continue;
    const d = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Ai[j][k] * b[k];
      d[j] = s;
    }
    // Exact leave-one-out of a ridge fit: residual / (1 − h_ii), h_ii = w_i xᵢᵀ A⁻¹ xᵢ.
    let sq = 0;
    sparse.forEach((row, i) => {
      let fit = 0;
      let h = 0;
      for (const [j, xj] of row) {
        fit += xj * d[j];
        for (const [k, xk] of row) h += xj * Ai[j][k] * xk;
      }
      const loo = (resid[i] - fit) / (1 - w[i] * h);
      sq += (loo / rows[i].measuredMs) ** 2;
    });
    const looRmsePct = 100 * Math.sqrt(sq / rows.length);
    if (Number.isFinite(looRmsePct) && (!best || looRmsePct < best.looRmsePct)) {
      best = { lambda, ms: Object.fromEntries(keys.map((k, j) => [k, d[j]])), looRmsePct, baseRmsePct };
    }
  }
  return best && best.looRmsePct < baseRmsePct ? best : null;
}
