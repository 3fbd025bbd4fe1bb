/** Named preset spaces: a closed registry, so `PresetName` is a union the CLI and configs can check. */
import { SearchSpace } from '../search-space.js';
import { LU2019_CIFAR10, LU2019_MNIST, lu2019Space } from './lu2019.js';
import { nb201Space } from './nb201.js';

const PRESETS = {
  'lu2019-cifar10': () => lu2019Space(LU2019_CIFAR10),
  'lu2019-cifar10-float': () =>
    lu2019Space({ ...LU2019_CIFAR10, name: 'lu2019-cifar10-float', quantization: 'float' }),
  'lu2019-mnist': () => lu2019Space(LU2019_MNIST),
  'lu2019-mnist-float': () => lu2019Space({ ...LU2019_MNIST, name: 'lu2019-mnist-float', quantization: 'float' }),
  nb201: () => nb201Space(),
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

export { lu2019Space, LU2019_CIFAR10, LU2019_MNIST, type Lu2019Options } from './lu2019.js';
export { nb201Space, NB201_OPS, NB201_EDGES, type Nb201Op } from './nb201.js';
export { vectorSpace } from './vector.js';
