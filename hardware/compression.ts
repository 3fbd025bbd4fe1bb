/**
 * Compression on the tiled accelerator (HotNAS, Jiang et al. CODES+ISSS'20; MODELS.md §4.1): what a pruned
 * and quantized network gains on the FPGA template, and what the support for it costs.
 *
 *  - Channel pruning: the pruned filters are not built or computed — layer i has M = kept filters and the
 *    next MAC layer N = that many input channels (a dense layer: H·W·kept inputs). It needs no support: the
 *    network is simply narrower (HotNAS cuts channels in the model itself [code: model_modify.py Channel_Cut]).
 *  - Pattern pruning: with `support.patterns`, a pattern-pruned conv engine computes only the kept weights of
 *    each kernel: tComp = kept·⌈Tr/S⌉·⌈Tc/S⌉ (hotNAS's `pattern_ones` [code: PM_FPGA_Template.py
 *    get_cconv_latency]). Without the support the zeros are multiplied as any weight: no gain.
 *  - Weight packing: with `support.packing`, q-bit weights travel ⌊W_p·16/q⌋ per port word (hotNAS's
 *    lat_W_mem = Tm·Tn·K²/⌊W_p·16/q⌋ [code: same]); without it each weight takes a 16-bit word (lat_W_mem =
 *    Tm·Tn·K²/W_p, hotNAS's branch without `quan_paras`).
 *
 * Costs of the support, in the resources the template counts (DSPs, BRAM) [inferred: the HotNAS code does not
 * cost them; these are our estimates of what the datapath needs; LUTs of the muxes and shifters are not counted
 * because the tiling models count no LUTs]:
 *  - pattern support, on every 3×3 conv engine: pattern-indexed reads need a second read port on each input
 *    tile buffer, so the input buffers are duplicated: +2·Tn·⌈Tr·Tc·bw/blk⌉ blocks (the template's input-buffer
 *    term), plus a double-buffered pattern index of ⌈log2 |set|⌉ = 2 bits per kernel: +⌈2·Tm·Tn·2/blk⌉ blocks;
 *  - packing support, on every MAC engine: one FIFO block per weight-port word lane for the unpacker, +W_p blocks.
 */
import type { Compression, CompressionSupport, LayerCompression } from '../lib/space/decode-compression.js';
import type { Ports, Precision, TileLayer, Tiling } from './tiling.js';

/** Port word width of the template (bits) [code: hotNAS PM_FPGA_Template.py `floor(W_p*16/bits)`]. */
export const PACKING_WORD_BITS = 16;

/** Pattern index bits per kernel: ⌈log2 4⌉ for the 4-pattern sets of HotNAS/PatDNN [inferred]. */
export const PATTERN_INDEX_BITS = 2;

/** A MAC layer as the design model sees it, before compression. */
export interface CompressibleItem {
  readonly name: string;
  readonly layer: TileLayer;
  /** Bits of one weight (32 for float). */
  readonly weightBits: number;
}

/** A MAC layer after compression, with the weight width its port traffic is counted at. */
export interface CompressedItem {
  readonly layer: TileLayer;
  /** Bits one weight occupies on the weight port: q when packed, else a whole 16-bit word. */
  readonly portWeightBits: number;
}

/**
 * The layers as the hardware runs them under `c`: channel pruning always (M, and the next layer's N), the
 * pattern term only with pattern support, packed weights only with packing support. `items` are the MAC
 * layers in network order; conv layers are matched to `c.layers` by name.
 */
export function compressItems(items: readonly CompressibleItem[], c: Compression): CompressedItem[] {
  const byName = new Map<string, LayerCompression>(c.layers.map((l) => [l.layer, l]));
  let prev: LayerCompression | undefined;
  return items.map((it) => {
    const lc = byName.get(it.name);
    let l: TileLayer = it.layer;
    if (prev && prev.keptFilters < prev.filters) {
      // The inputs of the pruned channels are gone: a conv sees kept channels, a dense layer H·W·kept features.
      l = { ...l, N: Math.max(1, Math.round((l.N * prev.keptFilters) / prev.filters)) };
    }
    if (lc) {
      l = { ...l, M: lc.keptFilters };
      if (c.support.patterns && lc.pattern && l.K * l.K > lc.pattern.kept) l = { ...l, kept: lc.pattern.kept };
    }
    prev = lc;
    return { layer: l, portWeightBits: portWeightBits(it.weightBits, c.support) };
  });
}

/** Bits a weight occupies on the port: q with packing (at most a word), else a whole word. */
export function portWeightBits(weightBits: number, support: CompressionSupport): number {
  return support.packing ? Math.min(weightBits, PACKING_WORD_BITS) : PACKING_WORD_BITS;
}

/** Extra BRAM blocks of one engine for the enabled support (the module comment's estimates). */
export function supportBramBlocks(
  layer: TileLayer,
  t: Tiling,
  precision: Precision,
  ports: Ports,
  blockBits: number,
  support: CompressionSupport,
): number {
  const bw = precision === 'float32' ? 32 : precision;
  let blocks = 0;
  if (support.patterns && layer.K === 3) {
    blocks += 2 * t.Tn * Math.ceil((t.Tr * t.Tc * bw) / blockBits);
    blocks += Math.ceil((2 * t.Tm * t.Tn * PATTERN_INDEX_BITS) / blockBits);
  }
  if (support.packing) blocks += Math.ceil(ports.wp);
  return blocks;
}
