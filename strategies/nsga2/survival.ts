/**
 * NSGA-II environmental selection: constrained non-dominated sort, whole fronts while they fit, then the last
 * front truncated — by crowding distance (Deb et al. 2002), or by iterative nearest-neighbour pruning
 * (Kukkonen & Deb 2006), which spreads three or more objectives far better than crowding distance does.
 */
import { crowdingDistance, nonDominatedSort, type Point } from '../../lib/pareto.js';

/** How the last, partially admitted front is cut. */
export type Truncation = 'crowding' | 'knn';

/** Survivors with their rank (front index, 0 best) and crowding distance, aligned with `selected`. */
export interface Survivors {
  readonly selected: number[];
  readonly rank: Int32Array;
  readonly crowding: Float64Array;
}

/** Chooses `n` survivors among `points` (minimisation) with their total violations (0 feasible, Infinity failed). */
export function selectSurvivors(points: readonly Point[], violations: ArrayLike<number>, n: number, truncation: Truncation): Survivors {
  const fronts = nonDominatedSort(points, violations);
  const selected: number[] = [];
  const ranks: number[] = [];
  const crowd: number[] = [];
  for (let r = 0; r < fronts.length && selected.length < n; r++) {
    let front = fronts[r];
    let cd = crowdingDistance(points, front);
    if (selected.length + front.length > n) {
      const slots = n - selected.length;
      if (truncation === 'knn' && violations[front[0]] <= 0) {
        front = knnTruncate(points, front, slots);
        cd = crowdingDistance(points, front);
      } else {
        // Deb's cut: most isolated first (ties keep front order, so the cut is deterministic); the survivors keep
        // the crowding computed over the whole front, as in Deb's code and DEAP.
        const full = cd;
        const order = front.map((_, j) => j).sort((a, b) => full[b] - full[a] || a - b).slice(0, slots).sort((a, b) => a - b);
        front = order.map((j) => fronts[r][j]);
        cd = Float64Array.from(order, (j) => full[j]);
      }
    }
    front.forEach((idx, j) => {
      selected.push(idx);
      ranks.push(r);
      crowd.push(cd[j]);
    });
  }
  return { selected, rank: Int32Array.from(ranks), crowding: Float64Array.from(crowd) };
}

/**
 * Kukkonen & Deb (2006), "A fast and effective method for pruning of non-dominated solutions in many-objective
 * problems": repeatedly remove the member whose product of (normalised) distances to its M nearest neighbours is
 * smallest, updating only the members that had it as a neighbour. The extremes of every objective are kept (the
 * role Infinity crowding plays in Deb's cut). Returns the `keep` survivors of `front`, in front order.
 */
export function knnTruncate(points: readonly Point[], front: readonly number[], keep: number): number[] {
  const n = front.length;
  if (keep >= n) return front.slice();
  if (keep <= 0) return [];
  const m = points[front[0]].length;
  const k = Math.min(m, n - 1);
  // Normalised coordinates, row-major.
  const x = new Float64Array(n * m);
  for (let d = 0; d < m; d++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let a = 0; a < n; a++) {
      const v = points[front[a]][d];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi > lo ? hi - lo : 1;
    for (let a = 0; a < n; a++) x[a * m + d] = (points[front[a]][d] - lo) / span;
  }
  const dist = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      for (let d = 0; d < m; d++) s += (x[a * m + d] - x[b * m + d]) ** 2;
      dist[a * n + b] = dist[b * n + a] = Math.sqrt(s);
    }
  }
  const protect = new Uint8Array(n);
  for (let d = 0; d < m; d++) {
    let lo = 0;
    let hi = 0;
    for (let a = 1; a < n; a++) {
      if (x[a * m + d] < x[lo * m + d]) lo = a;
      if (x[a * m + d] > x[hi * m + d]) hi = a;
    }
    protect[lo] = 1;
    protect[hi] = 1;
  }
  const alive = new Uint8Array(n).fill(1);
  const nn = new Int32Array(n * k); // each member's k nearest living neighbours, nearest first
  const score = new Float64Array(n);
  const update = (a: number): void => {
    let found = 0;
    const row = a * n;
    for (let b = 0; b < n; b++) {
      if (b === a || !alive[b]) continue;
      const v = dist[row + b];
      if (found < k) found++;
      else if (v >= dist[row + nn[a * k + k - 1]]) continue;
      // Insertion into the sorted list of k.
      let j = found - 1;
      while (j > 0 && dist[row + nn[a * k + j - 1]] > v) {
        nn[a * k + j] = nn[a * k + j - 1];
        j--;
      }
      nn[a * k + j] = b;
    }
    let p = 1;
    for (let j = 0; j < found; j++) p *= dist[row + nn[a * k + j]];
    score[a] = p;
  };
  for (let a = 0; a < n; a++) update(a);
  let left = n;
  let protectedLeft = protect.reduce((s, v) => s + v, 0);
  while (left > keep) {
    // Protected extremes go only when nothing else is left to remove.
    const pool = protectedLeft < left ? 0 : 1;
    let worst = -1;
    for (let a = 0; a < n; a++) {
      if (!alive[a] || protect[a] > pool) continue;
      if (worst < 0 || score[a] < score[worst]) worst = a;
    }
    alive[worst] = 0;
    left--;
    if (protect[worst]) protectedLeft--;
    for (let a = 0; a < n; a++) {
      if (!alive[a]) continue;
      for (let j = 0; j < k; j++) {
        if (nn[a * k + j] === worst) {
          update(a);
          break;
        }
      }
    }
  }
  return front.filter((_, a) => alive[a] === 1);
}
