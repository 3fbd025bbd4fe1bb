/**
 * An analytical edge-accelerator template (NAHAS / Apollo style, MODELS-ACCELERATORS §2.2–2.3): a 2-D array of
 * PEs, each with SIMD units of compute lanes, a register file and a local memory; a global on-chip memory; an I/O
 * (DRAM) bandwidth. It is a proxy, not the paper's internal simulator (which is not public).
 *
 * Per layer, given a mapping (how the layer is split over the PEs, and the tile each PE keeps in local memory):
 * - compute cycles = MACs / (PEs·SIMD·lanes) / utilisation, where the utilisation counts the idle PEs of the
 *   split, the idle SIMD units (output channels per PE) and idle lanes (the reduction: C·R·S for a convolution,
 *   only R·S for a depthwise one — why depthwise is slow on such arrays and fused inverted bottlenecks help);
 * - on-chip traffic: each PE streams its operands from global memory into its local memory once per tile pass
 *   (inputs once per output-channel tile, weights once per output-row tile);
 * - DRAM traffic: the weights, plus the activations when input + output do not fit in global memory;
 * - latency = max(compute, global-memory traffic / its bandwidth, DRAM traffic / I/O bandwidth): a roofline over
 *   the buffers;
 * - energy = Σ accesses × per-access energy (hardware/energy-constants.ts, shared with the ASIC models);
 * - area = PEs·(lanes·SIMD·A_mac + (local + RF bytes)·A_sram) + global bytes·A_sram (MAESTRO's 28 nm unit areas).
 * Model-level EDP = (Σ latency)·(Σ energy), as Spotlight's outer objective (MODELS-ACCELERATORS §1.3).
 */
import { EYERISS_NORMALISED, MAESTRO_AREA, MAESTRO_ENERGY, type EnergyTable } from './energy-constants.js';

/** One configuration of the template. */
export interface EdgeAccelerator {
  readonly name: string;
  readonly pesX: number;
  readonly pesY: number;
  /** SIMD units per PE. */
  readonly simd: number;
  /** Compute lanes per SIMD unit (MACs per cycle each). */
  readonly lanes: number;
  /** Register file per PE, KiB. */
  readonly registerFileKB: number;
  /** Local memory per PE, KiB. */
  readonly localMemoryKB: number;
  /** Global on-chip memory, KiB. */
  readonly globalMemoryKB: number;
  /** I/O (DRAM) bandwidth, GB/s. */
  readonly ioGBps: number;
  readonly clockMHz: number;
}

/**
 * Bytes per word: int8 inference, as the Edge TPU runs [recall, hi: Coral Edge TPU executes int8-quantized TFLite models].
 */
export const EDGE_WORD_BYTES = 1;

/** Global-memory bandwidth per PE, bytes per cycle [inferred: one 128-bit port per PE]. */
export const GLOBAL_BYTES_PER_CYCLE_PER_PE = 16;

/** Register-file access energy relative to a MAC: Eyeriss' normalised RF cost (1×) [recall, hi; energy-constants.ts]. */
const RF_PER_MAC = EYERISS_NORMALISED.rf;

/** The catalog: an Edge-TPU-like baseline and two smaller points. */
export const EDGE_ACCELERATORS = {
  /**
   * Edge-TPU-like: 4×4 PEs × 64 SIMD × 4 lanes = 4096 MACs/cycle at 500 MHz ≈ 4 TOPS int8 (Coral's datasheet figure
   * "4 TOPS" [recall, hi]); 8 MiB of on-chip SRAM (Coral's compiler caches parameters in "8 MB of SRAM" [recall, med])
   * split 16 × 256 KiB local + 4 MiB global here [inferred]; 32 KiB RF per PE [inferred]; I/O 16 GB/s [recall, lo:
   * LPDDR4-class edge memory].
   */
  'edgetpu-like': { name: 'edgetpu-like', pesX: 4, pesY: 4, simd: 64, lanes: 4, registerFileKB: 32, localMemoryKB: 256, globalMemoryKB: 4096, ioGBps: 16, clockMHz: 500 },
  /** A quarter of it [inferred]. */
  'edge-small': { name: 'edge-small', pesX: 2, pesY: 2, simd: 32, lanes: 4, registerFileKB: 16, localMemoryKB: 128, globalMemoryKB: 1024, ioGBps: 8, clockMHz: 500 },
  /** A large point of the grid of §2.2 [recall, lo]. */
  'edge-large': { name: 'edge-large', pesX: 8, pesY: 8, simd: 64, lanes: 4, registerFileKB: 64, localMemoryKB: 512, globalMemoryKB: 8192, ioGBps: 25, clockMHz: 500 },
} as const satisfies Record<string, EdgeAccelerator>;

/** Catalog names. */
export type EdgeAcceleratorName = keyof typeof EDGE_ACCELERATORS;

/** One layer of the workload: a convolution (regular, depthwise or 1×1) or a dense layer as a 1×1 convolution. */
export interface EdgeLayer {
  readonly name: string;
  readonly kind: 'conv' | 'depthwise' | 'dense';
  /** Output height and width. */
  readonly h: number;
  readonly w: number;
  /** Input and output channels (equal for depthwise). */
  readonly c: number;
  readonly k: number;
  /** Kernel size and stride. */
  readonly r: number;
  readonly stride: number;
}

/** How one layer runs: the dimension split over the PEs and the tile a PE keeps in local memory. */
export interface EdgeMapping {
  /** `k`: output channels over the PEs; `rows`: output rows over the PEs. */
  readonly split: 'k' | 'rows';
  /** Output channels per tile. */
  readonly tileK: number;
  /** Output rows per tile. */
  readonly tileRows: number;
}

/** Cost of one layer. */
export interface EdgeLayerCost {
  readonly macs: number;
  readonly cycles: number;
  readonly computeCycles: number;
  readonly latencyMs: number;
  readonly energyNj: number;
  readonly utilisation: number;
  /** Bytes moved global → local and DRAM ↔ chip. */
  readonly globalBytes: number;
  readonly dramBytes: number;
  /** Which roof bounds the layer. */
  readonly bound: 'compute' | 'global' | 'dram';
  /** Local-memory bytes the tile needs (must be ≤ the local memory). */
  readonly tileBytes: number;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);
/** Fraction of `units` busy when `work` items are dealt out `units` at a time. */
const fill = (work: number, units: number): number => work / (units * ceilDiv(work, units));

/** MACs of a layer. */
export function edgeLayerMacs(l: EdgeLayer): number {
  return l.kind === 'depthwise' ? l.h * l.w * l.c * l.r * l.r : l.h * l.w * l.k * l.c * l.r * l.r;
}

/** Input width/height a tile of `rows` output rows needs (with the halo). */
const inRows = (l: EdgeLayer, rows: number): number => (rows - 1) * l.stride + l.r;

/**
 * Local-memory bytes of a tile: weights (tileK output channels), the input rows with their halo (all input
 * channels, or only tileK of them for depthwise), the output tile. As a sum of products of the mapping genes, so
 * the co-design problem declares it as a known constraint (problems/edge-codesign.ts).
 */
export function edgeTileBytes(l: EdgeLayer, m: EdgeMapping): number {
  const tk = Math.min(m.tileK, l.k);
  const rows = Math.min(m.tileRows, l.h);
  const win = inRows(l, l.w);
  const weights = l.kind === 'depthwise' ? tk * l.r * l.r : tk * l.c * l.r * l.r;
  const inputs = inRows(l, rows) * win * (l.kind === 'depthwise' ? tk : l.c);
  const outputs = rows * l.w * tk;
  return (weights + inputs + outputs) * EDGE_WORD_BYTES;
}

/** Latency, energy and traffic of one layer on `hw` with mapping `m`. */
export function edgeLayerCost(l: EdgeLayer, m: EdgeMapping, hw: EdgeAccelerator, energy: EnergyTable = MAESTRO_ENERGY): EdgeLayerCost {
  const pes = hw.pesX * hw.pesY;
  const macs = edgeLayerMacs(l);
  // Split over PEs.
  const splitWork = m.split === 'k' ? l.k : l.h;
  const perPe = ceilDiv(splitWork, pes);
  const uSplit = fill(splitWork, pes);
  const kPerPe = m.split === 'k' ? perPe : l.k;
  const rowsPerPe = m.split === 'k' ? l.h : perPe;
  // Within a PE: SIMD units over output channels, lanes over the reduction.
  const uSimd = fill(Math.min(kPerPe, Math.max(1, m.tileK)), hw.simd);
  const reduction = l.kind === 'depthwise' ? l.r * l.r : l.c * l.r * l.r;
  const uLanes = fill(reduction, hw.lanes);
  const utilisation = uSplit * uSimd * uLanes;
  const computeCycles = Math.ceil(macs / (pes * hw.simd * hw.lanes * utilisation));

  // Tiling passes inside a PE.
  const tk = Math.min(m.tileK, kPerPe);
  const rows = Math.min(m.tileRows, rowsPerPe);
  const kPasses = ceilDiv(kPerPe, tk);
  const rowPasses = ceilDiv(rowsPerPe, rows);
  const inW = inRows(l, l.w);
  const inputBytes = inRows(l, l.h) * inW * l.c * EDGE_WORD_BYTES;
  const weightBytes = (l.kind === 'depthwise' ? l.k * l.r * l.r : l.k * l.c * l.r * l.r) * EDGE_WORD_BYTES;
  const outputBytes = l.h * l.w * l.k * EDGE_WORD_BYTES;
  // Bytes each PE pulls from global memory: its inputs once per K tile (depthwise: only its channels), its weights
  // once per row tile.
  const peInput =
    m.split === 'k'
      ? (l.kind === 'depthwise' ? inputBytes / pes : inputBytes * kPasses)
      : (inRows(l, rowsPerPe) * inW * l.c * EDGE_WORD_BYTES) * (l.kind === 'depthwise' ? 1 : kPasses);
  const peWeights = (m.split === 'k' ? weightBytes / pes : weightBytes) * rowPasses;
  const globalBytes = pes * (peInput + peWeights) + outputBytes;
  const spill = inputBytes + outputBytes > hw.globalMemoryKB * 1024 ? inputBytes + outputBytes : 0;
  const dramBytes = weightBytes + spill;

  const globalCycles = globalBytes / (GLOBAL_BYTES_PER_CYCLE_PER_PE * pes);
  const dramCycles = dramBytes / ((hw.ioGBps * 1e9) / (hw.clockMHz * 1e6));
  const cycles = Math.max(computeCycles, globalCycles, dramCycles);
  const bound = cycles === computeCycles ? 'compute' : cycles === globalCycles ? 'global' : 'dram';

  // Energy: MACs; RF operand traffic; local-memory reads into the RF (inputs shared by the SIMD units, weights
  // reused over the output pixels whose accumulators the RF holds); fills of local memory; global reads + NoC; DRAM.
  const words = (b: number): number => b / EDGE_WORD_BYTES;
  const rfPixels = Math.max(1, Math.floor((hw.registerFileKB * 1024) / (4 * hw.simd * hw.lanes)));
  const localReads = macs / Math.max(1, Math.min(hw.simd, kPerPe)) + macs / Math.min(rfPixels, l.h * l.w);
  const localAccesses = localReads + words(globalBytes);
  const pj =
    macs * energy.mac +
    3 * macs * RF_PER_MAC * energy.mac +
    localAccesses * energy.l1 +
    words(globalBytes) * (energy.l2 + energy.noc) +
    words(dramBytes) * energy.dram;
  return {
    macs,
    cycles,
    computeCycles,
    latencyMs: cycles / (hw.clockMHz * 1e3),
    energyNj: pj / 1e3,
    utilisation,
    globalBytes,
    dramBytes,
    bound,
    tileBytes: edgeTileBytes(l, m),
  };
}

/** Chip area, µm² (MAESTRO's 28 nm unit areas; RF counted as SRAM). */
export function edgeArea(hw: EdgeAccelerator): number {
  const pes = hw.pesX * hw.pesY;
  return pes * (hw.simd * hw.lanes * MAESTRO_AREA.mac + (hw.localMemoryKB + hw.registerFileKB) * 1024 * MAESTRO_AREA.sramPerByte) + hw.globalMemoryKB * 1024 * MAESTRO_AREA.sramPerByte;
}

/** Whole-network figures. */
export interface EdgeNetworkCost {
  readonly latencyMs: number;
  readonly energyNj: number;
  /** (Σ latency)·(Σ energy), nJ·ms. */
  readonly edp: number;
  readonly areaMm2: number;
  readonly layers: readonly EdgeLayerCost[];
  /** Layers whose tile does not fit local memory (a known-constraint violation). */
  readonly overflowing: number;
}

/** Costs of a network with one mapping per layer. */
export function edgeNetworkCost(layers: readonly EdgeLayer[], mappings: readonly EdgeMapping[], hw: EdgeAccelerator, energy?: EnergyTable): EdgeNetworkCost {
  const costs = layers.map((l, i) => edgeLayerCost(l, mappings[i], hw, energy));
  const latencyMs = costs.reduce((s, c) => s + c.latencyMs, 0);
  const energyNj = costs.reduce((s, c) => s + c.energyNj, 0);
  return {
    latencyMs,
    energyNj,
    edp: latencyMs * energyNj,
    areaMm2: edgeArea(hw) / 1e6,
    layers: costs,
    overflowing: costs.filter((c) => c.tileBytes > hw.localMemoryKB * 1024).length,
  };
}

/** Candidate mapping values (powers of two), shared by the co-design genes and the exhaustive mapper. */
export const TILE_K_CHOICES = [8, 16, 32, 64, 128, 256] as const;
export const TILE_ROWS_CHOICES = [1, 2, 4, 8, 16, 32] as const;

/**
 * The exact per-layer mapper for a fixed accelerator: every (split, tileK, tileRows) that fits local memory,
 * keeping the one of least layer EDP (72 mappings per layer). Null when no mapping of a layer fits.
 */
export function bestEdgeMappings(layers: readonly EdgeLayer[], hw: EdgeAccelerator): EdgeMapping[] | null {
  const out: EdgeMapping[] = [];
  for (const l of layers) {
    let best: EdgeMapping | null = null;
    let bestEdp = Infinity;
    for (const split of ['k', 'rows'] as const) {
      for (const tileK of TILE_K_CHOICES) {
        for (const tileRows of TILE_ROWS_CHOICES) {
          const m = { split, tileK, tileRows };
          if (edgeTileBytes(l, m) > hw.localMemoryKB * 1024) continue;
          const c = edgeLayerCost(l, m, hw);
          if (c.latencyMs * c.energyNj < bestEdp) {
            bestEdp = c.latencyMs * c.energyNj;
            best = m;
          }
        }
      }
    }
    if (!best) return null;
    out.push(best);
  }
  return out;
}
