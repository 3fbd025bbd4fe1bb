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
  /** The Pareto frontier of feasible mappings, by bottleneck ascending; empty when infeasible. */
  readonly points: FrontierPoint[];
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
  return RESOURCES.filter((r) => stages.some((s) => s.options.some((o) => o[r] !== s.options[0][r])));
}

/**
 * The Pareto frontier of all mappings within `limits` (DESIGN §4). Dimensions: bottleneck, every resource that
 * varies, and the latency when `limits.maxTotalCycles` is finite.
 */
export function mapFrontier(stages: readonly MapperStage[], limits: MapperLimits): FrontierResult {
  checkLimits(limits);
  if (stages.length === 0) return blockedResult({ kind: 'no-stages' });
  for (const s of stages) {
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
    for (const o of s.options) {
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
  for (const m of minRes) {
    total.luts += m.luts;
    total.dsps += m.dsps;
    total.bram += m.bram;
    total.cycles += m.cycles;
  }

  // A stage that cannot meet a limit on its own; then minima that cannot fit together.
  for (let i = 0; i < L; i++) {
    const m = minRes[i];
    const alone = { luts: limits.luts, dsps: limits.dsps, bram: limits.bram, cycles: limits.maxTotalCycles };
    if (m.cycles > limits.maxCycles || m.cycles > limits.maxTotalCycles || RESOURCES.some((r) => m[r] > limits[r])) {
      return blockedResult(stageBlock(i, stages[i].name, m, limits, alone));
    }
  }
  if (total.cycles > limits.maxTotalCycles) return blockedResult({ kind: 'sum', limit: 'cycles', minimum: total.cycles, allowed: limits.maxTotalCycles });
  for (const r of RESOURCES) {
    if (total[r] > limits[r]) return blockedResult({ kind: 'sum', limit: r, minimum: total[r], allowed: limits[r] });
  }

  // Options each stage may use: within the bottleneck limit and leaving room for the others' minima.
  const usable: number[][] = [];
  for (let i = 0; i < L; i++) {
    const s = stages[i];
    const m = minRes[i];
    const room = {
      luts: limits.luts - (total.luts - m.luts),
      dsps: limits.dsps - (total.dsps - m.dsps),
      bram: limits.bram - (total.bram - m.bram),
      cycles: limits.maxTotalCycles - (total.cycles - m.cycles),
    };
    const idx: number[] = [];
    const opts = s.options;
    for (let k = 0; k < opts.length; k++) {
      const o = opts[k];
      if (o.cycles <= limits.maxCycles && o.cycles <= room.cycles && o.luts <= room.luts && o.dsps <= room.dsps && o.bram <= room.bram) idx.push(k);
    }
    if (idx.length === 0) return blockedResult({ kind: 'combination' });
    usable.push(idx);
  }

  const active = RESOURCES.filter((r) => (r === 'luts' ? varLuts : r === 'dsps' ? varDsps : varBram));
  if (active.length <= 1 && !trackLatency) return merge2d(stages, usable, limits, active[0] ?? 'luts', minRes);
  return generalDp(stages, usable, limits, active, trackLatency, minRes);
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
  for (const r of RESOURCES) {
    if (m[r] > room[r]) return { kind: 'stage', stage: i, name, limit: r, minimum: m[r], allowed: room[r] };
  }
  // Each limit holds on its own, but no single option meets them all at once.
  return { kind: 'combination' };
}

interface Layer {
  /** Per state: index of the parent state in the previous frontier and option index in the stage. */
  parent: Int32Array;
  option: Int32Array;
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

function finalResult(stages: readonly MapperStage[], layers: readonly Layer[], aux: Aux, maxFrontier: number): FrontierResult {
  const points: FrontierPoint[] = aux.b.map((_, j) => ({
    bottleneck: aux.b[j], luts: aux.luts[j], dsps: aux.dsps[j], bram: aux.bram[j], totalCycles: aux.cyc[j], id: j,
  }));
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
  return { points, maxFrontier, choice, mapping: (p) => costOf(stages, choice(p)) };
}

/**
 * One varying resource `dim`, no latency dimension: frontier states are (bottleneck ↑, cost ↓) pairs and each
 * stage merges in linear time.
 */
function merge2d(
  stages: readonly MapperStage[],
  usable: number[][],
  limits: MapperLimits,
  dim: Resource,
  minRes: { luts: number; dsps: number; bram: number }[],
): FrontierResult {
  const L = stages.length;
  const budget = limits[dim];
  // Constant resources (same for every option) must fit on their own.
  for (const r of RESOURCES) {
    if (r === dim) continue;
    let s = 0;
    for (const m of minRes) s += m[r];
    if (s > limits[r]) return blockedResult({ kind: 'combination' });
  }
  const suffix = new Float64Array(L + 1);
  for (let i = L - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + minRes[i][dim];

  const layers: Layer[] = [];
  let aux: Aux = { b: [0], luts: [0], dsps: [0], bram: [0], cyc: [0] };
  let fc: number[] = [0];
  let maxFrontier = 1;
  for (let i = 0; i < L; i++) {
    const opts = stages[i].options;
    // This stage's options as a (cycles ↑, cost ↓) staircase.
    const idx = usable[i];
    if (!isSortedByCycles(opts, idx)) idx.sort((x, y) => opts[x].cycles - opts[y].cycles || opts[x][dim] - opts[y][dim]);
    const hb: number[] = [];
    const hc: number[] = [];
    const hk: number[] = [];
    for (const k of idx) {
      const o = opts[k];
      const c = o[dim];
      if (hc.length === 0 || c < hc[hc.length - 1]) {
        if (hb.length > 0 && hb[hb.length - 1] === o.cycles) {
          hc[hc.length - 1] = c;
          hk[hk.length - 1] = k;
        } else {
          hb.push(o.cycles);
          hc.push(c);
          hk.push(k);
        }
      }
    }
    const room = budget - suffix[i + 1];
    const next = emptyAux();
    const nc: number[] = [];
    const parent: number[] = [];
    const option: number[] = [];
    const fb = aux.b;
    let a = 0, b = 0, bestA = -1, bestB = -1;
    const nF = fb.length, nH = hb.length;
    while (a < nF || b < nH) {
      const t = Math.min(a < nF ? fb[a] : Infinity, b < nH ? hb[b] : Infinity);
      if (t > limits.maxCycles) break;
      while (a < nF && fb[a] <= t) bestA = a++;
      while (b < nH && hb[b] <= t) bestB = b++;
      if (bestA < 0 || bestB < 0) continue;
      const cost = fc[bestA] + hc[bestB];
      if (cost > room) continue;
      if (nc.length === 0 || cost < nc[nc.length - 1]) {
        nc.push(cost);
        parent.push(bestA);
        option.push(hk[bestB]);
        pushAux(next, aux, bestA, opts[hk[bestB]]);
      }
    }
    if (nc.length === 0) return blockedResult({ kind: 'combination' }, maxFrontier);
    layers.push({ parent: Int32Array.from(parent), option: Int32Array.from(option) });
    aux = next;
    fc = nc;
    if (nc.length > maxFrontier) maxFrontier = nc.length;
  }
  return finalResult(stages, layers, aux, maxFrontier);
}

function isSortedByCycles(opts: readonly StageCost[], idx: readonly number[]): boolean {
  for (let j = 1; j < idx.length; j++) if (opts[idx[j]].cycles < opts[idx[j - 1]].cycles) return false;
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
  for (const r of RESOURCES) {
    if (active.includes(r)) continue;
    let s = 0;
    for (const m of minRes) s += m[r];
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
    for (const j of order) {
      // Sorted by bottleneck, so every kept state has bottleneck ≤ this one: it is dominated iff some kept
      // state is ≤ on every other dimension (equal vectors count as dominated: kept once).
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
      if (dominated) continue;
      for (let d = 0; d < D; d++) nv.push(candV[j * D + d]);
      parent.push(candP[j]);
      option.push(candO[j]);
      pushAux(next, aux, candP[j], opts[candO[j]]);
    }
    layers.push({ parent: Int32Array.from(parent), option: Int32Array.from(option) });
    aux = next;
    fv = nv;
    if (parent.length > maxFrontier) maxFrontier = parent.length;
  }
  return finalResult(stages, layers, aux, maxFrontier);
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
