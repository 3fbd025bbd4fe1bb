/**
 * The hardware mapper: a dynamic program with Pareto-frontier pruning over the stages of a layer pipeline
 * (DESIGN §4; MODELS.md §1.5 — reconstructed, the paper only states "DP with frontier pruning").
 *
 * Each stage has implementation options (cycles, LUTs, DSPs, BRAM). A mapping picks one option per stage; its
 * bottleneck is the max of the cycles (throughput = f / bottleneck), its resources are the sums, its latency
 * the sum of the cycles. Stages are processed in order, keeping the Pareto frontier of partial mappings over
 * (bottleneck, resource sums[, latency]) and dropping states over any limit. The final frontier answers
 * "highest throughput under the budgets" and "fewest LUTs meeting a throughput", exactly as brute force does
 * (see brute-force.ts and test/hardware/mapper.test.ts).
 *
 * Two exact speed-ups: a resource whose value is the same for every option of every stage is a constant and
 * left out of the dominance test; and when a single resource varies (the paper's LUT-only case), one stage is
 * merged into the frontier in O(|F| + |H|): for a bottleneck T the cheapest partial mapping is the cheapest
 * frontier state with bottleneck ≤ T plus the cheapest option with cycles ≤ T.
 */
import { HwnasError } from '../lib/errors.js';
import type { StageCost } from './layer-cost.js';

/** A stage as the mapper sees it. */
export interface MapperStage<O extends StageCost = StageCost> {
  readonly name: string;
  readonly options: readonly O[];
}

/** Limits a mapping must respect. Use Infinity for "no limit"; every value must be ≥ 0. */
export interface MapperLimits {
  readonly luts: number;
  readonly dsps: number;
  readonly bram: number;
  /** Largest allowed bottleneck, in cycles (f / minimum throughput). */
  readonly maxCycles: number;
  /** Largest allowed sum of stage cycles (latency bound). When finite, latency is a frontier dimension. */
  readonly maxTotalCycles: number;
}

/** No limits at all. */
export const NO_LIMITS: MapperLimits = { luts: Infinity, dsps: Infinity, bram: Infinity, maxCycles: Infinity, maxTotalCycles: Infinity };

/** Resource keys of a stage cost, in the order the mapper uses. */
export const RESOURCES = ['luts', 'dsps', 'bram'] as const;
/** One of the summed resources. */
export type Resource = (typeof RESOURCES)[number];

/** The cost vector of a complete mapping. */
export interface CostVector {
  readonly bottleneck: number;
  readonly luts: number;
  readonly dsps: number;
  readonly bram: number;
  /** Σ stage cycles: the latency of one image through an idle pipeline. */
  readonly totalCycles: number;
}

/** A complete mapping: its cost vector and the option index chosen for each stage. */
export interface MappingPoint extends CostVector {
  readonly choice: readonly number[];
}

/** A frontier point of the DP: its cost vector and its index in the final frontier. */
export interface FrontierPoint extends CostVector {
  readonly id: number;
}

/** Why no mapping exists under the limits. */
export type Blocked =
  | { readonly kind: 'no-stages' }
  | {
      /** One stage alone cannot meet a limit at any option. */
      readonly kind: 'stage';
      readonly stage: number;
      readonly name: string;
      readonly limit: 'cycles' | Resource;
      /** The stage's best value for that limit (fewest cycles / least resource over its options). */
      readonly minimum: number;
      /** The limit it exceeds (for resources: what is left after the other stages' minima). */
      readonly allowed: number;
    }
  | {
      /** Every stage fits alone, but even their cheapest options together exceed a limit. */
      readonly kind: 'sum';
      readonly limit: 'cycles' | Resource;
      readonly minimum: number;
      readonly allowed: number;
    }
  | { readonly kind: 'combination' };

/** What the DP returns. */
export interface FrontierResult {
  /** The Pareto frontier of feasible mappings, by bottleneck ascending; empty when infeasible (built on first use). */
  readonly points: FrontierPoint[];
  /** Number of frontier points. */
  readonly size: number;
  /**
   * The fastest point (as {@link bestThroughput}) or the cheapest (as {@link fewestLuts}), optionally among the
   * points within `within`; undefined when there is none.
   */
  best(objective: 'max-throughput' | 'min-luts', within?: MapperLimits): FrontierPoint | undefined;
  /** Set when `points` is empty. */
  readonly blocked?: Blocked;
  /** Largest intermediate frontier (for benchmarks). */
  readonly maxFrontier: number;
  /** The options chosen for a frontier point (follows the back-pointers). */
  choice(point: FrontierPoint): number[];
  /** A frontier point with its choice. */
  mapping(point: FrontierPoint): MappingPoint;
}

/** Checks limits: typed error on NaN, negative or missing values. */
export function checkLimits(limits: MapperLimits): void {
  for (const k of ['luts', 'dsps', 'bram', 'maxCycles', 'maxTotalCycles'] as const) {
    const v = (limits as unknown as Record<string, unknown>)[k];
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new HwnasError('HW_BAD_LIMIT', `mapper limit "${k}" must be a number ≥ 0 (Infinity for none), got ${String(v)}`);
    }
  }
}

/** Which summed dimensions vary between options (the others are constants of the problem). */
export function activeResources(stages: readonly MapperStage[]): Resource[] {
  let luts = false, dsps = false, bram = false;
  for (let i0 = 0, a0 = stages; i0 < a0.length; i0++) {
    const s = a0[i0];
    const o0 = s.options[0];
    for (let i1 = 0, a1 = s.options; i1 < a1.length; i1++) {
      const o = a1[i1];
      if (o.luts !== o0.luts) luts = true;
      if (o.dsps !== o0.dsps) dsps = true;
      if (o.bram !== o0.bram) bram = true;
    }
  }
  const out: Resource[] = [];
  if (luts) out.push('luts');
  if (dsps) out.push('dsps');
  if (bram) out.push('bram');
  return out;
}

/**
 * The Pareto frontier of all mappings within `limits` (DESIGN §4). Dimensions: bottleneck, every resource that
 * varies, and the latency when `limits.maxTotalCycles` is finite.
 */
export function mapFrontier(stages: readonly MapperStage[], limits: MapperLimits): FrontierResult {
  checkLimits(limits);
  if (stages.length === 0) return blockedResult({ kind: 'no-stages' });
  for (let i2 = 0, a2 = stages; i2 < a2.length; i2++) {
    const s = a2[i2];
    if (s.options.length === 0) throw new HwnasError('HW_NO_OPTIONS', `stage "${s.name}" has no implementation option`);
  }
  const L = stages.length;
  const trackLatency = Number.isFinite(limits.maxTotalCycles);

  // Per-stage minima and their sums bound what the other stages need at least.
  // A resource varies when some stage has options that differ in it; the others are constants.
  let varLuts = false, varDsps = false, varBram = false;
  const minRes = stages.map((s) => {
    const o0 = s.options[0];
    let luts = o0.luts, dsps = o0.dsps, bram = o0.bram, cycles = o0.cycles;
    for (let i3 = 0, a3 = s.options; i3 < a3.length; i3++) {
      const o = a3[i3];
      if (o.luts !== o0.luts) varLuts = true;
      if (o.dsps !== o0.dsps) varDsps = true;
      if (o.bram !== o0.bram) varBram = true;
      if (o.luts < luts) luts = o.luts;
      if (o.dsps < dsps) dsps = o.dsps;
      if (o.bram < bram) bram = o.bram;
      if (o.cycles < cycles) cycles = o.cycles;
    }
    return { luts, dsps, bram, cycles };
  });
  const total = { luts: 0, dsps: 0, bram: 0, cycles: 0 };
  for (let i4 = 0, a4 = minRes; i4 < a4.length; i4++) {
    const m = a4[i4];
    total.luts += m.luts;
    total.dsps += m.dsps;
    total.bram += m.bram;
    total.cycles += m.cycles;
  }

  // A stage that cannot meet a limit on its own; then minima that cannot fit together.
  for (let i = 0; i < L; i++) {
    const m = minRes[i];
    if (m.cycles > limits.maxCycles || m.cycles > limits.maxTotalCycles || m.luts > limits.luts || m.dsps > limits.dsps || m.bram > limits.bram) {
      const alone = { luts: limits.luts, dsps: limits.dsps, bram: limits.bram, cycles: limits.maxTotalCycles };
      return blockedResult(stageBlock(i, stages[i].name, m, limits, alone));
    }
  }
  if (total.cycles > limits.maxTotalCycles) return blockedResult({ kind: 'sum', limit: 'cycles', minimum: total.cycles, allowed: limits.maxTotalCycles });
  for (let i5 = 0, a5 = RESOURCES; i5 < a5.length; i5++) {
    const r = a5[i5];
    if (total[r] > limits[r]) return blockedResult({ kind: 'sum', limit: r, minimum: total[r], allowed: limits[r] });
  }

  // What each stage may use: within the bottleneck limit and leaving room for the others' minima.
  const rooms: Room[] = new Array(L);
  for (let i = 0; i < L; i++) {
    const m = minRes[i];
    rooms[i] = {
      luts: limits.luts - (total.luts - m.luts),
      dsps: limits.dsps - (total.dsps - m.dsps),
      bram: limits.bram - (total.bram - m.bram),
      cycles: Math.min(limits.maxCycles, limits.maxTotalCycles - (total.cycles - m.cycles)),
    };
  }
  const active = RESOURCES.filter((r) => (r === 'luts' ? varLuts : r === 'dsps' ? varDsps : varBram));
  if (active.length <= 1 && !trackLatency) return merge2d(stages, rooms, limits, active[0] ?? 'luts', minRes);
  const usable: number[][] = [];
  for (let i = 0; i < L; i++) {
    const r = rooms[i];
    const idx: number[] = [];
    const opts = stages[i].options;
    for (let k = 0; k < opts.length; k++) {
      const o = opts[k];
      if (o.cycles <= r.cycles && o.luts <= r.luts && o.dsps <= r.dsps && o.bram <= r.bram) idx.push(k);
    }
    if (idx.length === 0) return blockedResult({ kind: 'combination' });
    usable.push(idx);
  }
  return generalDp(stages, usable, limits, active, trackLatency, minRes);
}

/** What one stage may use given the limits and the other stages' minima. */
interface Room {
  readonly luts: number;
  readonly dsps: number;
  readonly bram: number;
  readonly cycles: number;
}

function stageBlock(
  i: number,
  name: string,
  m: { luts: number; dsps: number; bram: number; cycles: number },
  limits: MapperLimits,
  room: { luts: number; dsps: number; bram: number; cycles: number },
): Blocked {
  if (m.cycles > limits.maxCycles) return { kind: 'stage', stage: i, name, limit: 'cycles', minimum: m.cycles, allowed: limits.maxCycles };
  if (m.cycles > room.cycles) return { kind: 'stage', stage: i, name, limit: 'cycles', minimum: m.cycles, allowed: room.cycles };
  for (let i6 = 0, a6 = RESOURCES; i6 < a6.length; i6++) {
    const r = a6[i6];
    if (m[r] > room[r]) return { kind: 'stage', stage: i, name, limit: r, minimum: m[r], allowed: room[r] };
  }
  // Each limit holds on its own, but no single option meets them all at once.
  return { kind: 'combination' };
}

interface Layer {
  /** Per state: index of the parent state in the previous frontier and option index in the stage. */
  parent: ArrayLike<number>;
  option: ArrayLike<number>;
}

/** Running sums of every state (dominance dimensions or not), so final points need no walk back. */
interface Aux {
  b: number[];
  luts: number[];
  dsps: number[];
  bram: number[];
  cyc: number[];
}

const emptyAux = (): Aux => ({ b: [], luts: [], dsps: [], bram: [], cyc: [] });

function pushAux(to: Aux, from: Aux, s: number, o: StageCost): void {
  to.b.push(from.b[s] > o.cycles ? from.b[s] : o.cycles);
  to.luts.push(from.luts[s] + o.luts);
  to.dsps.push(from.dsps[s] + o.dsps);
  to.bram.push(from.bram[s] + o.bram);
  to.cyc.push(from.cyc[s] + o.cycles);
}

function blockedResult(blocked: Blocked, maxFrontier = 0): FrontierResult {
  return {
    points: [],
    size: 0,
    best: () => undefined,
    blocked,
    maxFrontier,
    choice: () => {
      throw new HwnasError('HW_NO_MAPPING', 'no mapping: the frontier is empty');
    },
    mapping: () => {
      throw new HwnasError('HW_NO_MAPPING', 'no mapping: the frontier is empty');
    },
  };
}

/** Final frontier as parallel arrays (copied out of any scratch space). */
interface FinalArrays {
  b: ArrayLike<number>;
  luts: ArrayLike<number>;
  dsps: ArrayLike<number>;
  bram: ArrayLike<number>;
  cyc: ArrayLike<number>;
  n: number;
}

const BEST_KEYS = {
  'max-throughput': ['b', 'luts', 'dsps', 'bram', 'cyc'],
  'min-luts': ['luts', 'b', 'dsps', 'bram', 'cyc'],
} as const;

function finalResult(stages: readonly MapperStage[], layers: readonly Layer[], a: FinalArrays, maxFrontier: number): FrontierResult {
  const point = (j: number): FrontierPoint => ({
    bottleneck: a.b[j], luts: a.luts[j], dsps: a.dsps[j], bram: a.bram[j], totalCycles: a.cyc[j], id: j,
  });
  let points: FrontierPoint[] | undefined;
  const choice = (p: FrontierPoint): number[] => {
    const L = layers.length;
    const c = new Array<number>(L);
    let s = p.id;
    for (let i = L - 1; i >= 0; i--) {
      c[i] = layers[i].option[s];
      s = layers[i].parent[s];
    }
    return c;
  };
  return {
    get points() {
      points ??= Array.from({ length: a.n }, (_, j) => point(j));
      return points;
    },
    size: a.n,
    best(objective, within) {
      // Lexicographic minimum over the arrays, without building every point.
      const keys = BEST_KEYS[objective];
      const ok = (j: number): boolean =>
        !within ||
        (a.b[j] <= within.maxCycles && a.luts[j] <= within.luts && a.dsps[j] <= within.dsps && a.bram[j] <= within.bram && a.cyc[j] <= within.maxTotalCycles);
      let best = -1;
      for (let j = 0; j < a.n; j++) {
        if (!ok(j)) continue;
        if (best < 0) {
          best = j;
          continue;
        }
        for (const k of keys) {
          const x = a[k][j], y = a[k][best];
          if (x !== y) {
            if (x < y) best = j;
            break;
          }
        }
      }
      return best >= 0 ? point(best) : undefined;
    },
    maxFrontier,
    choice,
    mapping: (p) => costOf(stages, choice(p)),
  };
}

function auxArrays(aux: Aux): FinalArrays {
  return { ...aux, n: aux.b.length };
}

/** Reused buffers of the 2-D merge (two frontiers ping-pong, plus the stage staircase). */
class MergeBuffers {
  cap = 0;
  f: Float64Array[] = [];
  g: Float64Array[] = [];
  hb = new Float64Array(0);
  hc = new Float64Array(0);
  hk = new Int32Array(0);

  ensure(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(256, 2 ** Math.ceil(Math.log2(n)));
    const grow = (old: Float64Array[]): Float64Array[] =>
      Array.from({ length: 6 }, (_, i) => {
        const x = new Float64Array(cap);
        if (old[i]) x.set(old[i].subarray(0, Math.min(old[i].length, cap)));
        return x;
      });
    this.f = grow(this.f);
    this.g = grow(this.g);
    const hb = new Float64Array(cap), hc = new Float64Array(cap), hk = new Int32Array(cap);
    this.hb = hb;
    this.hc = hc;
    this.hk = hk;
    this.cap = cap;
  }
}

const mergeBuffers = new MergeBuffers();

/**
 * One varying resource `dim`, no latency dimension: frontier states are (bottleneck ↑, cost ↓) pairs and each
 * stage merges in linear time. Works in reused typed buffers: the search maps thousands of genomes.
 */
function merge2d(
  stages: readonly MapperStage[],
  rooms: readonly Room[],
  limits: MapperLimits,
  dim: Resource,
  minRes: { luts: number; dsps: number; bram: number }[],
): FrontierResult {
  const L = stages.length;
  const budget = limits[dim];
  // Constant resources (same for every option) must fit on their own.
  for (let i7 = 0, a7 = RESOURCES; i7 < a7.length; i7++) {
    const r = a7[i7];
    if (r === dim) continue;
    let s = 0;
    for (let i8 = 0, a8 = minRes; i8 < a8.length; i8++) {
      const m = a8[i8];
      s += m[r];
    }
    if (s > limits[r]) return blockedResult({ kind: 'combination' });
  }
  const suffix = new Array<number>(L + 1).fill(0);
  for (let i = L - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + minRes[i][dim];
  let total = 1;
  for (let i9 = 0, a9 = stages; i9 < a9.length; i9++) {
    const s = a9[i9];
    total += s.options.length;
  }
  const buf = mergeBuffers;
  buf.ensure(total);
  // Frontier arrays: 0 bottleneck, 1 luts, 2 dsps, 3 bram, 4 latency; `ci` indexes the varying one.
  const ci = dim === 'luts' ? 1 : dim === 'dsps' ? 2 : 3;
  let F = buf.f;
  let G = buf.g;
  for (let k = 0; k < 5; k++) F[k][0] = 0;
  let nF = 1;
  const layers: Layer[] = [];
  let maxFrontier = 1;
  const { hb, hc, hk } = buf;
  for (let i = 0; i < L; i++) {
    const opts = stages[i].options;
    // This stage's usable options as a (cycles ↑, cost ↓) staircase. Option lists come sorted by cycles
    // from layer-cost.ts; other callers' lists are sorted here.
    const rm = rooms[i];
    let idx: number[] | undefined;
    if (!isSortedByCycles(opts)) {
      idx = opts.map((_, k) => k);
      idx.sort((x, y) => opts[x].cycles - opts[y].cycles || opts[x][dim] - opts[y][dim]);
    }
    let nH = 0;
    for (let q = 0; q < opts.length; q++) {
      const k = idx ? idx[q] : q;
      const o = opts[k];
      if (o.cycles > rm.cycles || o.luts > rm.luts || o.dsps > rm.dsps || o.bram > rm.bram) continue;
      const c = o[dim];
      if (nH === 0 || c < hc[nH - 1]) {
        if (nH > 0 && hb[nH - 1] === o.cycles) {
          hc[nH - 1] = c;
          hk[nH - 1] = k;
        } else {
          hb[nH] = o.cycles;
          hc[nH] = c;
          hk[nH] = k;
          nH++;
        }
      }
    }
    if (nH === 0) return blockedResult({ kind: 'combination' }, maxFrontier);
    const room = budget - suffix[i + 1];
    // Plain arrays sized once (small typed arrays cost more to allocate and collect); trimmed below.
    const parent: number[] = new Array(nF + nH);
    const option: number[] = new Array(nF + nH);
    const fb = F[0], fc = F[ci];
    let n = 0;
    let a = 0, b = 0, bestA = -1, bestB = -1;
    while (a < nF || b < nH) {
      const t = Math.min(a < nF ? fb[a] : Infinity, b < nH ? hb[b] : Infinity);
      if (t > limits.maxCycles) break;
      while (a < nF && fb[a] <= t) bestA = a++;
      while (b < nH && hb[b] <= t) bestB = b++;
      if (bestA < 0 || bestB < 0) continue;
      const cost = fc[bestA] + hc[bestB];
      if (cost > room) continue;
      if (n === 0 || cost < G[ci][n - 1]) {
        const o = opts[hk[bestB]];
        G[0][n] = t;
        G[1][n] = F[1][bestA] + o.luts;
        G[2][n] = F[2][bestA] + o.dsps;
        G[3][n] = F[3][bestA] + o.bram;
        G[4][n] = F[4][bestA] + o.cycles;
        parent[n] = bestA;
        option[n] = hk[bestB];
        n++;
      }
    }
    if (n === 0) return blockedResult({ kind: 'combination' }, maxFrontier);
    parent.length = n;
    option.length = n;
    layers.push({ parent, option });
    [F, G] = [G, F];
    nF = n;
    if (n > maxFrontier) maxFrontier = n;
  }
  const out = (k: number): number[] => {
    const a = new Array<number>(nF);
    for (let j = 0; j < nF; j++) a[j] = F[k][j];
    return a;
  };
  return finalResult(stages, layers, { b: out(0), luts: out(1), dsps: out(2), bram: out(3), cyc: out(4), n: nF }, maxFrontier);
}

function isSortedByCycles(opts: readonly StageCost[]): boolean {
  for (let j = 1; j < opts.length; j++) if (opts[j].cycles < opts[j - 1].cycles) return false;
  return true;
}

/** The general case: K summed dimensions (+ latency), dominance by scanning the kept states. */
function generalDp(
  stages: readonly MapperStage[],
  usable: number[][],
  limits: MapperLimits,
  active: readonly Resource[],
  trackLatency: boolean,
  minRes: { luts: number; dsps: number; bram: number; cycles: number }[],
): FrontierResult {
  const L = stages.length;
  // Dimensions after the bottleneck: the varying resources, then latency.
  const dims = [...active, ...(trackLatency ? ['cycles' as const] : [])] as ('luts' | 'dsps' | 'bram' | 'cycles')[];
  const D = dims.length;
  const lim = dims.map((d) => (d === 'cycles' ? limits.maxTotalCycles : limits[d]));
  // Constant resources must fit on their own.
  for (let i10 = 0, a10 = RESOURCES; i10 < a10.length; i10++) {
    const r = a10[i10];
    if (active.includes(r)) continue;
    let s = 0;
    for (let i11 = 0, a11 = minRes; i11 < a11.length; i11++) {
      const m = a11[i11];
      s += m[r];
    }
    if (s > limits[r]) return blockedResult({ kind: 'combination' });
  }
  const suffix: Float64Array[] = dims.map(() => new Float64Array(L + 1));
  for (let d = 0; d < D; d++) {
    for (let i = L - 1; i >= 0; i--) suffix[d][i] = suffix[d][i + 1] + minRes[i][dims[d]];
  }

  const layers: Layer[] = [];
  // Frontier: running sums + the D dominance values (flattened, stride D).
  let aux: Aux = { b: [0], luts: [0], dsps: [0], bram: [0], cyc: [0] };
  let fv: number[] = new Array(D).fill(0);
  let maxFrontier = 1;
  for (let i = 0; i < L; i++) {
    const opts = stages[i].options;
    const idx = usable[i];
    const n = aux.b.length;
    const candB: number[] = [];
    const candV: number[] = [];
    const candP: number[] = [];
    const candO: number[] = [];
    const ov = new Array<number>(D);
    for (const k of idx) {
      const o = opts[k];
      for (let d = 0; d < D; d++) ov[d] = o[dims[d]];
      for (let s = 0; s < n; s++) {
        const b = aux.b[s] > o.cycles ? aux.b[s] : o.cycles;
        let ok = true;
        for (let d = 0; d < D; d++) {
          if (fv[s * D + d] + ov[d] + suffix[d][i + 1] > lim[d]) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        candB.push(b);
        for (let d = 0; d < D; d++) candV.push(fv[s * D + d] + ov[d]);
        candP.push(s);
        candO.push(k);
      }
    }
    const m = candB.length;
    if (m === 0) return blockedResult({ kind: 'combination' }, maxFrontier);
    const order = Array.from({ length: m }, (_, j) => j);
    order.sort((x, y) => {
      if (candB[x] !== candB[y]) return candB[x] - candB[y];
      for (let d = 0; d < D; d++) {
        const dx = candV[x * D + d], dy = candV[y * D + d];
        if (dx !== dy) return dx - dy;
      }
      return 0;
    });
    const next = emptyAux();
    const nv: number[] = [];
    const parent: number[] = [];
    const option: number[] = [];
    const keep = (j: number): void => {
      for (let d = 0; d < D; d++) nv.push(candV[j * D + d]);
      parent.push(candP[j]);
      option.push(candO[j]);
      pushAux(next, aux, candP[j], opts[candO[j]]);
    };
    // Sorted by bottleneck, so every kept state has bottleneck ≤ this one: it is dominated iff some kept
    // state is ≤ on every other dimension (equal vectors count as dominated: kept once).
    if (D === 2) {
      // Two summed dimensions: a Fenwick tree over the first (compressed) answers "least second value among
      // kept states whose first value is ≤ x" in O(log m).
      const xs = Float64Array.from({ length: m }, (_, j) => candV[j * 2]).sort();
      let u = 0;
      for (let j = 0; j < m; j++) if (j === 0 || xs[j] !== xs[j - 1]) xs[u++] = xs[j];
      const tree = new Float64Array(u + 1).fill(Infinity);
      const rank = (x: number): number => {
        let lo = 0, hi = u - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (xs[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        return lo + 1;
      };
      for (const j of order) {
        const r = rank(candV[j * 2]);
        const y = candV[j * 2 + 1];
        let best = Infinity;
        for (let q = r; q > 0; q -= q & -q) if (tree[q] < best) best = tree[q];
        if (best <= y) continue;
        for (let q = r; q <= u; q += q & -q) if (y < tree[q]) tree[q] = y;
        keep(j);
      }
    } else {
      for (const j of order) {
        let dominated = false;
        const kept = parent.length;
        for (let q = 0; q < kept && !dominated; q++) {
          let all = true;
          for (let d = 0; d < D; d++) {
            if (nv[q * D + d] > candV[j * D + d]) {
              all = false;
              break;
            }
          }
          dominated = all;
        }
        if (!dominated) keep(j);
      }
    }
    layers.push({ parent, option });
    aux = next;
    fv = nv;
    if (parent.length > maxFrontier) maxFrontier = parent.length;
  }
  return finalResult(stages, layers, auxArrays(aux), maxFrontier);
}

/** The cost vector of a given choice of options. */
export function costOf(stages: readonly MapperStage[], choice: readonly number[]): MappingPoint {
  let bottleneck = 0, luts = 0, dsps = 0, bram = 0, totalCycles = 0;
  stages.forEach((s, i) => {
    const o = s.options[choice[i]];
    if (o.cycles > bottleneck) bottleneck = o.cycles;
    luts += o.luts;
    dsps += o.dsps;
    bram += o.bram;
    totalCycles += o.cycles;
  });
  return { bottleneck, luts, dsps, bram, totalCycles, choice };
}

/** The point with the smallest bottleneck (highest throughput); ties: fewer LUTs, DSPs, BRAM, latency. */
export function bestThroughput<P extends CostVector>(points: readonly P[]): P | undefined {
  return minBy(points, ['bottleneck', 'luts', 'dsps', 'bram', 'totalCycles']);
}

/** The point with the fewest LUTs; ties: smaller bottleneck, fewer DSPs, BRAM, latency. */
export function fewestLuts<P extends CostVector>(points: readonly P[]): P | undefined {
  return minBy(points, ['luts', 'bottleneck', 'dsps', 'bram', 'totalCycles']);
}

function minBy<P extends CostVector>(points: readonly P[], keys: readonly (keyof CostVector)[]): P | undefined {
  let best: P | undefined;
  for (const p of points) {
    if (!best) {
      best = p;
      continue;
    }
    for (const k of keys) {
      if (p[k] !== best[k]) {
        if (p[k] < best[k]) best = p;
        break;
      }
    }
  }
  return best;
}
