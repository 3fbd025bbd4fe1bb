/** Named preset spaces: a closed registry, so `PresetName` is a union the CLI and configs can check. */
import { SearchSpace } from '../search-space.js';
import { LU2019_CIFAR10, LU2019_MNIST, lu2019Space } from './lu2019.js';
import { nb201Space } from './nb201.js';
import { lu2019FmnistSpace } from './lu2019-paper.js';
import { COEXPLORE_CIFAR10, COEXPLORE_MNIST, coexploreSpace } from './coexplore.js';
import { HOTNAS_CIFAR10, HOTNAS_MNIST, hotnasSpace } from './hotnas.js';
import { EDGE_MBNET, EDGE_MBNET_REDUCED, edgeMbnetSpace } from './edge-mbnet.js';

const PRESETS = {
  'lu2019-cifar10': () => lu2019Space(LU2019_CIFAR10),
  'lu2019-cifar10-float': () =>
    lu2019Space({ ...LU2019_CIFAR10, name: 'lu2019-cifar10-float', quantization: 'float' }),
  'lu2019-mnist': () => lu2019Space(LU2019_MNIST),
  'lu2019-mnist-float': () => lu2019Space({ ...LU2019_MNIST, name: 'lu2019-mnist-float', quantization: 'float' }),
  'lu2019-fmnist': () => lu2019FmnistSpace('search'),
  'lu2019-fmnist-float': () => lu2019FmnistSpace('float'),
  nb201: () => nb201Space(),
  'coexplore-cifar10': () => coexploreSpace(COEXPLORE_CIFAR10),
  'coexplore-mnist': () => coexploreSpace(COEXPLORE_MNIST),
  'hotnas-mnist': () => hotnasSpace(HOTNAS_MNIST),
  'hotnas-cifar10': () => hotnasSpace(HOTNAS_CIFAR10),
  'edge-mbnet': () => edgeMbnetSpace(EDGE_MBNET),
  'edge-mbnet-reduced': () => edgeMbnetSpace(EDGE_MBNET_REDUCED),
} as const;

/** Names of the preset spaces. */
export type PresetName = keyof typeof PRESETS;

/** All preset names. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The preset space called `name`. */
export function presetSpace(name: PresetName): SearchSpace {
  const make = PRESETS[name];
  if (!make) throw new RangeError(`unknown space preset "${name}"; known: ${PRESET_NAMES.join(', ')}`);
  return make();
}

/** The presets a user's dataset can reshape (CNN families whose input and classes are options). */
const SHAPEABLE = {
  'lu2019-cifar10': LU2019_CIFAR10,
  'lu2019-cifar10-float': { ...LU2019_CIFAR10, name: 'lu2019-cifar10-float', quantization: 'float' as const },
  'lu2019-mnist': LU2019_MNIST,
  'lu2019-mnist-float': { ...LU2019_MNIST, name: 'lu2019-mnist-float', quantization: 'float' as const },
} as const;

/**
 * Preset `name` with another input shape and class count (a user's own dataset): the same genes, the space
 * named `<preset>@<H>x<W>x<C>/<classes>` so a run's journal says which data it was shaped for. Only lu2019
 * presets can be reshaped (coexplore's hardware genes are tied to its input; nb201 is a tabular benchmark).
 */
export function shapedPresetSpace(name: PresetName, input: readonly [number, number, number], classes: number): SearchSpace {
  const base = (SHAPEABLE as Record<string, (typeof SHAPEABLE)[keyof typeof SHAPEABLE] | undefined>)[name];
  if (!base) throw new RangeError(`space preset "${name}" cannot take another input shape; use one of ${Object.keys(SHAPEABLE).join(', ')}`);
  return lu2019Space({ ...base, name: `${name}@${input.join('x')}/${classes}`, input: [input[0], input[1], input[2]], classes });
}

/** Names of the presets {@link shapedPresetSpace} takes. */
export const SHAPEABLE_PRESETS = Object.keys(SHAPEABLE) as PresetName[];

export { lu2019Space, LU2019_CIFAR10, LU2019_MNIST, type Lu2019Options } from './lu2019.js';
export { coexploreSpace, COEXPLORE_CIFAR10, COEXPLORE_MNIST, XFER_LEVELS, type CoexploreOptions } from './coexplore.js';
export { hotnasSpace, extendGenome, HOTNAS_MNIST, HOTNAS_CIFAR10, PATTERN_SETS, NO_PATTERN, type HotnasOptions, type Pattern3 } from './hotnas.js';
export { lu2019FmnistSpace, LU2019_FMNIST } from './lu2019-paper.js';
export { nb201Space, NB201_OPS, NB201_EDGES, type Nb201Op } from './nb201.js';
export { vectorSpace } from './vector.js';
