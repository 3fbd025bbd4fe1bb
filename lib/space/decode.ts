/**
 * Decoders: the only readers of raw genes. Everything downstream (hardware models, training, export)
 * works on what these return, never on the genome itself.
 */
import { HwnasError } from '../errors.js';
import type { Genome } from './genome.js';
import { NB201_EDGES, type Nb201Op } from './presets/nb201.js';
import type { SearchSpace } from './search-space.js';

export {
  convGroups,
  convHasRelu,
  isWeightless,
  type AddLayer,
  type Architecture,
  type ConvLayer,
  type DenseLayer,
  type GlobalPoolLayer,
  type LayerSpec,
  type PoolLayer,
  type Shape3,
} from './architecture.js';
import { isWeightless, type Architecture, type LayerSpec, type Shape3 } from './architecture.js';
import { decodeEdgeMbnet, edgeMbnetArchitecture } from './decode-edge.js';

/** A fixed-point format. Signed: I integer bits include the sign. Range see DESIGN §5. */
export interface FixedPoint {
  readonly intBits: number;
  readonly fracBits: number;
  readonly signed: boolean;
}

/** Quantization of one layer: null means float32. */
export interface LayerQuant {
  /** Weight format (signed); null for float weights or a layer without weights. */
  readonly weight: FixedPoint | null;
  /** Output activation format (unsigned, after ReLU); null for float or pass-through (pooling, logits). */
  readonly activation: FixedPoint | null;
}

/** Per-layer quantization, aligned with {@link Architecture.layers}. */
export interface Quantization {
  readonly layers: readonly LayerQuant[];
  /** Width of the input pixels as they enter the first layer (8-bit images). */
  readonly inputBits: number;
  /** True when no layer is quantized. */
  readonly float: boolean;
}

function requireFamily(space: SearchSpace, family: string): void {
  if (space.meta.family !== family) {
    throw new HwnasError(
      'SPACE_FAMILY',
      `space "${space.name}" is of family "${space.meta.family}", this decoder reads "${family}" spaces`,
    );
  }
}

/** The space families whose genomes decode to an {@link Architecture} (what training and export read). */
export const CNN_FAMILIES: readonly string[] = ['lu2019', 'edge-mbnet'];

/** Whether genomes of `space` decode to an {@link Architecture}. */
export function decodesToCnn(space: SearchSpace): boolean {
  return CNN_FAMILIES.includes(space.meta.family as string);
}

/** The CNN a lu2019-family genome encodes. Pooling that would shrink a side below 1 is skipped. */
export function decodeArchitecture(space: SearchSpace, genome: Genome): Architecture {
  if (space.meta.family === 'edge-mbnet') return edgeMbnetArchitecture(decodeEdgeMbnet(space, genome), (space.meta.input as Shape3)[2]);
  requireFamily(space, 'lu2019');
  const input = space.meta.input as Shape3;
  const classes = space.meta.classes as number;
  const depth = space.num(genome, 'depth');
  const layers: LayerSpec[] = [];
  let shape: Shape3 = input;
  for (let i = 1; i <= depth; i++) {
    const filters = space.num(genome, `L${i}.filters`);
    const kernel = space.num(genome, `L${i}.kernel`);
    const out: Shape3 = [shape[0], shape[1], filters];
    layers.push({ kind: 'conv', name: `L${i}`, filters, kernel, stride: 1, inShape: shape, outShape: out });
    shape = out;
    if (genome[`L${i}.pool`] === true && shape[0] >= 2 && shape[1] >= 2) {
      const pooled: Shape3 = [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2), shape[2]];
      layers.push({ kind: 'maxpool', name: `L${i}.pool`, size: 2, stride: 2, inShape: shape, outShape: pooled });
      shape = pooled;
    }
  }
  layers.push({ kind: 'dense', name: 'fc', units: classes, inShape: shape, outShape: [1, 1, classes] });
  return { input, classes, layers };
}

/** The per-layer fixed-point formats of a lu2019-family genome (all null for a float space). */
export function decodeQuantization(space: SearchSpace, genome: Genome): Quantization {
  const arch = decodeArchitecture(space, genome);
  // The edge spaces search architecture only: the accelerator's int8 datapath is the edge model's, not a gene.
  const quantized = space.meta.quantization === 'search';
  const fmt = (prefix: string, which: 'w' | 'a'): FixedPoint => ({
    intBits: space.num(genome, `${prefix}.${which}Int`),
    fracBits: space.num(genome, `${prefix}.${which}Frac`),
    signed: which === 'w',
  });
  const layers = arch.layers.map((layer): LayerQuant => {
    if (!quantized || isWeightless(layer)) return { weight: null, activation: null };
    if (layer.kind === 'dense') return { weight: fmt('fc', 'w'), activation: null };
    return { weight: fmt(layer.name, 'w'), activation: fmt(layer.name, 'a') };
  });
  return { layers, inputBits: 8, float: !quantized };
}

/** Total bits of a fixed-point format. */
export function fixedPointBits(f: FixedPoint): number {
  return f.intBits + f.fracBits;
}

/** The six operations of an nb201 genome, in benchmark edge order. */
export function decodeNb201(space: SearchSpace, genome: Genome): Nb201Op[] {
  requireFamily(space, 'nb201');
  return NB201_EDGES.map((e) => genome[e] as Nb201Op);
}

/** The real vector of a vector-family genome (ZDT, DTLZ). */
export function decodeVector(space: SearchSpace, genome: Genome): number[] {
  requireFamily(space, 'vector');
  return space.genes.map((g) => genome[g.name] as number);
}
