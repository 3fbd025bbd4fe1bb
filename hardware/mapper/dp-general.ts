/**
 * The DP in the general case: several varying resources and/or a latency bound. A state is a partial mapping
 * with its bottleneck and D summed dimensions (the varying resources, then Σ cycles when latency is bounded);
 * after each stage the candidates are sorted by bottleneck and kept when no kept state is ≤ on all D sums.
 * Rarer than the 2-D case (DSP multipliers, latency specs), so written for clarity over speed.
 */
import { fitsAllowance, type Allowance } from './bounds.js';
import { BlockedFrontier, Frontier, STRIDE, trail } from './frontier.js';
import type { Column, StageTable } from './stage-table.js';
import type { FrontierResult, MapperLimits, MapperStage, Resource } from './types.js';

/** Slots of a state's full vector (as in frontier.ts): bottleneck first, then these columns' running sums. */
const SUMMED: readonly Column[] = ['luts', 'dsps', 'bram', 'cycles'];

/** Candidates of one stage: state s extended by option k, with its bottleneck and D dominance sums. */
interface Candidates {
  bottleneck: number[];
  /** D numbers per candidate. */
  sums: number[];
  parent: number[];
  option: number[];
}

/** The frontier of all mappings within `limits`; dominance over the bottleneck and every dimension of `dims`. */
export function generalDp(
  stages: readonly MapperStage[],
  table: StageTable,
  allowance: Allowance,
  limits: MapperLimits,
  active: readonly Resource[],
  trackLatency: boolean,
): FrontierResult {
  const L = table.stageCount;
  const usable: number[][] = [];
  for (let i = 0; i < L; i++) {
    const rows: number[] = [];
    for (let row = table.start[i]; row < table.start[i + 1]; row++) if (fitsAllowance(table, allowance, i, row)) rows.push(row);
    if (rows.length === 0) return new BlockedFrontier({ kind: 'combination' });
    usable.push(rows);
  }
  const dims: Column[] = trackLatency ? [...active, 'cycles'] : [...active];
  const D = dims.length;
  const limit = dims.map((d) => (d === 'cycles' ? limits.maxTotalCycles : limits[d]));
  // laterLeast[d][i]: what stages i.. need at least of dims[d].
  const laterLeast = dims.map((d) => {
    const s = new Float64Array(L + 1);
    for (let i = L - 1; i >= 0; i--) s[i] = s[i + 1] + table.least[d][i];
    return s;
  });

  trail.reset();
  // Current states: full vectors (STRIDE each) and dominance sums (D each). Start: the empty mapping.
  let vectors: number[] = new Array(STRIDE).fill(0);
  let sums: number[] = new Array(D).fill(0);
  let maxFrontier = 1;
  for (let i = 0; i < L; i++) {
    const n = vectors.length / STRIDE;
    const cand: Candidates = { bottleneck: [], sums: [], parent: [], option: [] };
    for (const row of usable[i]) {
      for (let s = 0; s < n; s++) {
        let fits = true;
        for (let d = 0; d < D && fits; d++) fits = sums[s * D + d] + table.values[dims[d]][row] + laterLeast[d][i + 1] <= limit[d];
        if (!fits) continue;
        const b = vectors[s * STRIDE];
        const cycles = table.values.cycles[row];
        cand.bottleneck.push(b > cycles ? b : cycles);
        for (let d = 0; d < D; d++) cand.sums.push(sums[s * D + d] + table.values[dims[d]][row]);
        cand.parent.push(s);
        cand.option.push(row - table.start[i]);
      }
    }
    const m = cand.bottleneck.length;
    if (m === 0) return new BlockedFrontier({ kind: 'combination' }, maxFrontier);
    const kept = nonDominated(cand, D);
    trail.beginStep();
    const nextVectors: number[] = [];
    const nextSums: number[] = [];
    for (const j of kept) {
      const s = cand.parent[j];
      const row = table.start[i] + cand.option[j];
      nextVectors.push(cand.bottleneck[j]);
      for (let q = 0; q < SUMMED.length; q++) nextVectors.push(vectors[s * STRIDE + 1 + q] + table.values[SUMMED[q]][row]);
      for (let d = 0; d < D; d++) nextSums.push(cand.sums[j * D + d]);
      trail.add(s, cand.option[j]);
    }
    vectors = nextVectors;
    sums = nextSums;
    if (kept.length > maxFrontier) maxFrontier = kept.length;
  }
  return new Frontier(stages, trail.finish(), vectors, 0, vectors.length / STRIDE, maxFrontier);
}

/**
 * The candidates no other dominates, by bottleneck ascending (then sums). Sorted by bottleneck, every kept
 * candidate has bottleneck ≤ the current one, so it is dominated iff a kept one is ≤ on every sum (equal
 * vectors count as dominated: kept once).
 */
function nonDominated(c: Candidates, D: number): number[] {
  const m = c.bottleneck.length;
  const order = Array.from({ length: m }, (_, j) => j);
  order.sort((x, y) => {
    if (c.bottleneck[x] !== c.bottleneck[y]) return c.bottleneck[x] - c.bottleneck[y];
    for (let d = 0; d < D; d++) {
      const dx = c.sums[x * D + d], dy = c.sums[y * D + d];
      if (dx !== dy) return dx - dy;
    }
    return 0;
  });
  return D === 2 ? keptByFenwick(c.sums, order) : keptByScan(c.sums, order, D);
}

/** Any D: compare with every kept candidate. */
function keptByScan(sums: readonly number[], order: readonly number[], D: number): number[] {
  const kept: number[] = [];
  for (const j of order) {
    const dominated = kept.some((q) => {
      for (let d = 0; d < D; d++) if (sums[q * D + d] > sums[j * D + d]) return false;
      return true;
    });
    if (!dominated) kept.push(j);
  }
  return kept;
}

/**
 * Two sums: a Fenwick tree over the first (rank-compressed) answers "least second sum among kept candidates
 * whose first sum is ≤ x" in O(log m).
 */
function keptByFenwick(sums: readonly number[], order: readonly number[]): number[] {
  const m = order.length;
  const xs = Float64Array.from({ length: m }, (_, j) => sums[j * 2]).sort();
  let u = 0;
  for (let j = 0; j < m; j++) if (j === 0 || xs[j] !== xs[j - 1]) xs[u++] = xs[j];
  const rank = (x: number): number => {
    let lo = 0, hi = u - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const tree = new Float64Array(u + 1).fill(Infinity);
  const kept: number[] = [];
  for (const j of order) {
    const r = rank(sums[j * 2]);
    const y = sums[j * 2 + 1];
    let least = Infinity;
    for (let q = r; q > 0; q -= q & -q) if (tree[q] < least) least = tree[q];
    if (least <= y) continue;
    for (let q = r; q <= u; q += q & -q) if (y < tree[q]) tree[q] = y;
    kept.push(j);
  }
  return kept;
}
