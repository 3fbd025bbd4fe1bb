/**
 * The MAESTRO-style analytical cost of one layer on one accelerator (MODELS-ACCELERATORS §5.2, reduced to one
 * cluster level): the steps of the mapping's temporal loop nest are grouped by the outermost loop that advances
 * (its "carry level"); in each group every tensor whose tile changes is sent over the NoC (multicast counted once),
 * and a step takes max(compute, NoC in, NoC out) cycles (double buffering), the first step compute + its fill.
 * From the same counts: L1/L2/NoC/DRAM accesses and energy, and the accelerator's area.
 */
import { ENERGY_TABLES, MAESTRO_AREA, type EnergyTable } from '../energy-constants.js';
import type { AsicAccelerator, Template } from './accelerator.js';
import { DIMS, mapLayer, type ConvShape, type Dim, type Mapping } from './templates.js';

const RELEVANT: Readonly<Record<'W' | 'I' | 'O', ReadonlySet<Dim>>> = {
  W: new Set(['K', 'C', 'R', 'S']),
  I: new Set(['N', 'C', 'Y', 'X', 'R', 'S']),
  O: new Set(['N', 'K', 'Y', 'X']),
};
const REDUCTION: ReadonlySet<Dim> = new Set(['C', 'R', 'S']);

/** Access counts of one layer (whole layer, all groups). */
export interface AccessCounts {
  readonly macs: number;
  readonly l1: number;
  readonly l2: number;
  /** Words delivered to PEs or collected from them over the NoC. */
  readonly noc: number;
  readonly dram: number;
}

/** Energy of one layer split by level, nJ. */
export interface EnergyBreakdown {
  readonly mac: number;
  readonly l1: number;
  readonly l2: number;
  readonly noc: number;
  readonly dram: number;
  readonly total: number;
}

/** The cost of one layer. */
export interface LayerCost {
  readonly cycles: number;
  /** Cycles the PEs compute (steps × per-step compute), without waiting for the NoC. */
  readonly computeCycles: number;
  /** What bounds the delay. */
  readonly bound: 'compute' | 'noc' | 'dram';
  readonly utilisation: number;
  readonly activePes: number;
  readonly steps: number;
  readonly accesses: AccessCounts;
  readonly energyNj: EnergyBreakdown;
  readonly mapping: Mapping;
  /** False when the mapping's per-PE data do not fit the L1. */
  readonly fits: boolean;
}

/** MAESTRO's NoC delay of D words: hop latency + pipelined sends (MODELS-ACCELERATORS §5.2). */
export function nocCycles(words: number, a: AsicAccelerator): number {
  if (words <= 0) return 0;
  return a.nocHopLatency + Math.ceil(words / a.nocBw) - 1;
}

/** Multiply-accumulates of a layer. */
export function shapeMacs(l: ConvShape): number {
  return l.groups * l.N * l.K * l.C * l.Y * l.X * l.R * l.S;
}

/** The layer's input extent along one axis: (out − 1)·stride + filter. */
function inExtent(out: number, filter: number, stride: number): number {
  return (out - 1) * stride + filter;
}

/** The cost of one layer on `a` with its template (or `template`). */
export function layerCost(l: ConvShape, a: AsicAccelerator, template: Template = a.template, table: EnergyTable = ENERGY_TABLES[a.energyTable]): LayerCost {
  const m = mapLayer(l, a, template);
  const D: Record<Dim, number> = { N: l.N, K: l.K, C: l.C, Y: l.Y, X: l.X, R: l.R, S: l.S };
  const trip = {} as Record<Dim, number>;
  const E = {} as Record<Dim, number>;
  for (const d of DIMS) {
    trip[d] = Math.ceil(D[d] / (m.spatial[d] * m.tile[d]));
    E[d] = Math.min(D[d], m.spatial[d] * m.tile[d]);
  }
  // Loops with more than one iteration, outer → inner; any dim the order forgot goes outermost.
  const listed = m.order.filter((d) => trip[d] > 1);
  const loops: Dim[] = [...DIMS.filter((d) => trip[d] > 1 && !m.order.includes(d)), ...listed];
  const s = l.stride;
  const Hin = inExtent(l.Y, l.R, s);
  const Win = inExtent(l.X, l.S, s);
  const t = m.tile;
  const activePes = DIMS.reduce((p, d) => p * m.spatial[d], 1);
  // Per-step volumes: unique words (multicast once) and per-PE tiles.
  const rowsU = Math.min(Hin, inExtent(E.Y, E.R, s));
  const colsU = Math.min(Win, inExtent(E.X, E.S, s));
  const W = E.K * E.C * E.R * E.S;
  const I = E.N * E.C * rowsU * colsU;
  const O = E.N * E.K * E.Y * E.X;
  const Wpe = t.K * t.C * t.R * t.S;
  const rowsPe = inExtent(t.Y, t.R, s);
  const colsPe = inExtent(t.X, t.S, s);
  const Ipe = t.N * t.C * rowsPe * colsPe;
  const Ope = t.N * t.K * t.Y * t.X;
  const comp = Math.ceil(DIMS.reduce((p, d) => p * t[d], 1) / a.simdLanes);

  const innermost = (rel: ReadonlySet<Dim>): number => {
    let k = -1;
    loops.forEach((d, i) => {
      if (rel.has(d)) k = i;
    });
    return k;
  };
  const iW = innermost(RELEVANT.W);
  const iI = innermost(RELEVANT.I);
  const iO = innermost(RELEVANT.O);

  let steps = 1;
  let cycles = comp + nocCycles(W + I, a);
  let computeCycles = comp;
  let l2 = W + I;
  let noc = (Wpe + Ipe) * activePes;
  let l1Fill = (Wpe + Ipe) * activePes;
  let outReadsPe = 0;
  let outer = 1;
  loops.forEach((d, lvl) => {
    const count = outer * (trip[d] - 1);
    outer *= trip[d];
    if (count === 0) return;
    let inU = 0;
    let inPe = 0;
    if (lvl <= iW) {
      inU += W;
      inPe += Wpe;
    }
    if (lvl <= iI) {
      // A move along one output axis with nothing input-relevant inside it: only the new rows/columns arrive.
      if (lvl === iI && (d === 'Y' || d === 'X')) {
        const step = E[d] * s;
        inU += d === 'Y' ? E.N * E.C * Math.min(rowsU, step) * colsU : E.N * E.C * rowsU * Math.min(colsU, step);
        const stepPe = t[d] * s;
        inPe += d === 'Y' ? t.N * t.C * Math.min(rowsPe, stepPe) * colsPe : t.N * t.C * rowsPe * Math.min(colsPe, stepPe);
      } else {
        inU += I;
        inPe += Ipe;
      }
    }
    let out = 0;
    if (lvl <= iO) {
      out = O;
      // The new output tile was started before (psums come back) unless this is its first visit.
      let first = REDUCTION.has(d) ? 0 : 1;
      for (let j = 0; j < lvl; j++) if (REDUCTION.has(loops[j])) first /= trip[loops[j]];
      inU += O * (1 - first);
      inPe += Ope * (1 - first);
      outReadsPe += count * Ope * activePes;
    }
    const step = Math.max(comp, nocCycles(inU, a), nocCycles(out, a));
    steps += count;
    cycles += count * step;
    computeCycles += count * comp;
    l2 += count * (inU + out);
    noc += count * (inPe * activePes + out);
    l1Fill += count * inPe * activePes;
  });
  // The last output tile leaves.
  cycles += nocCycles(O, a);
  l2 += O;
  noc += O;
  outReadsPe += Ope * activePes;

  const g = l.groups;
  const macs = shapeMacs(l);
  const perGroupMacs = macs / g;
  // DRAM: every tensor once when the layer fits the L2; else the cheaper of keeping weights on chip in chunks of
  // half the L2 (inputs stream again per chunk) or inputs in such chunks (weights stream again) [inferred].
  const half = Math.max(1, Math.floor(a.l2Bytes / a.wordBytes / 2));
  const wTot = l.K * l.C * l.R * l.S;
  const iTot = l.N * l.C * Hin * Win;
  const oTot = l.N * l.K * l.Y * l.X;
  const perGroup = wTot + iTot + oTot <= 2 * half
    ? wTot + iTot + oTot
    : Math.min(wTot + Math.ceil(wTot / half) * iTot, Math.ceil(iTot / half) * wTot + iTot) + oTot;
  const dram = g * perGroup;
  let bound: LayerCost['bound'] = cycles > computeCycles * 1.05 ? 'noc' : 'compute';
  let total = g * cycles;
  if (a.offchipWordsPerCycle !== undefined) {
    const dramCycles = Math.ceil(dram / a.offchipWordsPerCycle);
    if (dramCycles > total) {
      total = dramCycles;
      bound = 'dram';
    }
  }
  // L1: operands of every MAC read (weight, input, psum) and the psum written back [recall: Eyeriss RF accounting],
  // plus the fills from the NoC and the reads of outputs leaving.
  const l1 = g * (4 * perGroupMacs + l1Fill + outReadsPe);
  const accesses: AccessCounts = { macs, l1, l2: g * l2, noc: g * noc, dram };
  const e = {
    mac: (macs * table.mac) / 1000,
    l1: (accesses.l1 * table.l1) / 1000,
    l2: (accesses.l2 * table.l2) / 1000,
    noc: (accesses.noc * table.noc) / 1000,
    dram: (accesses.dram * table.dram) / 1000,
  };
  return {
    cycles: total,
    computeCycles: g * computeCycles,
    bound,
    utilisation: macs / (total * a.pes * a.simdLanes),
    activePes,
    steps: g * steps,
    accesses,
    energyNj: { ...e, total: e.mac + e.l1 + e.l2 + e.noc + e.dram },
    mapping: m,
    fits: m.l1Words <= Math.floor(a.l1Bytes / a.wordBytes),
  };
}

/** Area of the accelerator split by part, µm² (MAESTRO's current area model; energy-constants.ts). */
export interface AreaBreakdown {
  readonly pes: number;
  readonly l1: number;
  readonly l2: number;
  readonly noc: number;
  readonly total: number;
}

/**
 * MAESTRO's area: P·(MAC·lanes + SRAM·L1) + SRAM·L2 + a bus over the P PEs scaled by the NoC bandwidth + a matrix
 * arbiter over the P PEs [code: maestro@4eb08d1 DSE_hardware_modules.hpp Accelerator::ReconstructAccelerator].
 */
export function acceleratorArea(a: AsicAccelerator): AreaBreakdown {
  const A = MAESTRO_AREA;
  const P = a.pes;
  const pes = P * A.mac * a.simdLanes;
  const l1 = P * A.sramPerByte * a.l1Bytes;
  const l2 = A.sramPerByte * a.l2Bytes;
  const bus = A.busUnit * (A.busC1 * P + A.busC0) * a.nocBw;
  const arbiter = Math.max(A.arbiterUnit, A.arbiterUnit * (A.arbC2 * P * P + A.arbC1 * P + A.arbC0));
  const noc = bus + arbiter;
  return { pes, l1, l2, noc, total: pes + l1 + l2 + noc };
}
