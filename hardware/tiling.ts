/**
 * The FNAS performance-abstraction model (Jiang et al., DAC 2019), after the loop-tiling accelerator of Zhang
 * et al., FPGA 2015: tiles of Tm output and Tn input channels over Tr×Tc pixels; a tile's loads and store
 * overlap its computation (double buffering), so it takes the max of its compute and transfer times; the
 * roofline bounds the throughput by the computational roof and bandwidth × computation-to-communication ratio.
 *
 * Formulas [code: FNAS PARA.py `layer_performance`, identical in XFER_FPGA; hotNAS PM_FPGA_Template.py adds
 * stride, padding and quantized weight packing] (MODELS.md §2.3, §4.1):
 *   tW = Tm·Tn·K² / ⌊W_p·portBits/wBits⌋   tI = min(Tn,N)·min(Tr,R)·min(Tc,C) / I_p
 *   tO = min(Tm,M)·⌈min(Tr,R)/S⌉·⌈min(Tc,C)/S⌉ / O_p   tComp = (kept or K²)·⌈min(Tr,R)/S⌉·⌈min(Tc,C)/S⌉
 *   Lat1 = max(tI, tW, tComp);  Lat2 = max(⌈N/Tn⌉·Lat1, tO);  Lat = B·⌈R/Tr⌉·⌈C/Tc⌉·⌈M/Tm⌉·Lat2
 * R, C are the rows/cols of the tiled input map, padded by 2P as hotNAS's PM_Layer does. With S = 1, P = 0,
 * 16-bit weights on 16-bit ports and tiles no larger than the map this is exactly the FNAS/XFER formula.
 * Port terms are real-valued (words per cycle), as in the authors' code.
 */
import { HwnasError } from '../lib/errors.js';
import { dspsPerMultiplier, type Device } from './device.js';
import { unrollCandidates } from './layer-cost.js';

/** A convolution as the tiling model sees it (dense: K = 1, R = C = 1). */
export interface TileLayer {
  readonly name?: string;
  /** Output channels. */
  readonly M: number;
  /** Input channels. */
  readonly N: number;
  /** Rows and columns of the (input) map that is tiled; equal to the output for stride 1, 'same'. */
  readonly R: number;
  readonly C: number;
  readonly K: number;
  /** Stride (default 1). */
  readonly S?: number;
  /** Padding added on each side (hotNAS PM_Layer; default 0). */
  readonly P?: number;
  /** Batch / independent groups processed one after another (default 1). */
  readonly B?: number;
  /**
   * Output rows and columns as the network declares them (AlexNet conv1: 227 in, 11×11, stride 4 → 55). When
   * absent, ⌈R/S⌉ of the padded input (hotNAS's count, which overcounts 'valid' strided layers: 57 for 55).
   */
  readonly Ro?: number;
  readonly Co?: number;
  /**
   * Weights kept per K×K kernel by pattern pruning, on an engine that skips the pruned MACs (hotNAS's
   * `pattern_ones`: tComp = kept·⌈Tr/S⌉·⌈Tc/S⌉; hardware/compression.ts sets it only with pattern support).
   * Absent: K².
   */
  readonly kept?: number;
}

/** Tile sizes. */
export interface Tiling {
  readonly Tm: number;
  readonly Tn: number;
  readonly Tr: number;
  readonly Tc: number;
}

/** Memory port parallelism in words per cycle (FNAS uses 2/2/2). */
export interface Ports {
  readonly wp: number;
  readonly ip: number;
  readonly op: number;
}

/** FNAS's ports [code: FNAS PARA.py]. */
export const FNAS_PORTS: Ports = { wp: 2, ip: 2, op: 2 };

/** Word widths: weights and port words (hotNAS packs ⌊portBits/wBits⌋ quantized weights per port word). */
export interface WordBits {
  readonly weightBits: number;
  readonly portBits: number;
}

/** 16-bit weights on 16-bit ports: FNAS/XFER. */
export const BITS16: WordBits = { weightBits: 16, portBits: 16 };

/** The terms of one layer's tiled latency. */
export interface TiledLatency {
  readonly tI: number;
  readonly tW: number;
  readonly tO: number;
  readonly tComp: number;
  readonly lat1: number;
  readonly lat2: number;
  /** Number of (Tm, Tr, Tc) tiles × B. */
  readonly tiles: number;
  /** Cycles of the whole layer. */
  readonly cycles: number;
}

function positiveInt(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 1) throw new HwnasError('HW_BAD_TILING', `${what} must be an integer ≥ 1, got ${x}`);
}

/** Checks a layer's dimensions (typed error on zero, negative or fractional values). */
export function checkTileLayer(l: TileLayer): void {
  for (const k of ['M', 'N', 'R', 'C', 'K'] as const) positiveInt(l[k], `layer ${l.name ?? ''} ${k}`.replace('  ', ' '));
  positiveInt(l.S ?? 1, 'stride');
  if (l.Ro !== undefined) positiveInt(l.Ro, 'output rows');
  if (l.Co !== undefined) positiveInt(l.Co, 'output cols');
  positiveInt(l.B ?? 1, 'batch');
  if (l.kept !== undefined && (!Number.isInteger(l.kept) || l.kept < 1 || l.kept > l.K * l.K)) {
    throw new HwnasError('HW_BAD_TILING', `kept weights per kernel must be an integer in [1, K²=${l.K * l.K}], got ${l.kept}`);
  }
  if (!Number.isInteger(l.P ?? 0) || (l.P ?? 0) < 0) throw new HwnasError('HW_BAD_TILING', `padding must be an integer ≥ 0, got ${l.P}`);
}

/** Cycles of one layer with a given tiling (the formula in the module comment). */
export function tiledLatency(l: TileLayer, t: Tiling, ports: Ports = FNAS_PORTS, bits: WordBits = BITS16): TiledLatency {
  const S = l.S ?? 1;
  const P = l.P ?? 0;
  const B = l.B ?? 1;
  const R = l.R + 2 * P;
  const C = l.C + 2 * P;
  const packed = Math.floor((ports.wp * bits.portBits) / bits.weightBits);
  if (packed < 1) throw new HwnasError('HW_BAD_TILING', `weight port carries no whole weight: ${ports.wp}×${bits.portBits} bits for ${bits.weightBits}-bit weights`);
  const tr = Math.min(t.Tr, R);
  const tc = Math.min(t.Tc, C);
  // Outputs per tile and tiles per side. With declared outputs (Ro, Co) a tile of Tr input rows yields ⌈Tr/S⌉
  // output rows, at most Ro, and ⌈Ro/⌈Tr/S⌉⌉ row tiles cover the Ro outputs: the work is counted from the
  // outputs the network has, not from ⌈R/S⌉ (issue 18). Without them, hotNAS's input-side count.
  const outR = l.Ro === undefined ? Math.ceil(tr / S) : Math.min(Math.ceil(tr / S), l.Ro);
  const outC = l.Co === undefined ? Math.ceil(tc / S) : Math.min(Math.ceil(tc / S), l.Co);
  const rowTiles = l.Ro === undefined ? Math.ceil(R / t.Tr) : Math.ceil(l.Ro / Math.ceil(t.Tr / S));
  const colTiles = l.Co === undefined ? Math.ceil(C / t.Tc) : Math.ceil(l.Co / Math.ceil(t.Tc / S));
  const tW = (t.Tm * t.Tn * l.K * l.K) / packed;
  const tI = (Math.min(t.Tn, l.N) * tr * tc) / ports.ip;
  const tO = (Math.min(t.Tm, l.M) * outR * outC) / ports.op;
  const tComp = (l.kept ?? l.K * l.K) * outR * outC;
  const lat1 = Math.max(tI, tW, tComp);
  const lat2 = Math.max(Math.ceil(l.N / t.Tn) * lat1, tO);
  const tiles = B * rowTiles * colTiles * Math.ceil(l.M / t.Tm);
  return { tI, tW, tO, tComp, lat1, lat2, tiles, cycles: tiles * lat2 };
}

/** Operations (2 per MAC) of a layer: OP = 2·B·Ro·Co·M·N·K² (declared outputs, else ⌈R/S⌉ as in FNAS). */
export function layerOps(l: TileLayer): number {
  const S = l.S ?? 1;
  return 2 * (l.B ?? 1) * (l.Ro ?? Math.ceil(l.R / S)) * (l.Co ?? Math.ceil(l.C / S)) * l.M * l.N * l.K * l.K;
}

/** Precision of the datapath: fixed point of `bits` bits, or float32. */
export type Precision = number | 'float32';

/** DSP blocks per MAC [code: FNAS/XFER]: 5 for float32 (3 multiply + 2 add), else the device's multiplier cost. */
export function dspsPerMac(device: Device, p: Precision): number {
  return p === 'float32' ? 5 : dspsPerMultiplier(device, p, p);
}

/**
 * BRAM blocks of a tiling [code: XFER_FPGA PARA.py]: double-buffered input and output tiles, and the weight
 * buffer; XFER divides by BRAM_SIZE = 18,000 bits, we use the device's block size (the golden vector is the same).
 *   2·Tn·⌈Tr·Tc·bw/blk⌉ + 2·Tm·⌈Tr·Tc·bw/blk⌉ + (float32: 2·Tm·Tn·⌈K²·bw/blk⌉ | fixed: Tm·Tn·⌈4·K²·bw/blk⌉)
 */
export function tilingBramBlocks(l: TileLayer, t: Tiling, p: Precision, blockBits: number): number {
  const bw = p === 'float32' ? 32 : p;
  const tile = Math.ceil((t.Tr * t.Tc * bw) / blockBits);
  const weights = p === 'float32' ? 2 * t.Tm * t.Tn * Math.ceil((l.K * l.K * bw) / blockBits) : t.Tm * t.Tn * Math.ceil((4 * l.K * l.K * bw) / blockBits);
  return 2 * t.Tn * tile + 2 * t.Tm * tile + weights;
}

/** What a tiling search may use. */
export interface TilingLimits {
  /** DSP blocks available to this layer. */
  readonly dsps: number;
  /** BRAM blocks available (Infinity: unchecked, as FNAS). */
  readonly bramBlocks: number;
}

/** Search settings. */
export interface TilingSearch {
  readonly ports: Ports;
  readonly bits: WordBits;
  readonly precision: Precision;
  /** Fixed Tr = Tc (FNAS uses 20); undefined: search Tr, Tc over their useful values. */
  readonly fixedTrTc?: number;
}

/** FNAS's search: Tr = Tc = 20, 16-bit, ports 2/2/2 [code: FNAS PARA.py]. */
export const FNAS_SEARCH: TilingSearch = { ports: FNAS_PORTS, bits: BITS16, precision: 16, fixedTrTc: 20 };

/** A layer's tiling with its latency and resources. */
export interface LayerTiling {
  readonly tiling: Tiling;
  readonly latency: TiledLatency;
  readonly dsps: number;
  readonly bramBlocks: number;
}

/** Tr/Tc values worth trying for a map side: the smallest tile for each tile count. */
function tileCandidates(side: number): number[] {
  return unrollCandidates(side, side);
}

/**
 * The lowest-latency tiling of a layer within `limits`: Tm, Tn over their useful values (equivalent to FNAS's
 * exhaustive Tm ∈ [1..M], Tn ∈ [1..N] scan, ties to the first in that order), Tr, Tc fixed or searched.
 * Returns undefined when no tiling fits (not even 1×1).
 */
export function bestLayerTiling(
  l: TileLayer,
  device: Device,
  limits: TilingLimits,
  search: TilingSearch,
  /** Fix ⟨Tm, Tn⟩ (a shared engine) and search only Tr, Tc. */
  fixed?: { readonly Tm: number; readonly Tn: number },
): LayerTiling | undefined {
  checkTileLayer(l);
  const perMac = dspsPerMac(device, search.precision);
  const R = l.R + 2 * (l.P ?? 0);
  const C = l.C + 2 * (l.P ?? 0);
  const trs = search.fixedTrTc ? [search.fixedTrTc] : tileCandidates(R);
  const tcs = search.fixedTrTc ? [search.fixedTrTc] : tileCandidates(C);
  let best: LayerTiling | undefined;
  for (const Tm of fixed ? [fixed.Tm] : unrollCandidates(l.M, l.M)) {
    for (const Tn of fixed ? [fixed.Tn] : unrollCandidates(l.N, l.N)) {
      const dsps = Math.ceil(Tm * Tn * perMac);
      if (dsps > limits.dsps) continue;
      // For this ⟨Tm, Tn⟩ the best ⟨Tr, Tc⟩: fewest cycles, then fewest BRAM blocks, then fewest tiles.
      let here: LayerTiling | undefined;
      for (const Tr of trs) {
        for (const Tc of tcs) {
          const t = { Tm, Tn, Tr, Tc };
          const bram = tilingBramBlocks(l, t, search.precision, device.bramBlockBits);
          if (bram > limits.bramBlocks) continue;
          const lat = tiledLatency(l, t, search.ports, search.bits);
          const better = !here || lat.cycles < here.latency.cycles || (lat.cycles === here.latency.cycles &&
            (bram < here.bramBlocks || (bram === here.bramBlocks && lat.tiles < here.latency.tiles)));
          if (better) {
            here = { tiling: t, latency: lat, dsps, bramBlocks: bram };
          }
        }
      }
      // Across ⟨Tm, Tn⟩ the first strict improvement wins, as in FNAS's scan.
      if (here && (!best || here.latency.cycles < best.latency.cycles)) best = here;
    }
  }
  return best;
}

/**
 * FNAS's DSP allocation across layers [code: FNAS PARA.py `dsp_allo`]: each layer gets a share proportional to
 * its MACs, at least 1: dsp_i = max(1, ⌊DSP·MAC_i / ΣMAC⌋).
 */
export function allocateDsps(layers: readonly TileLayer[], total: number): number[] {
  const macs = layers.map((l) => layerOps(l) / 2);
  const sum = macs.reduce((a, b) => a + b, 0);
  return macs.map((m) => Math.max(1, Math.floor((total * m) / sum)));
}

/** The FNAS analyzer result for a whole network. */
export interface FnasResult {
  readonly layers: readonly (LayerTiling & { readonly layer: TileLayer; readonly dspShare: number })[];
  /** Σ layer cycles: latency of one image, layers one after another (MODELS.md §2.3 [inferred]). */
  readonly totalCycles: number;
  /** Slowest layer: the initiation interval when each layer has its own engine (pipelined). */
  readonly maxCycles: number;
  readonly dsps: number;
  readonly bramBlocks: number;
}

/** A layer that has no tiling within its DSP share. */
export interface FnasUnfit {
  readonly unfit: {
    readonly index: number;
    readonly name: string;
    readonly share: number;
    readonly dspsPerMac: number;
    /** `dsps`: not even one MAC fits the share; `bram`: no tiling's buffers fit the block RAM. */
    readonly cause: 'dsps' | 'bram';
    /** BRAM blocks of the smallest tiling (1×1×1×1), for the `bram` cause. */
    readonly minBramBlocks: number;
    /** Σ of every layer's smallest buffers, when that sum (not one layer) is over the block RAM. */
    readonly totalMinBramBlocks?: number;
  };
}

/** FNAS on a network, reporting the first layer without a tiling instead of throwing. */
export function tryFnasNetwork(
  layers: readonly TileLayer[],
  device: Device,
  search: TilingSearch,
  dspTotal = device.dsps,
  bramBlocks = Infinity,
): FnasResult | FnasUnfit {
  if (layers.length === 0) throw new HwnasError('HW_EMPTY_NETWORK', 'no layers to tile');
  const first = tileWithShares(layers, device, search, dspTotal, layers.map(() => bramBlocks));
  if ('unfit' in first || !Number.isFinite(bramBlocks) || first.bramBlocks <= bramBlocks) return first;
  // Each layer's fastest tiling fits the block RAM alone but not all together (AlexNet at 16 bits on a VC707).
  // FNAS checks no BRAM; we share the blocks as FNAS shares DSPs [inferred]: every layer keeps its smallest
  // buffers (1×1×1×1) and the rest is split in proportion to what its fastest tiling wanted, then each layer is
  // re-tiled within its share — so the total fits whenever the smallest buffers do.
  const mins = layers.map((l) => tilingBramBlocks(l, { Tm: 1, Tn: 1, Tr: 1, Tc: 1 }, search.precision, device.bramBlockBits));
  const sumMin = mins.reduce((a, b) => a + b, 0);
  if (sumMin > bramBlocks) {
    const i = mins.indexOf(Math.max(...mins));
    return {
      unfit: {
        index: i, name: layers[i].name ?? `#${i}`, share: first.layers[i].dspShare, dspsPerMac: dspsPerMac(device, search.precision),
        cause: 'bram', minBramBlocks: mins[i], totalMinBramBlocks: sumMin,
      },
    };
  }
  const extra = first.layers.map((l, i) => Math.max(0, l.bramBlocks - mins[i]));
  const sumExtra = extra.reduce((a, b) => a + b, 0);
  const shares = mins.map((m, i) => m + Math.floor(((bramBlocks - sumMin) * extra[i]) / Math.max(sumExtra, 1)));
  return tileWithShares(layers, device, search, dspTotal, shares);
}

/** FNAS's per-layer tiling with DSP shares by MACs and the given BRAM limit per layer. */
function tileWithShares(
  layers: readonly TileLayer[],
  device: Device,
  search: TilingSearch,
  dspTotal: number,
  bramShares: readonly number[],
): FnasResult | FnasUnfit {
  const shares = allocateDsps(layers, dspTotal);
  const out: (LayerTiling & { layer: TileLayer; dspShare: number })[] = [];
  for (let i = 0; i < layers.length; i++) {
    const t = bestLayerTiling(layers[i], device, { dsps: shares[i], bramBlocks: bramShares[i] }, search);
    if (!t) {
      const perMac = dspsPerMac(device, search.precision);
      const minBram = tilingBramBlocks(layers[i], { Tm: 1, Tn: 1, Tr: 1, Tc: 1 }, search.precision, device.bramBlockBits);
      return {
        unfit: {
          index: i, name: layers[i].name ?? `#${i}`, share: shares[i], dspsPerMac: perMac,
          cause: Math.ceil(perMac) > shares[i] ? 'dsps' : 'bram', minBramBlocks: minBram,
        },
      };
    }
    out.push({ ...t, layer: layers[i], dspShare: shares[i] });
  }
  return {
    layers: out,
    totalCycles: out.reduce((s, l) => s + l.latency.cycles, 0),
    maxCycles: Math.max(...out.map((l) => l.latency.cycles)),
    dsps: out.reduce((s, l) => s + l.dsps, 0),
    bramBlocks: out.reduce((s, l) => s + l.bramBlocks, 0),
  };
}

/**
 * FNAS: allocate DSPs by MACs, then tile each layer within its share. Throws a typed error when a layer has no
 * tiling within its share (e.g. a float layer given fewer than 5 DSPs).
 */
export function fnasNetwork(layers: readonly TileLayer[], device: Device, search: TilingSearch, dspTotal = device.dsps, bramBlocks = Infinity): FnasResult {
  const r = tryFnasNetwork(layers, device, search, dspTotal, bramBlocks);
  if ('unfit' in r) {
    const u = r.unfit;
    throw new HwnasError(
      'HW_LAYER_CANNOT_FIT',
      u.cause === 'dsps'
        ? `layer ${u.name} has no tiling within its ${u.share} DSP share (${u.dspsPerMac} DSP per MAC)`
        : `layer ${u.name} has no tiling whose buffers fit the block RAM (at least ${u.minBramBlocks} blocks)`,
    );
  }
  return r;
}

/**
 * A single engine with one ⟨Tm, Tn⟩ for every layer, run layer after layer (Zhang 2015's cross-layer
 * "unified unroll factors"); Tr, Tc may differ per layer. Minimises Σ latency within the DSP and BRAM limits.
 */
export function bestUniformTiling(
  layers: readonly TileLayer[],
  device: Device,
  limits: TilingLimits,
  search: TilingSearch,
): { Tm: number; Tn: number; layers: LayerTiling[]; totalCycles: number } | undefined {
  if (layers.length === 0) throw new HwnasError('HW_EMPTY_NETWORK', 'no layers to tile');
  layers.forEach(checkTileLayer);
  const perMac = dspsPerMac(device, search.precision);
  // Within a range of Tm where every layer's ⌈M/Tm⌉ is constant, the smallest Tm is best for all layers, and
  // it is the largest of the layers' own smallest factors: so the union of the layers' candidates is exact.
  const tms = [...new Set(layers.flatMap((l) => unrollCandidates(l.M, l.M)))].sort((a, b) => a - b);
  const tns = [...new Set(layers.flatMap((l) => unrollCandidates(l.N, l.N)))].sort((a, b) => a - b);
  let best: { Tm: number; Tn: number; layers: LayerTiling[]; totalCycles: number } | undefined;
  for (const Tm of tms) {
    for (const Tn of tns) {
      if (Math.ceil(Tm * Tn * perMac) > limits.dsps) continue;
      const per: LayerTiling[] = [];
      let total = 0;
      for (const l of layers) {
        const t = bestLayerTiling(l, device, limits, search, { Tm, Tn });
        if (!t) {
          total = Infinity;
          break;
        }
        per.push(t);
        total += t.latency.cycles;
      }
      if (total < (best?.totalCycles ?? Infinity)) best = { Tm, Tn, layers: per, totalCycles: total };
    }
  }
  return best;
}

/** Roofline figures of a set of tiled layers (Zhang et al. 2015). */
export interface Roofline {
  readonly ops: number;
  /** Compute-only cycles: Σ B·⌈M/Tm⌉⌈N/Tn⌉⌈R/Tr⌉⌈C/Tc⌉·Tr·Tc·K². */
  readonly computeCycles: number;
  /** ops / compute cycles · f, in GOP/s. */
  readonly computationalRoofGops: number;
  /** Computation-to-communication ratio: ops per byte of off-chip traffic. */
  readonly ctc: number;
  /** Bandwidth × CTC in GOP/s (undefined without a bandwidth). */
  readonly bandwidthRoofGops?: number;
  /** min(computational roof, bandwidth roof). */
  readonly attainableGops: number;
  readonly bound: 'compute' | 'memory' | 'unknown';
}

/**
 * Roofline of layers with their tilings, in Zhang 2015's notation where R, C are the OUTPUT map and tiles
 * Tr × Tc of outputs read (S·Tr + K − S) × (S·Tc + K − S) inputs. Off-chip words per layer
 * [reconstructed from the paper's definitions; not re-checked against its text here]:
 *   α_in = α_w = B·⌈M/Tm⌉⌈N/Tn⌉⌈R/Tr⌉⌈C/Tc⌉, α_out = B·⌈M/Tm⌉⌈R/Tr⌉⌈C/Tc⌉
 *   β_in = Tn(S·Tr+K−S)(S·Tc+K−S), β_w = Tm·Tn·K², β_out = Tm·Tr·Tc
 *   CTC = ops / ((α_in·β_in + α_w·β_w + α_out·β_out) · bytes per word)
 */
export function roofline(
  items: readonly { readonly layer: TileLayer; readonly tiling: Tiling }[],
  o: { readonly clockMHz: number; readonly bytesPerWord: number; readonly bandwidthGBs?: number },
): Roofline {
  let ops = 0, cycles = 0, words = 0;
  for (const { layer: l, tiling: t } of items) {
    checkTileLayer(l);
    const S = l.S ?? 1;
    const B = l.B ?? 1;
    const mt = Math.ceil(l.M / t.Tm), nt = Math.ceil(l.N / t.Tn), rt = Math.ceil(l.R / t.Tr), ct = Math.ceil(l.C / t.Tc);
    ops += 2 * B * l.R * l.C * l.M * l.N * l.K * l.K;
    cycles += B * mt * nt * rt * ct * t.Tr * t.Tc * l.K * l.K;
    const alpha = B * mt * nt * rt * ct;
    const alphaOut = B * mt * rt * ct;
    const bIn = t.Tn * (S * t.Tr + l.K - S) * (S * t.Tc + l.K - S);
    words += alpha * (bIn + t.Tm * t.Tn * l.K * l.K) + alphaOut * t.Tm * t.Tr * t.Tc;
  }
  const comp = (ops / cycles) * o.clockMHz * 1e6 / 1e9;
  const ctc = ops / (words * o.bytesPerWord);
  const bw = o.bandwidthGBs === undefined ? undefined : ctc * o.bandwidthGBs;
  const attainable = bw === undefined ? comp : Math.min(comp, bw);
  return {
    ops, computeCycles: cycles, computationalRoofGops: comp, ctc, bandwidthRoofGops: bw, attainableGops: attainable,
    bound: bw === undefined ? 'unknown' : bw < comp ? 'memory' : 'compute',
  };
}
