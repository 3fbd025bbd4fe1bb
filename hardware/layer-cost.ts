/**
 * Cost of one layer as a stage of the layer-pipelined accelerator of Lu et al. 2019 (MODELS.md §1.4, §6):
 * its work (MACs, parameters), its on-chip memory, and for each implementation option (Tm output lanes ×
 * Tn multipliers per lane, multipliers in LUTs or in DSP blocks) the cycles per image and the LUTs/DSPs.
 *
 * Stage structure [inferred from MODELS.md §1.4 and FGNAS fpga/architecture.py `Linear`]: each of the Tm
 * lanes has Tn multipliers, an adder tree over their products, an accumulator over the N·K² terms of an
 * output, then ReLU and a truncator to the output activation format; loop counters drive it.
 *   cycles = groups · ⌈M/Tm⌉ · ⌈N/Tn⌉ · R · C · K²                         (MODELS.md §1.4)
 *   LUTs   = Tm · (Tn·LUT_mul(a, w) + tree(Tn) + LUT_add(acc) + ReLU + truncator) + counters
 * Bit growth [code: FGNAS operator.py]: a product of an a-bit unsigned activation and a w-bit signed weight
 * needs a + w bits; a sum of k terms adds ⌈log2 k⌉ bits.
 * Float32 layers use the float operators (index 0 of the FGNAS table), whose adders take 4 cycles; we assume
 * the accumulation is interleaved over output pixels so a float stage keeps one MAC per multiplier per cycle
 * (FGNAS instead charges (cycle+1) per step) [inferred].
 * On-chip memory [DESIGN §4]: weights Σ params·bw bits and line buffers (K−1)·W·N·ba bits; it does not depend
 * on the option.
 */
import { dspsPerMultiplier, type Device } from './device.js';
import { loopDims, layerMacs, layerParams, requireLayerKinds, type HwConv, type HwDense, type HwLayer, type HwPool, type Word } from './network.js';

/** The layer kinds the FPGA pipeline and tiling models describe. */
export const FPGA_LAYER_KINDS = ['conv', 'maxpool', 'dense'] as const;

/** Narrows a layer to the kinds the FPGA models describe, or throws HW_UNSUPPORTED_LAYER. */
export function fpgaLayer(layer: HwLayer): HwConv | HwPool | HwDense {
  if (layer.kind === 'add' || layer.kind === 'globalpool') {
    requireLayerKinds({ name: layer.name, input: layer.inShape, layers: [layer] }, 'lu2019-pipeline/fnas-tiling/multi-fpga', FPGA_LAYER_KINDS);
  }
  return layer as HwConv | HwPool | HwDense;
}
import {
  FLOAT32, adderLuts, ceilLog2, checkBits, counterBits, MAX_OPERAND_BITS, max2Luts, MIN_OPERAND_BITS, multiplierLuts, reluLuts, truncatorCost,
} from './operator-costs.js';

/** Resources and cycles of one choice for one stage: the unit the mapper works on. */
export interface StageCost {
  /** Cycles the stage needs per image (its initiation interval in the pipeline). */
  readonly cycles: number;
  readonly luts: number;
  readonly dsps: number;
  /** On-chip memory bits. */
  readonly bram: number;
}

/** Where a stage's multipliers live. */
export type MultiplierImpl = 'lut' | 'dsp';

/** One implementation option of a pipeline stage. */
export interface StageOption extends StageCost {
  /** Output lanes (conv/dense) or parallel pooling units. */
  readonly tm: number;
  /** Multipliers per lane (1 for pooling). */
  readonly tn: number;
  readonly mult: MultiplierImpl;
}

/** Which multiplier implementations the option lists may use. `lut` is the paper's (LUT-only budgets). */
export type MultiplierMode = 'lut' | 'dsp' | 'both';

/** Options of the option generator. */
export interface OptionSettings {
  readonly multipliers: MultiplierMode;
  /** Largest unroll factor per loop dimension (Tm, Tn, pooling units); keeps option lists small. */
  readonly maxUnroll: number;
}

/** Defaults: LUT multipliers as in Lu et al. 2019; unroll ≤ 64 (the widest layer of the seed spaces). */
export const DEFAULT_OPTION_SETTINGS: OptionSettings = { multipliers: 'lut', maxUnroll: 64 };

/** Work and memory of a layer, independent of its implementation. */
export interface LayerFigures {
  readonly macs: number;
  readonly params: number;
  readonly weightBits: number;
  readonly lineBufferBits: number;
  /** weightBits + lineBufferBits. */
  readonly bramBits: number;
}

function wordBits(w: Word): number {
  return w === 'float32' ? 32 : w;
}

/** MACs, parameters and on-chip memory bits of a layer. */
export function layerFigures(anyLayer: HwLayer): LayerFigures {
  const layer = fpgaLayer(anyLayer);
  const macs = layerMacs(layer);
  const params = layerParams(layer);
  const weightBits = layer.kind === 'maxpool' ? 0 : params * wordBits(layer.weight);
  let lineBufferBits = 0;
  const [, w, c] = layer.inShape;
  if (layer.kind === 'conv' && layer.kernel > 1) lineBufferBits = (layer.kernel - 1) * w * c * wordBits(layer.input);
  if (layer.kind === 'maxpool') lineBufferBits = (layer.size - 1) * w * c * wordBits(layer.input);
  return { macs, params, weightBits, lineBufferBits, bramBits: weightBits + lineBufferBits };
}

/**
 * Unroll factors worth trying for a loop of `d` iterations, up to `max`. When d ≤ max: the smallest factor for
 * each distinct tile count ⌈d/t⌉ (any other factor costs more for the same cycles, so only these can be
 * Pareto-optimal). When d > max (the flattened input of a dense layer): powers of two up to `max`, the usual
 * choice for banked memories [inferred]; listing all `max` factors there would only add options that never
 * set the bottleneck.
 */
export function unrollCandidates(d: number, max: number): number[] {
  const out: number[] = [];
  if (d > max) {
    for (let t = 1; t <= max; t *= 2) out.push(t);
    return out;
  }
  for (let t = 1; t <= d; t++) {
    if (t === 1 || Math.ceil(d / (t - 1)) > Math.ceil(d / t)) out.push(t);
  }
  return out;
}

/** LUTs of loop counters for the given trip counts (trips of 1 need none). */
function counterLuts(trips: readonly number[]): number {
  let s = 0;
  for (let i0 = 0, a0 = trips; i0 < a0.length; i0++) {
    const t = a0[i0];
    if (t > 1) s += adderLuts(counterBits(t));
  }
  return s;
}

/** LUTs of a binary adder tree over `n` inputs of `bits` bits (n − 1 adders, one more bit per level). */
export function adderTreeLuts(n: number, bits: number, float: boolean): number {
  if (float) return (n - 1) * FLOAT32.adder.luts;
  let s = 0;
  let width = n;
  let level = 0;
  while (width > 1) {
    level++;
    const adders = Math.floor(width / 2);
    s += adders * adderLuts(bits + level);
    width = Math.ceil(width / 2);
  }
  return s;
}

/** Per-lane LUTs and DSPs that do not scale with Tn (accumulator, ReLU, truncator). */
function laneTail(layer: HwConv | HwDense, productBits: number, terms: number, float: boolean): { luts: number; dsps: number } {
  if (float) {
    return { luts: FLOAT32.adder.luts + (layer.relu ? FLOAT32.relu.luts : 0), dsps: FLOAT32.adder.dsps };
  }
  let luts = adderLuts(productBits + ceilLog2(terms));
  if (layer.output !== 'wide' && layer.output !== 'float32') {
    if (layer.relu) luts += reluLuts(layer.output);
    luts += truncatorCost(layer.output).luts;
  }
  return { luts, dsps: 0 };
}

/** checkBits of a layer's operand widths; the messages are built only for a bad width (this runs per layer). */
function checkOperands(layer: HwLayer, a: number, w: number): void {
  const ok = (b: number): boolean => Number.isInteger(b) && b >= MIN_OPERAND_BITS && b <= MAX_OPERAND_BITS;
  if (ok(a) && ok(w)) return;
  checkBits(a, `${layer.name} input`);
  checkBits(w, `${layer.name} weight`);
}

/**
 * The paper's case (LUT multipliers, fixed-point): only cycles and LUTs vary. The (Tm, Tn) combinations are
 * visited in the layer shape's cached cycles order and one sweep keeps the strictly cheaper ones: no sort per
 * layer. The table depends only on the shape and the word formats, so it is kept on the shape and shared.
 */
function lutOptionTable(layer: HwConv | HwDense, settings: OptionSettings, bram: number): OptionTable {
  const d = loopDims(layer);
  const a = layer.input as number;
  const w = layer.weight as number;
  checkOperands(layer, a, w);
  const sh = shapeOf(d, settings.maxUnroll);
  const outCode = layer.output === 'wide' ? 0 : (layer.output as number);
  const code = ((a * 17 + w) * 17 + outCode) * 2 + (layer.relu ? 1 : 0);
  const known = sh.tables.get(code);
  if (known && known.values[3] === bram) return known;
  const productBits = a + w;
  const tail = laneTail(layer, productBits, d.N * d.K * d.K, false);
  const { tms, tns, fixedCounters, ctrlM, ctrlN, orderI, orderJ, orderCycles } = sh;
  const mulLuts = multiplierLuts(a, w);
  // Built in reused buffers, then copied once at its exact size (misses are half the layers of fresh genomes).
  const lane = (tableScratch.lane = growTo(tableScratch.lane, tns.length));
  for (let j = 0; j < tns.length; j++) lane[j] = tns[j] * mulLuts + adderTreeLuts(tns[j], productBits, false) + tail.luts;
  const values = (tableScratch.values = growTo(tableScratch.values, orderI.length * OPTION_STRIDE));
  let n = 0;
  let best = Infinity;
  let lastCycles = -1;
  for (let q = 0; q < orderI.length; q++) {
    const i = orderI[q];
    const j = orderJ[q];
    const luts = tms[i] * lane[j] + fixedCounters + ctrlM[i] + ctrlN[j];
    if (luts >= best) continue;
    best = luts;
    const c = orderCycles[q];
    // Same cycles as the option before but cheaper: replaces it.
    if (c === lastCycles) n--;
    const at = n * OPTION_STRIDE;
    values[at] = c;
    values[at + 1] = luts;
    values[at + 2] = 0;
    values[at + 3] = bram;
    values[at + 4] = tms[i];
    values[at + 5] = tns[j];
    values[at + 6] = 0;
    n++;
    lastCycles = c;
  }
  const table: OptionTable = { count: n, stride: OPTION_STRIDE, values: slabCopy(values, n * OPTION_STRIDE) };
  return rememberTable(table, known === undefined, () => sh.tables.set(code, table));
}

/**
 * Cached tables are views into large shared Float64Arrays (slabs) rather than arrays of their own: their numbers
 * then live outside the JS heap, so tables that outlive many young-generation GCs are not copied by each of
 * them, and no buffer is allocated per table (GC was a third of the time of fresh mappings; bench:mapper).
 * A slab is freed with the last table viewing it.
 */
const SLAB_DOUBLES = 1 << 16;
let slab = new Float64Array(SLAB_DOUBLES);
let slabUsed = 0;

/** A copy of the first n values of `src` in the current slab. */
function slabCopy(src: Float64Array, n: number): Float64Array {
  if (slabUsed + n > slab.length) {
    slab = new Float64Array(Math.max(SLAB_DOUBLES, n));
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + n);
  for (let k = 0; k < n; k++) view[k] = src[k];
  slabUsed += n;
  return view;
}

/** Reused buffers of table building. */
const tableScratch = { lane: new Float64Array(64), values: new Float64Array(1024) };

function growTo(buf: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, 2 * buf.length));
}

/** Tables kept in the caches at most (≈ 0.6 kB each for the seed spaces). */
const MAX_CACHED_TABLES = 20_000;
let cachedTables = 0;

/**
 * Caches a table (`store` puts it in its map). Tables are shared between calls: callers must not modify them
 * (nothing in hardware/ does). Bounded in total, so a long search of fresh genomes does not grow the heap
 * without end.
 */
function rememberTable(table: OptionTable, isNew: boolean, store: () => void): OptionTable {
  if (isNew) {
    if (cachedTables >= MAX_CACHED_TABLES) {
      for (const t of shapes.values()) t.tables.clear();
      poolTables.clear();
      cachedTables = 0;
    }
    cachedTables++;
  }
  store();
  return table;
}

/** Pooling option tables by output shape, window, input format and unroll cap. */
const poolTables = new Map<string, OptionTable>();

function poolOptionTable(layer: HwPool, settings: OptionSettings, bram: number): OptionTable {
  const [r, c, ch] = layer.outShape;
  const key = `${r},${c},${ch},${layer.size},${layer.input},${settings.maxUnroll}`;
  const known = poolTables.get(key);
  if (known && known.values[3] === bram) return known;
  const table = packOptions(paretoOptions(poolOptions(layer, settings, bram)));
  return rememberTable(table, known === undefined, () => poolTables.set(key, table));
}

function macOptions(layer: HwConv | HwDense, device: Device, settings: OptionSettings, bram: number, prune: boolean): StageOption[] {
  const d = loopDims(layer);
  const float = layer.input === 'float32' || layer.weight === 'float32';
  let a = 0;
  let w = 0;
  if (!float) {
    a = layer.input as number;
    w = layer.weight as number;
    checkOperands(layer, a, w);
  }
  const productBits = a + w;
  const terms = d.N * d.K * d.K;
  const tail = laneTail(layer, productBits, terms, float);
  const impls: MultiplierImpl[] = float
    ? ['lut']
    : settings.multipliers === 'both' ? ['lut', 'dsp'] : [settings.multipliers];
  const sh = shapeOf(d, settings.maxUnroll);
  const { tms, tns, tilesM, tilesN, ctrlM, ctrlN, fixedCounters, pixelCycles } = sh;
  const out: StageOption[] = [];
  for (const mult of impls) {
    const mulLuts = float ? FLOAT32.multiplier.luts : mult === 'lut' ? multiplierLuts(a, w) : 0;
    const mulDsps = float ? FLOAT32.multiplier.dsps : mult === 'dsp' ? dspsPerMultiplier(device, a, w) : 0;
    const nM = tms.length;
    const nN = tns.length;
    const n = nM * nN;
    const { cyc, lut, dsp } = scratch(n);
    for (let j = 0; j < nN; j++) {
      const tn = tns[j];
      const laneLuts = tn * mulLuts + adderTreeLuts(tn, productBits, float) + tail.luts;
      const laneDsps = tn * mulDsps + (float ? (tn - 1) * FLOAT32.adder.dsps : 0) + tail.dsps;
      for (let i = 0; i < nM; i++) {
        const k = j * nM + i;
        cyc[k] = tilesM[i] * tilesN[j] * pixelCycles;
        lut[k] = tms[i] * laneLuts + fixedCounters + ctrlM[i] + ctrlN[j];
        dsp[k] = Math.ceil(tms[i] * laneDsps);
      }
    }
    const make = (k: number): StageOption => ({
      cycles: cyc[k], luts: lut[k], dsps: dsp[k], bram, tm: tms[k % nM], tn: tns[Math.floor(k / nM)], mult,
    });
    if (!prune) {
      for (let k = 0; k < n; k++) out.push(make(k));
      continue;
    }
    let sameDsp = true;
    for (let k = 1; k < n; k++) if (dsp[k] !== dsp[0]) sameDsp = false;
    if (impls.length === 1 && sameDsp) {
      // Only cycles and LUTs vary: sort by cycles (packed with the index into one exact double so the
      // native numeric sort applies), then one sweep keeps the strictly cheaper ones.
      const order = sortByCycles(cyc, n);
      let best = Infinity;
      let lastCycles = -1;
      for (let q = 0; q < n; q++) {
        const k = order[q];
        if (lut[k] >= best) continue;
        best = lut[k];
        if (cyc[k] === lastCycles) out[out.length - 1] = make(k);
        else out.push(make(k));
        lastCycles = cyc[k];
      }
      return out;
    }
    for (let k = 0; k < n; k++) out.push(make(k));
  }
  return prune ? paretoOptions(out) : out;
}

/** What option generation needs of a layer's loop shape, independent of bit widths (cached). */
interface ShapeTable {
  readonly tms: number[];
  readonly tns: number[];
  readonly tilesM: number[];
  readonly tilesN: number[];
  /** Counter LUTs of the m-tile and n-tile loops, per candidate. */
  readonly ctrlM: number[];
  readonly ctrlN: number[];
  /** Counter LUTs of the other loops. */
  readonly fixedCounters: number;
  readonly pixelCycles: number;
  /** Cycles of combination k = j·|tms| + i, and the combinations by cycles ascending. */
  readonly cycles: Float64Array;
  readonly order: Int32Array;
  /** Tm and Tn candidate indices of `order`'s combinations, and their cycles, in that order. */
  readonly orderI: Int32Array;
  readonly orderJ: Int32Array;
  readonly orderCycles: Float64Array;
  /** Pruned LUT-multiplier option tables of this shape by word formats (shared: never modified). */
  readonly tables: Map<number, OptionTable>;
}

const shapes = new Map<string, ShapeTable>();

/** Empties the per-shape tables (benchmarks of fresh genomes). */
export function clearShapeCache(): void {
  shapes.clear();
  poolTables.clear();
  cachedTables = 0;
}

function shapeOf(d: ReturnType<typeof loopDims>, maxUnroll: number): ShapeTable {
  const key = `${d.M},${d.N},${d.K},${d.R},${d.C},${d.groups},${maxUnroll}`;
  let t = shapes.get(key);
  if (t) return t;
  const tms = unrollCandidates(d.M, maxUnroll);
  const tns = unrollCandidates(d.N, maxUnroll);
  const tilesM = tms.map((tm) => Math.ceil(d.M / tm));
  const tilesN = tns.map((tn) => Math.ceil(d.N / tn));
  const pixelCycles = d.groups * d.R * d.C * d.K * d.K;
  const nM = tms.length, n = nM * tns.length;
  const cycles = new Float64Array(n);
  for (let k = 0; k < n; k++) cycles[k] = tilesM[k % nM] * tilesN[Math.floor(k / nM)] * pixelCycles;
  scratch(n);
  const sorted = sortByCycles(cycles, n);
  const order = new Int32Array(n);
  const orderI = new Int32Array(n);
  const orderJ = new Int32Array(n);
  const orderCycles = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const k = sorted[q];
    order[q] = k;
    orderI[q] = k % nM;
    orderJ[q] = Math.floor(k / nM);
    orderCycles[q] = cycles[k];
  }
  t = {
    tms, tns, tilesM, tilesN, pixelCycles, cycles, order, orderI, orderJ, orderCycles,
    ctrlM: tilesM.map((x) => counterLuts([x])),
    ctrlN: tilesN.map((x) => counterLuts([x])),
    fixedCounters: counterLuts([d.groups, d.R, d.C, d.K, d.K]),
    tables: new Map(),
  };
  if (shapes.size > 4_096) shapes.clear();
  shapes.set(key, t);
  return t;
}

/** Reused buffers for option generation (one layer at a time; no allocation per layer). */
let buffers = { cyc: new Float64Array(1024), lut: new Float64Array(1024), dsp: new Float64Array(1024), keys: new Float64Array(1024), order: new Uint32Array(1024) };

function scratch(n: number): typeof buffers {
  if (buffers.cyc.length < n) {
    const m = 2 ** Math.ceil(Math.log2(n));
    buffers = { cyc: new Float64Array(m), lut: new Float64Array(m), dsp: new Float64Array(m), keys: new Float64Array(m), order: new Uint32Array(m) };
  }
  return buffers;
}

const views = new Map<number, Float64Array>();

/** A reused view of the first n key slots (the native sort needs an exact-length array). */
function keyView(n: number): Float64Array {
  let v = views.get(n);
  if (!v || v.buffer !== buffers.keys.buffer) {
    v = buffers.keys.subarray(0, n);
    views.set(n, v);
  }
  return v;
}

/** Indices of the first `n` `cycles` in ascending order (ties in any order). */
function sortByCycles(cycles: Float64Array, n: number): ArrayLike<number> {
  let shift = 1;
  while (shift < n) shift *= 2;
  let max = 0;
  for (let k = 0; k < n; k++) if (cycles[k] > max) max = cycles[k];
  if (max * shift < 2 ** 52) {
    // Cycles and index packed into one exact double: the native numeric sort does the work.
    const keys = keyView(n);
    for (let k = 0; k < n; k++) keys[k] = cycles[k] * shift + k;
    keys.sort();
    const order = buffers.order;
    for (let q = 0; q < n; q++) order[q] = keys[q] % shift;
    return order;
  }
  const order = Array.from({ length: n }, (_, k) => k);
  return order.sort((x, y) => cycles[x] - cycles[y]);
}

function poolOptions(layer: HwPool, settings: OptionSettings, bram: number): StageOption[] {
  const [r, c, ch] = layer.outShape;
  const float = layer.input === 'float32';
  const window = layer.size * layer.size;
  // A unit is a tree of window − 1 two-input max operators producing one output per cycle.
  const unit = (window - 1) * (float ? FLOAT32.max2.luts : max2Luts(layer.input as number));
  return unrollCandidates(ch, settings.maxUnroll).map((p) => {
    const tiles = Math.ceil(ch / p);
    return { cycles: tiles * r * c, luts: p * unit + counterLuts([tiles, r, c]), dsps: 0, bram, tm: p, tn: 1, mult: 'lut' as const };
  });
}

/** Every option of a layer (before Pareto pruning). */
export function allStageOptions(anyLayer: HwLayer, device: Device, settings: OptionSettings = DEFAULT_OPTION_SETTINGS): StageOption[] {
  const layer = fpgaLayer(anyLayer);
  const bram = layerFigures(layer).bramBits;
  return layer.kind === 'maxpool' ? poolOptions(layer, settings, bram) : macOptions(layer, device, settings, bram, false);
}

/**
 * The options no other option of the same stage dominates on (cycles, LUTs, DSPs, BRAM), sorted by cycles
 * ascending. Equal cost vectors are kept once. Dominated options can never be part of a Pareto-optimal
 * mapping because the bottleneck (max) and the resource sums are monotone.
 */
export function paretoOptions<T extends StageCost>(options: readonly T[]): T[] {
  const sorted = options.slice().sort((x, y) => x.cycles - y.cycles || x.luts - y.luts || x.dsps - y.dsps || x.bram - y.bram);
  const kept: T[] = [];
  for (const o of sorted) {
    let dominated = false;
    for (const k of kept) {
      if (k.luts <= o.luts && k.dsps <= o.dsps && k.bram <= o.bram) {
        dominated = true;
        break;
      }
    }
    if (!dominated) kept.push(o);
  }
  return kept;
}

/** The Pareto-pruned options of a layer. */
export function stageOptions(
  layer: HwLayer,
  device: Device,
  settings: OptionSettings = DEFAULT_OPTION_SETTINGS,
  figures: LayerFigures = layerFigures(layer),
): StageOption[] {
  return optionList(stageOptionTable(layer, device, settings, figures));
}

/**
 * A stage's options packed into one array, {@link OPTION_STRIDE} numbers per option: cycles, LUTs, DSPs, BRAM
 * bits, Tm, Tn, multiplier (0 LUT, 1 DSP). One array instead of an object per option: the search builds and
 * caches tens of thousands of option lists, and per-option objects made garbage collection a third of the
 * mapping time (bench:mapper). The mapper reads the first four slots (its OptionColumns).
 */
export interface OptionTable {
  readonly count: number;
  readonly stride: typeof OPTION_STRIDE;
  readonly values: ArrayLike<number>;
}

/** Numbers per option in an {@link OptionTable}. */
export const OPTION_STRIDE = 7;

/** Option k of a table as an object. */
export function optionAt(t: OptionTable, k: number): StageOption {
  const v = t.values, at = k * OPTION_STRIDE;
  return { cycles: v[at], luts: v[at + 1], dsps: v[at + 2], bram: v[at + 3], tm: v[at + 4], tn: v[at + 5], mult: v[at + 6] === 1 ? 'dsp' : 'lut' };
}

/** Every option of a table as objects, in order. */
export function optionList(t: OptionTable): StageOption[] {
  return Array.from({ length: t.count }, (_, k) => optionAt(t, k));
}

/** Options as a table. */
export function packOptions(options: readonly StageOption[]): OptionTable {
  const values = new Float64Array(options.length * OPTION_STRIDE);
  options.forEach((o, k) => values.set([o.cycles, o.luts, o.dsps, o.bram, o.tm, o.tn, o.mult === 'dsp' ? 1 : 0], k * OPTION_STRIDE));
  return { count: options.length, stride: OPTION_STRIDE, values };
}

/** The Pareto-pruned options of a layer as a table (the paper's LUT-only case is cached per shape and formats). */
export function stageOptionTable(
  anyLayer: HwLayer,
  device: Device,
  settings: OptionSettings = DEFAULT_OPTION_SETTINGS,
  figures: LayerFigures = layerFigures(anyLayer),
): OptionTable {
  const layer = fpgaLayer(anyLayer);
  const bram = figures.bramBits;
  if (layer.kind === 'maxpool') return poolOptionTable(layer, settings, bram);
  const float = layer.input === 'float32' || layer.weight === 'float32';
  if (!float && settings.multipliers === 'lut') return lutOptionTable(layer, settings, bram);
  return packOptions(macOptions(layer, device, settings, bram, true));
}
