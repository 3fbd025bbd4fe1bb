/**
 * Named reference architectures for `hwnas map` and the tests: the CIFAR-10 nets logged by the
 * co-exploration code (MODELS.md §1.2, §3.2), an example genome of the lu2019 space, the FNAS MNIST test net
 * (MODELS.md §2.3) and AlexNet's convolutions as Zhang et al. 2015 accelerate them.
 */
import { ConfigError } from '../lib/errors.js';
import { geneDefault } from '../lib/space/gene.js';
import type { Genome } from '../lib/space/genome.js';
import { presetSpace, type PresetName } from '../lib/space/presets/index.js';
import { decodeArchitecture, decodeQuantization } from '../lib/space/decode.js';
import { chainFromTokens, fromArchitecture, type HwConv, type HwNetwork, type Word } from './network.js';

/** Word formats a preset is mapped with (the logged nets were trained in float; 8-bit is our default). */
export interface PresetBits {
  readonly weight: Word;
  readonly activation: Word;
  readonly input: Word;
}

/** 8-bit weights, activations and pixels. */
export const BITS8: PresetBits = { weight: 8, activation: 8, input: 8 };

type Token = readonly [number, number, number];

/** [code: PITT-JZ-COOP/Co-Explore-NAS:Cifar-10/PredictableStride/OptHW/model.txt], 286,518 Keras parameters. */
export const COEXPLORE_OPTHW_6: readonly Token[] = [[3, 36, 1], [5, 36, 1], [1, 64, 1], [3, 48, 2], [7, 24, 1], [1, 64, 1]];
/** [code: Co-Explore-NAS:Cifar-10/FixedStride/OptHW], 604,626 parameters. */
export const COEXPLORE_FIXED_10: readonly Token[] = [
  [5, 24, 1], [1, 64, 1], [5, 48, 1], [7, 24, 1], [5, 36, 1], [1, 24, 1], [5, 48, 1], [3, 24, 1], [7, 24, 1], [3, 36, 1],
];
/** [code: Co-Explore-NAS:Cifar-10/PredictableStride/OptSW], 609,754 parameters, final map 4×4×36. */
export const COEXPLORE_OPTSW_14: readonly Token[] = [
  [1, 24, 1], [7, 64, 1], [1, 64, 1], [5, 48, 2], [5, 48, 1], [7, 24, 1], [7, 64, 1], [5, 24, 2], [1, 48, 1], [5, 36, 1],
  [1, 48, 1], [7, 24, 2], [1, 64, 1], [7, 36, 1],
];

/** An example genome of the lu2019-cifar10 space: 4 conv blocks with pooling, 6-bit (2.4) weights and activations. */
export const LU2019_EXAMPLE_GENOME: Readonly<Record<string, number | boolean>> = {
  depth: 4,
  'L1.filters': 36, 'L1.kernel': 3, 'L1.pool': false,
  'L2.filters': 48, 'L2.kernel': 3, 'L2.pool': true,
  'L3.filters': 64, 'L3.kernel': 3, 'L3.pool': true,
  'L4.filters': 64, 'L4.kernel': 1, 'L4.pool': true,
  ...Object.fromEntries([1, 2, 3, 4].flatMap((i) => [[`L${i}.wInt`, 2], [`L${i}.wFrac`, 4], [`L${i}.aInt`, 2], [`L${i}.aFrac`, 4]])),
  'fc.wInt': 2, 'fc.wFrac': 4,
};

/** A full genome of `space` from the given genes, inactive ones at their defaults. */
export function completeGenome(spaceName: PresetName, genes: Readonly<Record<string, number | boolean | string>>): Genome {
  const space = presetSpace(spaceName);
  const g: Record<string, number | boolean | string> = {};
  for (const gene of space.genes) g[gene.name] = genes[gene.name] ?? geneDefault(gene);
  return Object.freeze(g);
}

/** The hardware network of a genome of a preset space (validated). */
export function networkOfGenome(spaceName: PresetName, genome: Genome, name: string = spaceName): HwNetwork {
  const space = presetSpace(spaceName);
  const issues = space.validate(genome);
  if (issues.length > 0) throw new ConfigError(issues, `genome does not fit space "${spaceName}"`);
  return fromArchitecture(decodeArchitecture(space, genome), decodeQuantization(space, genome), name);
}

/**
 * AlexNet's five convolutions (227×227×3 input) with the two-GPU grouping of conv2/4/5, the layers Zhang et
 * al. 2015 accelerate; pooling and fully connected layers are left out as in that paper.
 */
export function alexnetConvs(bits: PresetBits): HwNetwork {
  const conv = (name: string, inShape: [number, number, number], outShape: [number, number, number], kernel: number, stride: number, groups: number, input: Word): HwConv => ({
    kind: 'conv', name, inShape, outShape, kernel, stride, groups, input, output: bits.activation, weight: bits.weight, relu: true,
  });
  return {
    name: 'alexnet-convs',
    input: [227, 227, 3],
    layers: [
      conv('conv1', [227, 227, 3], [55, 55, 96], 11, 4, 1, bits.input),
      conv('conv2', [27, 27, 96], [27, 27, 256], 5, 1, 2, bits.activation),
      conv('conv3', [13, 13, 256], [13, 13, 384], 3, 1, 1, bits.activation),
      conv('conv4', [13, 13, 384], [13, 13, 384], 3, 1, 2, bits.activation),
      conv('conv5', [13, 13, 384], [13, 13, 256], 3, 1, 2, bits.activation),
    ],
  };
}

/** The FNAS MNIST test net's convolutions: kernel/filters [5,9,7,18,5,36,14,36] on 28×28×1 (MODELS.md §2.3). */
export function fnasMnistConvs(bits: PresetBits): HwNetwork {
  const net = chainFromTokens('fnas-mnist-convs', [28, 28, 1], [[5, 9, 1], [7, 18, 1], [5, 36, 1], [14, 36, 1]], 10, bits);
  return { ...net, layers: net.layers.filter((l) => l.kind === 'conv') };
}

const PRESETS = {
  'coexplore-opthw-6': (b: PresetBits) => chainFromTokens('coexplore-opthw-6', [32, 32, 3], COEXPLORE_OPTHW_6, 10, b),
  'coexplore-fixed-10': (b: PresetBits) => chainFromTokens('coexplore-fixed-10', [32, 32, 3], COEXPLORE_FIXED_10, 10, b),
  'coexplore-optsw-14': (b: PresetBits) => chainFromTokens('coexplore-optsw-14', [32, 32, 3], COEXPLORE_OPTSW_14, 10, b),
  /** Its own bits come from the genome; `bits` is ignored. */
  'lu2019-example': () => networkOfGenome('lu2019-cifar10', completeGenome('lu2019-cifar10', LU2019_EXAMPLE_GENOME), 'lu2019-example'),
  'fnas-mnist': (b: PresetBits) => fnasMnistConvs(b),
  alexnet: (b: PresetBits) => alexnetConvs(b),
} as const;

/** Names of the reference architectures. */
export type ArchitectureName = keyof typeof PRESETS;

/** All reference architecture names. */
export const ARCHITECTURE_NAMES = Object.keys(PRESETS) as ArchitectureName[];

/** Whether `name` is a reference architecture. */
export function isArchitectureName(name: string): name is ArchitectureName {
  return name in PRESETS;
}

/** The reference architecture `name` with the given word formats (default 8-bit). */
export function referenceArchitecture(name: ArchitectureName, bits: PresetBits = BITS8): HwNetwork {
  return PRESETS[name](bits);
}
