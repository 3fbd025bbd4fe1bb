/**
 * The compression decoder: the only reader of a hotnas-family genome's compression genes (`L<i>.pattern`,
 * `L<i>.keep`) and support genes (`hw.patternSupport`, `hw.packing`); presets/hotnas.ts declares them.
 * Training turns what it returns into weight masks (lib/train/masks.ts); the tiling models into fewer MACs,
 * fewer channels and packed weights when the hardware supports it (hardware/compression.ts).
 */
import { HwnasError } from '../errors.js';
import { decodeArchitecture } from './decode.js';
import type { Genome } from './genome.js';
import { NO_PATTERN, PATTERN_SETS, type Pattern3 } from './presets/hotnas.js';
import type { SearchSpace } from './search-space.js';

/** A pattern set applied to a layer's 3×3 kernels. */
export interface PatternChoice {
  /** Name of the set (PATTERN_SETS). */
  readonly name: string;
  readonly set: readonly Pattern3[];
  /** Weights kept per kernel: the most of any pattern of the set (HotNAS's `pattern_ones`). */
  readonly kept: number;
}

/** The compression of one conv layer. */
export interface LayerCompression {
  /** The conv layer's name in the decoded architecture (`L1`, …). */
  readonly layer: string;
  readonly kernel: number;
  /** Filters the architecture declares. */
  readonly filters: number;
  /** Filters kept by channel pruning: max(1, round(keep·filters)); the rest are zero. */
  readonly keptFilters: number;
  /** Pattern pruning; null for `none` and for kernels other than 3×3 (the patterns are 3×3). */
  readonly pattern: PatternChoice | null;
}

/** What the hardware offers for compressed networks. */
export interface CompressionSupport {
  /** Engines that skip the MACs of pruned kernel positions (the pattern term counts). */
  readonly patterns: boolean;
  /** Weights of q bits packed ⌊W_p·16/q⌋ per port word (else one weight per 16-bit word). */
  readonly packing: boolean;
}

/** A genome's compression: one entry per conv layer, in architecture order, and the hardware support. */
export interface Compression {
  readonly layers: readonly LayerCompression[];
  readonly support: CompressionSupport;
}

/** Whether the space carries compression genes. */
export function hasCompressionGenes(space: SearchSpace): boolean {
  return space.meta.compression === 'genes';
}

/** The compression a hotnas-family genome encodes. */
export function decodeCompression(space: SearchSpace, genome: Genome): Compression {
  if (!hasCompressionGenes(space)) {
    throw new HwnasError('SPACE_FAMILY', `space "${space.name}" has no compression genes (meta.compression = "genes")`);
  }
  const arch = decodeArchitecture(space, genome);
  const layers: LayerCompression[] = [];
  for (const l of arch.layers) {
    if (l.kind !== 'conv') continue;
    const keep = space.num(genome, `${l.name}.keep`);
    const name = String(genome[`${l.name}.pattern`]);
    let pattern: PatternChoice | null = null;
    if (name !== NO_PATTERN && l.kernel === 3) {
      const set = PATTERN_SETS[name];
      if (!set) throw new HwnasError('SPACE_FAMILY', `gene ${l.name}.pattern names an unknown pattern set "${name}"`);
      pattern = { name, set, kept: Math.max(...set.map((p) => p.reduce((s, x) => s + x, 0))) };
    }
    layers.push({
      layer: l.name,
      kernel: l.kernel,
      filters: l.filters,
      keptFilters: Math.max(1, Math.min(l.filters, Math.round(keep * l.filters))),
      pattern,
    });
  }
  return {
    layers,
    support: { patterns: genome['hw.patternSupport'] === true, packing: genome['hw.packing'] === true },
  };
}

/** Whether any layer is pruned (by patterns or channels). */
export function isCompressed(c: Compression): boolean {
  return c.layers.some((l) => l.pattern !== null || l.keptFilters < l.filters);
}
