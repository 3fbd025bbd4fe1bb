/**
 * Pareto tools, all in minimisation: dominance (plain and constrained, Deb 2000), fast non-dominated sort
 * (Deb et al. 2002), crowding distance, exact hypervolume (2-D sweep, 3-D slicing, WFG for 4 and more
 * objectives; While, Bradstreet & Barone 2012), IGD, and the bridge from finished trials to minimisation points.
 */
import { minimisedObjectives, totalViolation, type FinishedTrial, type Objective } from './trial/index.js';

/** A point in objective space, minimisation form. */
export type Point = ArrayLike<number>;

/** True when `a` Pareto-dominates `b`: no worse in every objective and better in at least one. */
export function dominates(a: Point, b: Point): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/**
 * Constrained domination (Deb 2000): a feasible point (violation ≤ 0) beats an infeasible one; of two
 * infeasible points the one with the smaller total violation wins; two feasible points compare by Pareto
 * dominance. Objectives of infeasible points are never read, so they may be NaN (failed trials).
 */
export function constrainedDominates(a: Point, violationA: number, b: Point, violationB: number): boolean {
  const fa = violationA <= 0;
  const fb = violationB <= 0;
  if (fa && fb) return dominates(a, b);
  if (fa) return true;
  if (fb) return false;
  return violationA < violationB;
}

/** Dimension of a non-empty point set, checking every point has it. */
function dimension(points: readonly Point[], what: string): number {
  const m = points[0].length;
  for (let i = 1; i < points.length; i++) {
    if (points[i].length !== m) throw new RangeError(`${what}: point ${i} has ${points[i].length} objectives, point 0 has ${m}`);
  }
  return m;
}

/** The points copied into one row-major Float64Array (cache-friendly comparisons). */
function flatten(points: readonly Point[], m: number): Float64Array {
  const flat = new Float64Array(points.length * m);
  for (let i = 0; i < points.length; i++) for (let k = 0; k < m; k++) flat[i * m + k] = points[i][k];
  return flat;
}

/**
 * Non-dominated sort: the fronts as lists of indices into `points`, best first, each in ascending index order.
 * With `violations`, constrained domination decides: feasible points (violation ≤ 0) are sorted by Pareto
 * dominance, then the infeasible ones follow as fronts of equal violation, smallest first (a point of smaller
 * violation constrained-dominates one of larger). Without, plain Pareto dominance. Feasible points are sorted by
 * Deb et al.'s fast non-dominated sort (2002, O(M·N²)), or for two objectives by a sweep with binary search over
 * the fronts (O(N log N)).
 */
export function nonDominatedSort(points: readonly Point[], violations?: ArrayLike<number>): number[][] {
  const n = points.length;
  if (n === 0) return [];
  if (violations && violations.length !== n) {
    throw new RangeError(`nonDominatedSort: ${violations.length} violations for ${n} points`);
  }
  const m = dimension(points, 'nonDominatedSort');
  const feasible: number[] = [];
  const infeasible: number[] = [];
  for (let i = 0; i < n; i++) {
    if (violations && violations[i] > 0) {
      infeasible.push(i);
      continue;
    }
    for (let k = 0; k < m; k++) {
      if (Number.isNaN(points[i][k])) throw new RangeError(`nonDominatedSort: feasible point ${i} has a NaN objective`);
    }
    feasible.push(i);
  }
  const fronts = m === 2 ? sortTwoObjectives(points, feasible) : fastNonDominatedSort(points, feasible, m);
  if (infeasible.length > 0) {
    const v = violations!;
    infeasible.sort((a, b) => v[a] - v[b] || a - b);
    let current: number[] = [];
    for (let j = 0; j < infeasible.length; j++) {
      // Infinity === Infinity: failed trials share the last front.
      if (j > 0 && v[infeasible[j]] !== v[infeasible[j - 1]]) {
        fronts.push(current);
        current = [];
      }
      current.push(infeasible[j]);
    }
    fronts.push(current);
  }
  return fronts;
}

/** Deb et al. (2002): domination counts and dominated sets, then peeling, over the indices `subset`. */
function fastNonDominatedSort(points: readonly Point[], subset: readonly number[], m: number): number[][] {
  const n = subset.length;
  if (n === 0) return [];
  const f = flatten(
    subset.map((i) => points[i]),
    m,
  );
  const dominatedBy = new Int32Array(n);
  const dominated: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const oi = i * m;
    for (let j = i + 1; j < n; j++) {
      const oj = j * m;
      let iBetter = false;
      let jBetter = false;
      for (let k = 0; k < m && !(iBetter && jBetter); k++) {
        const a = f[oi + k];
        const b = f[oj + k];
        if (a < b) iBetter = true;
        else if (b < a) jBetter = true;
      }
      if (iBetter && !jBetter) {
        dominated[i].push(j);
        dominatedBy[j]++;
      } else if (jBetter && !iBetter) {
        dominated[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current.map((i) => subset[i]).sort((a, b) => a - b));
    const next: number[] = [];
    for (const i of current) for (const j of dominated[i]) if (--dominatedBy[j] === 0) next.push(j);
    current = next;
  }
  return fronts;
}

/**
 * Two objectives: visit points by (f1, f2) ascending; a point joins the first front whose last member does not
 * dominate it. Within a front the last member has the smallest f2 so far, so it alone decides, and fronts are
 * ordered, so a binary search finds the place.
 */
function sortTwoObjectives(points: readonly Point[], subset: readonly number[]): number[][] {
  const order = subset.slice().sort((a, b) => points[a][0] - points[b][0] || points[a][1] - points[b][1] || a - b);
  const fronts: number[][] = [];
  const lastX: number[] = [];
  const lastY: number[] = [];
  for (const i of order) {
    const x = points[i][0];
    const y = points[i][1];
    // last (lx, ly) dominates (x, y) ⇔ ly < y, or ly === y and lx < x (lx ≤ x holds by the visiting order).
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const ly = lastY[mid];
      if (ly < y || (ly === y && lastX[mid] < x)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) {
      fronts.push([]);
      lastX.push(x);
      lastY.push(y);
    }
    fronts[lo].push(i);
    lastX[lo] = x;
    lastY[lo] = y;
  }
  for (const f of fronts) f.sort((a, b) => a - b);
  return fronts;
}

/**
 * Crowding distance (Deb et al. 2002) of the members of one front, aligned with `front`: the sum over objectives
 * of the normalised gap between each member's two neighbours; the extremes of every objective get Infinity.
 * Objectives that are constant on the front, or not finite (failed trials), add nothing.
 */
export function crowdingDistance(points: readonly Point[], front: readonly number[] = points.map((_, i) => i)): Float64Array {
  const size = front.length;
  const d = new Float64Array(size);
  if (size === 0) return d;
  if (size <= 2) return d.fill(Infinity);
  const m = points[front[0]].length;
  const order = new Int32Array(size);
  const values = new Float64Array(size);
  for (let k = 0; k < m; k++) {
    let finite = true;
    for (let r = 0; r < size; r++) {
      values[r] = points[front[r]][k];
      if (!Number.isFinite(values[r])) finite = false;
      order[r] = r;
    }
    if (!finite) continue;
    // Ties broken by position, so the result does not depend on the sort implementation.
    order.sort((a, b) => values[a] - values[b] || a - b);
    const lo = values[order[0]];
    const hi = values[order[size - 1]];
    if (!(hi > lo)) continue;
    d[order[0]] = Infinity;
    d[order[size - 1]] = Infinity;
    for (let r = 1; r < size - 1; r++) d[order[r]] += (values[order[r + 1]] - values[order[r - 1]]) / (hi - lo);
  }
  return d;
}

/** Indices of the non-dominated points (duplicates of a non-dominated point are all kept), ascending. */
export function paretoFront(points: readonly Point[]): number[] {
  const n = points.length;
  if (n === 0) return [];
  const m = dimension(points, 'paretoFront');
  if (m === 2) return paretoFront2d(points);
  // Lexicographic order: a point's dominators all come before it, and if any does, a kept one does
  // (dominance is transitive), so each point is checked against the front found so far only: O(N log N + N·F).
  const order = points
    .map((_, i) => i)
    .sort((a, b) => {
      for (let k = 0; k < m; k++) if (points[a][k] !== points[b][k]) return points[a][k] - points[b][k];
      return a - b;
    });
  const kept: number[] = [];
  for (const i of order) {
    let dominated = false;
    for (let j = 0; j < kept.length && !dominated; j++) dominated = dominates(points[kept[j]], points[i]);
    if (!dominated) kept.push(i);
  }
  return kept.sort((a, b) => a - b);
}

/** Two objectives: sort by (f1, f2) and sweep, O(N log N). */
function paretoFront2d(points: readonly Point[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a][0] - points[b][0] || points[a][1] - points[b][1] || a - b);
  const out: number[] = [];
  let bestY = Infinity;
  let lastX = NaN;
  let lastY = NaN;
  for (const i of order) {
    const x = points[i][0];
    const y = points[i][1];
    if (x === lastX && y === lastY) {
      out.push(i); // a duplicate of a kept point is kept too
      continue;
    }
    if (y < bestY) {
      out.push(i);
      bestY = y;
      lastX = x;
      lastY = y;
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * Exact hypervolume dominated by `points` and bounded by `reference` (minimisation). Points not strictly better
 * than the reference in every objective add nothing; dominated points and duplicates are allowed.
 * 2 objectives: sweep, O(N log N). 3: slicing with an incremental 2-D front, O(N²). 4 and more: WFG.
 */
export function hypervolume(points: readonly Point[], reference: readonly number[]): number {
  const m = reference.length;
  if (m === 0) throw new RangeError('hypervolume: the reference point needs at least one objective');
  for (const r of reference) if (!Number.isFinite(r)) throw new RangeError(`hypervolume: reference must be finite, got [${reference.join(', ')}]`);
  const kept: number[][] = [];
  points.forEach((p, i) => {
    if (p.length !== m) throw new RangeError(`hypervolume: point ${i} has ${p.length} objectives, the reference ${m}`);
    let inside = true;
    for (let k = 0; k < m; k++) {
      if (Number.isNaN(p[k])) throw new RangeError(`hypervolume: point ${i} has a NaN objective`);
      if (!(p[k] < reference[k])) inside = false;
    }
    if (inside) kept.push(Array.from(p));
  });
  if (kept.length === 0) return 0;
  if (m === 1) return reference[0] - Math.min(...kept.map((p) => p[0]));
  const front = paretoFront(kept).map((i) => kept[i]);
  return hvRecursive(uniquePoints(front), reference);
}

/** Drops exact duplicates (they add no volume and slow WFG down). */
function uniquePoints(points: number[][]): number[][] {
  const seen = new Set<string>();
  return points.filter((p) => {
    const k = p.join(',');
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** HV of a non-dominated set of points strictly inside the reference box. */
function hvRecursive(points: number[][], ref: readonly number[]): number {
  const m = ref.length;
  if (points.length === 0) return 0;
  if (points.length === 1) return inclusive(points[0], ref);
  if (m === 2) return hv2d(points, ref);
  if (m === 3) return hv3d(points, ref);
  return wfg(points, ref);
}

/** Volume of the box between `p` and the reference. */
function inclusive(p: readonly number[], ref: readonly number[]): number {
  let v = 1;
  for (let k = 0; k < ref.length; k++) v *= ref[k] - p[k];
  return v;
}

/** 2-D sweep over points sorted by the first objective (dominated points are skipped by the running minimum). */
function hv2d(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const sorted = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  let prevY = ref[1];
  for (const p of sorted) {
    if (p[1] < prevY) {
      area += (ref[0] - p[0]) * (prevY - p[1]);
      prevY = p[1];
    }
  }
  return area;
}

/**
 * 3-D: sweep along the third objective; between consecutive z values the cross-section is the 2-D hypervolume
 * of the points seen so far, kept as a sorted 2-D front and updated incrementally.
 */
function hv3d(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const sorted = points.slice().sort((a, b) => a[2] - b[2]);
  // The current 2-D staircase: points sorted by x ascending, y strictly descending.
  const xs: number[] = [];
  const ys: number[] = [];
  let area = 0;
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const [x, y] = sorted[i];
    // Insert (x, y) into the staircase unless dominated in 2-D, removing the points it dominates.
    let pos = 0;
    while (pos < xs.length && xs[pos] < x) pos++;
    const dominatedBefore = pos > 0 && ys[pos - 1] <= y;
    const dominatedAt = pos < xs.length && xs[pos] === x && ys[pos] <= y;
    if (!dominatedBefore && !dominatedAt) {
      let end = pos;
      while (end < xs.length && ys[end] >= y) end++;
      // Area change: add the new point's exclusive region = its box minus the parts covered by its neighbours.
      const removedX = xs.slice(pos, end);
      const removedY = ys.slice(pos, end);
      xs.splice(pos, end - pos, x);
      ys.splice(pos, end - pos, y);
      const upperY = pos > 0 ? ys[pos - 1] : ref[1];
      const nextX = pos + 1 < xs.length ? xs[pos + 1] : ref[0];
      area += gained(x, y, upperY, nextX, removedX, removedY);
    }
    const nextZ = i + 1 < sorted.length ? sorted[i + 1][2] : ref[2];
    volume += area * (nextZ - sorted[i][2]);
  }
  return volume;
}

/**
 * Area added to a 2-D staircase by a new point (x, y): over [x, nextX) the old staircase height (distance from
 * ref y down to the covered level) was set by `upperY` and the removed points; the new one covers down to y.
 */
function gained(x: number, y: number, upperY: number, nextX: number, removedX: number[], removedY: number[]): number {
  // Old coverage level at a given x in [x, nextX): the y of the last staircase point with x' ≤ that x,
  // i.e. upperY until the first removed point, then each removed point's y.
  let total = 0;
  let cx = x;
  let level = upperY;
  for (let r = 0; r < removedX.length; r++) {
    total += (removedX[r] - cx) * (level - y);
    cx = removedX[r];
    level = removedY[r];
  }
  total += (nextX - cx) * (level - y);
  return total;
}

/**
 * WFG (While, Bradstreet & Barone 2012): HV = Σ_k exclusive volume of point k w.r.t. points after it, where the
 * exclusive volume is its box minus the HV of the later points "limited" (clipped) to that box. Points sorted by
 * the last objective so limited sets are small.
 */
function wfg(points: number[][], ref: readonly number[]): number {
  const m = ref.length;
  const sorted = points.slice().sort((a, b) => b[m - 1] - a[m - 1]);
  let total = 0;
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k];
    const limited: number[][] = [];
    for (let j = k + 1; j < sorted.length; j++) {
      const q = sorted[j];
      const l = new Array<number>(m);
      for (let d = 0; d < m; d++) l[d] = Math.max(p[d], q[d]);
      limited.push(l);
    }
    const nd = limited.length > 1 ? paretoFront(limited).map((i) => limited[i]) : limited;
    total += inclusive(p, ref) - hvRecursive(uniquePoints(nd), ref);
  }
  return total;
}

/**
 * Inverted generational distance: the mean, over the reference front, of the Euclidean distance to the nearest
 * point of `points`. Lower is better; 0 when `points` covers every reference point.
 */
export function igd(points: readonly Point[], referenceFront: readonly Point[]): number {
  if (referenceFront.length === 0) throw new RangeError('igd: the reference front is empty');
  if (points.length === 0) return Infinity;
  const m = referenceFront[0].length;
  let sum = 0;
  for (const r of referenceFront) {
    let best = Infinity;
    for (const p of points) {
      if (p.length !== m) throw new RangeError(`igd: a point has ${p.length} objectives, the reference front ${m}`);
      let d2 = 0;
      for (let k = 0; k < m; k++) d2 += (p[k] - r[k]) ** 2;
      if (d2 < best) best = d2;
    }
    sum += Math.sqrt(best);
  }
  return sum / referenceFront.length;
}

/** A trial reduced to what Pareto ranking needs. */
export interface ScoredPoint {
  /** Objectives in minimisation form (NaN where missing). */
  readonly objectives: number[];
  /** Total constraint violation: 0 feasible, > 0 infeasible, Infinity for failed or unmeasured trials. */
  readonly violation: number;
}

/**
 * Minimisation point and total violation of a finished trial. Failed or pruned trials, and trials missing an
 * objective, count as infinitely violated (worst of all); an `infeasible` trial that reports no positive violation
 * counts as violated by 1, so it still ranks behind every feasible trial.
 */
export function scoreTrial(trial: FinishedTrial, objectives: readonly Objective[]): ScoredPoint {
  const values = minimisedObjectives(trial, objectives);
  if (trial.status === 'failed' || trial.status === 'pruned' || !values.every(Number.isFinite)) {
    return { objectives: values, violation: Infinity };
  }
  const v = totalViolation(trial.violations);
  if (trial.status === 'infeasible' && !(v > 0)) return { objectives: values, violation: 1 };
  return { objectives: values, violation: v };
}

/** How to measure hypervolume (all in minimisation form): reference point, optional normalisation. */
export interface HypervolumeSpec {
  readonly reference: readonly number[];
  readonly ideal?: readonly number[];
  readonly nadir?: readonly number[];
}

/** Normalises minimisation points as the spec says (identity without ideal/nadir). */
export function normalisePoints(points: readonly (readonly number[])[], spec: HypervolumeSpec): number[][] {
  const { ideal, nadir } = spec;
  if (!ideal || !nadir) return points.map((p) => p.slice());
  return points.map((p) => p.map((v, i) => (v - ideal[i]) / (nadir[i] - ideal[i])));
}
