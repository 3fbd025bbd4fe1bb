/**
 * The DP when a single resource varies and latency is not bounded (the paper's LUT-only case): every frontier
 * state is a (bottleneck ↑, cost ↓) pair, so the frontier is a staircase and one stage merges into it in
 * O(|F| + |H|): for a bottleneck T the cheapest partial mapping is the cheapest frontier state with
 * bottleneck ≤ T plus the cheapest option with cycles ≤ T. Works in buffers reused between calls.
 */
import { fitsAllowance, type Allowance } from './bounds.js';
import { BlockedFrontier, BOTTLENECK, BRAM, DSPS, Frontier, LUTS, slabs, STRIDE, TOTAL_CYCLES, trail } from './frontier.js';
import { atLeast, atLeastInt, type StageTable } from './stage-table.js';
import type { FrontierResult, MapperLimits, MapperStage, Resource } from './types.js';

/** Frontier states as columns: bottleneck, the running sums of every resource, and Σ cycles. */
class StateColumns {
  size = 0;
  bottleneck = new Float64Array(256);
  luts = new Float64Array(256);
  dsps = new Float64Array(256);
  bram = new Float64Array(256);
  totalCycles = new Float64Array(256);

  /** Room for n states (called before any state is written: contents are not kept). */
  reserve(n: number): void {
    if (this.bottleneck.length >= n) return;
    const m = Math.max(n, 2 * this.bottleneck.length);
    this.bottleneck = new Float64Array(m);
    this.luts = new Float64Array(m);
    this.dsps = new Float64Array(m);
    this.bram = new Float64Array(m);
    this.totalCycles = new Float64Array(m);
  }

  /** One state: the empty mapping (nothing used yet). */
  startEmpty(): void {
    this.size = 1;
    this.bottleneck[0] = this.luts[0] = this.dsps[0] = this.bram[0] = this.totalCycles[0] = 0;
  }

  column(r: Resource): Float64Array {
    return r === 'luts' ? this.luts : r === 'dsps' ? this.dsps : this.bram;
  }
}

/** One stage's usable options as a staircase: cycles ascending, cost strictly descending. */
class Staircase {
  size = 0;
  cycles = new Float64Array(256);
  cost = new Float64Array(256);
  /** Option index within the stage. */
  option = new Int32Array(256);
  /** Scratch: the stage's rows in cycles order when they are not stored so. */
  order = new Int32Array(256);

  reserve(n: number): void {
    this.cycles = atLeast(this.cycles, n);
    this.cost = atLeast(this.cost, n);
    this.option = atLeastInt(this.option, n);
    this.order = atLeastInt(this.order, n);
  }
}

let current = new StateColumns();
let next = new StateColumns();
const stairs = new Staircase();
let laterLeast = new Float64Array(32);

/** The frontier of all mappings within `limits` when only `dim` varies among the resources. */
export function staircaseDp(
  stages: readonly MapperStage[],
  table: StageTable,
  allowance: Allowance,
  limits: MapperLimits,
  dim: Resource,
): FrontierResult {
  const L = table.stageCount;
  const rows = table.start[L];
  current.reserve(rows + 1);
  next.reserve(rows + 1);
  stairs.reserve(rows);
  current.startEmpty();
  // What the stages after i need at least of `dim`: the states after stage i may use dim's limit minus that.
  laterLeast = atLeast(laterLeast, L + 1);
  laterLeast[L] = 0;
  for (let i = L - 1; i >= 0; i--) laterLeast[i] = laterLeast[i + 1] + table.least[dim][i];
  trail.reset();
  let maxFrontier = 1;
  for (let i = 0; i < L; i++) {
    buildStaircase(table, allowance, i, dim);
    if (stairs.size === 0) return new BlockedFrontier({ kind: 'combination' }, maxFrontier);
    trail.beginStep();
    mergeStage(table, i, dim, limits.maxCycles, limits[dim] - laterLeast[i + 1]);
    if (next.size === 0) return new BlockedFrontier({ kind: 'combination' }, maxFrontier);
    [current, next] = [next, current];
    if (current.size > maxFrontier) maxFrontier = current.size;
  }
  const back = trail.finish();
  return new Frontier(stages, back, vectorsOf(current), slabs.doublesAt, current.size, maxFrontier);
}

/** Stage i's options within its allowance, as a staircase over (cycles, dim) in {@link stairs}. */
function buildStaircase(table: StageTable, allowance: Allowance, i: number, dim: Resource): void {
  const first = table.start[i];
  const n = table.count(i);
  const cycles = table.values.cycles;
  const cost = table.values[dim];
  // Option lists come sorted by cycles from layer-cost.ts; others are ordered here (stable: ties keep their order).
  const order = stairs.order;
  let sorted = true;
  for (let k = 0; k < n; k++) {
    order[k] = first + k;
    if (k > 0 && cycles[first + k] < cycles[first + k - 1]) sorted = false;
  }
  if (!sorted) insertionSort(order, n, (x, y) => cycles[x] - cycles[y] || cost[x] - cost[y]);
  let size = 0;
  for (let q = 0; q < n; q++) {
    const row = order[q];
    if (!fitsAllowance(table, allowance, i, row)) continue;
    const c = cost[row];
    if (size > 0 && c >= stairs.cost[size - 1]) continue;
    // Same cycles as the step before but cheaper: replaces it.
    if (size === 0 || stairs.cycles[size - 1] !== cycles[row]) size++;
    stairs.cycles[size - 1] = cycles[row];
    stairs.cost[size - 1] = c;
    stairs.option[size - 1] = row - first;
  }
  stairs.size = size;
}

/**
 * Merges {@link stairs} into {@link current}, writing {@link next}: at every bottleneck T where either side
 * steps, the cheapest state with bottleneck ≤ T plus the cheapest option with cycles ≤ T, kept when cheaper
 * than the state before (and within `budget`).
 */
function mergeStage(table: StageTable, i: number, dim: Resource, maxCycles: number, budget: number): void {
  const first = table.start[i];
  const { cycles, luts, dsps, bram } = table.values;
  const fb = current.bottleneck, fc = current.column(dim), nF = current.size;
  const hb = stairs.cycles, hc = stairs.cost, nH = stairs.size;
  const nc = next.column(dim);
  let n = 0;
  let a = 0, b = 0, bestA = -1, bestB = -1;
  while (a < nF || b < nH) {
    const t = Math.min(a < nF ? fb[a] : Infinity, b < nH ? hb[b] : Infinity);
    if (t > maxCycles) break;
    while (a < nF && fb[a] <= t) bestA = a++;
    while (b < nH && hb[b] <= t) bestB = b++;
    if (bestA < 0 || bestB < 0) continue;
    const cost = fc[bestA] + hc[bestB];
    if (cost > budget || (n > 0 && cost >= nc[n - 1])) continue;
    const option = stairs.option[bestB];
    const row = first + option;
    next.bottleneck[n] = t;
    next.luts[n] = current.luts[bestA] + luts[row];
    next.dsps[n] = current.dsps[bestA] + dsps[row];
    next.bram[n] = current.bram[bestA] + bram[row];
    next.totalCycles[n] = current.totalCycles[bestA] + cycles[row];
    trail.add(bestA, option);
    n++;
  }
  next.size = n;
}

/** The states' cost vectors copied out of the reused buffers into a slab, from `slabs.doublesAt` on. */
function vectorsOf(s: StateColumns): Float64Array {
  const v = slabs.reserveDoubles(s.size * STRIDE);
  const base = slabs.doublesAt;
  for (let j = 0; j < s.size; j++) {
    const at = base + j * STRIDE;
    v[at + BOTTLENECK] = s.bottleneck[j];
    v[at + LUTS] = s.luts[j];
    v[at + DSPS] = s.dsps[j];
    v[at + BRAM] = s.bram[j];
    v[at + TOTAL_CYCLES] = s.totalCycles[j];
  }
  return v;
}

/** Stable in-place sort of the first n entries (option lists are short). */
function insertionSort(a: Int32Array, n: number, cmp: (x: number, y: number) => number): void {
  for (let q = 1; q < n; q++) {
    const x = a[q];
    let p = q - 1;
    while (p >= 0 && cmp(a[p], x) > 0) {
      a[p + 1] = a[p];
      p--;
    }
    a[p + 1] = x;
  }
}
