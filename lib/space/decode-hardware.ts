/**
 * The hardware decoder: the only reader of a genome's `hw` genes (co-exploration spaces, presets/coexplore.ts).
 * It returns the design the genome encodes — each MAC layer's tiling, the accelerator's ports, the device and
 * the multi-FPGA partition — aligned by layer name with {@link decodeArchitecture}; hardware models evaluate
 * it as it is (no mapper).
 */
import { HwnasError } from '../errors.js';
import { decodeArchitecture, isWeightless } from './decode.js';
import { decodeCompression, hasCompressionGenes, type Compression } from './decode-compression.js';
import type { Genome } from './genome.js';
import type { SearchSpace } from './search-space.js';

/** One MAC layer's tiled engine (Zhang 2015 / FNAS notation). Dense layers have Tr = Tc = 1. */
export interface LayerTilingGenes {
  /** The layer's name in the decoded architecture (`L1`, …, `fc`). */
  readonly layer: string;
  readonly Tm: number;
  readonly Tn: number;
  readonly Tr: number;
  readonly Tc: number;
}

/** How the layers are spread over the FPGAs. */
export type PartitionDesign =
  | { readonly kind: 'single' }
  /** MAC layers [0, cut) on FPGA 0, the rest on FPGA 1; the activations at the cut cross the link. */
  | { readonly kind: 'pipeline'; readonly cut: number }
  /** Every layer split over both FPGAs at one XFER level [code: XFER_FPGA PARA.py]. */
  | { readonly kind: 'xfer'; readonly level: 'Pm' | 'Pr' | 'Pc' };

/** The hardware a co-exploration genome encodes. */
export interface HardwareDesign {
  /** One entry per conv/dense layer, in architecture order. */
  readonly layers: readonly LayerTilingGenes[];
  /** Memory ports, words per cycle. */
  readonly ports: { readonly wp: number; readonly ip: number; readonly op: number };
  /** Catalog device name when the genome chooses it; undefined: the spec's device. */
  readonly device?: string;
  readonly fpgas: number;
  readonly partition: PartitionDesign;
  /** Pruning and the accelerator's support for it (hotnas spaces, decode-compression.ts); absent: none. */
  readonly compression?: Compression;
}

/** Whether the space carries hardware genes that {@link decodeHardware} reads. */
export function hasHardwareGenes(space: SearchSpace): boolean {
  return space.meta.hardware === 'genes';
}

/** The design encoded by a genome of a co-exploration space. */
export function decodeHardware(space: SearchSpace, genome: Genome): HardwareDesign {
  if (!hasHardwareGenes(space)) {
    throw new HwnasError('SPACE_FAMILY', `space "${space.name}" has no hardware genes (meta.hardware = "genes")`);
  }
  const arch = decodeArchitecture(space, genome);
  const layers: LayerTilingGenes[] = [];
  for (const l of arch.layers) {
    if (isWeightless(l)) continue;
    const dense = l.kind === 'dense';
    layers.push({
      layer: l.name,
      Tm: space.num(genome, `${l.name}.Tm`),
      Tn: space.num(genome, `${l.name}.Tn`),
      Tr: dense ? 1 : space.num(genome, `${l.name}.Tr`),
      Tc: dense ? 1 : space.num(genome, `${l.name}.Tc`),
    });
  }
  const ports = { wp: space.num(genome, 'hw.Wp'), ip: space.num(genome, 'hw.Ip'), op: space.num(genome, 'hw.Op') };
  const device = space.has('hw.device') ? String(genome['hw.device']) : undefined;
  const fpgas = space.has('hw.fpgas') ? space.num(genome, 'hw.fpgas') : 1;
  let partition: PartitionDesign = { kind: 'single' };
  if (fpgas >= 2) {
    const level = String(genome['hw.xfer']);
    // The cut counts conv layers: L1..Lcut on FPGA 0; a cut at or past the depth leaves only the dense layer on FPGA 1.
    const convs = layers.length - 1;
    partition = level === 'none'
      ? { kind: 'pipeline', cut: Math.min(space.num(genome, 'hw.cut'), convs) }
      : { kind: 'xfer', level: level as 'Pm' | 'Pr' | 'Pc' };
  }
  const compression = hasCompressionGenes(space) ? { compression: decodeCompression(space, genome) } : {};
  return { layers, ports, ...(device ? { device } : {}), fpgas, partition, ...compression };
}
