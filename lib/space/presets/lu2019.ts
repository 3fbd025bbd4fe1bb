/**
 * The joint space of Lu et al., ICCAD 2019 (MODELS.md §1.2): a chain of conv blocks whose depth, filters,
 * kernel and pooling are searched, with per-layer fixed-point quantization of weights (signed) and
 * activations (unsigned), then Flatten → Dense(classes). The hardware mapping (per-layer parallelism) is
 * chosen by the DP mapper, not by genes, as in the paper.
 */
import type { Gene } from '../gene.js';
import { SearchSpace } from '../search-space.js';

/** Options of a lu2019-family space. */
export interface Lu2019Options {
  readonly name: string;
  readonly input: readonly [number, number, number];
  readonly classes: number;
  readonly minDepth: number;
  readonly maxDepth: number;
  readonly filters: readonly number[];
  readonly kernels: readonly number[];
  /** Search per-layer fixed-point bits (`search`), or train and map in float32 (`float`). */
  readonly quantization: 'search' | 'float';
  /** Integer bits (sign included for weights): the authors' {1,2,3}. */
  readonly intBits: readonly [number, number];
  /** Fraction bits: the authors' {0..6}. */
  readonly fracBits: readonly [number, number];
}

/** Defaults of the paper's CIFAR-10 space (MODELS.md §1.2; depth kept ≤ 6 so CPU proxy training stays short). */
export const LU2019_CIFAR10: Lu2019Options = {
  name: 'lu2019-cifar10',
  input: [32, 32, 3],
  classes: 10,
  minDepth: 2,
  maxDepth: 6,
  filters: [24, 36, 48, 64],
  kernels: [1, 3, 5, 7],
  quantization: 'search',
  intBits: [1, 3],
  fracBits: [0, 6],
};

/**
 * The same family on 28×28×1 MNIST-shaped inputs, with narrower layers and kernels up to 5×5 so a proxy training
 * takes seconds on a CPU core and the main job trains dozens of children in minutes.
 */
export const LU2019_MNIST: Lu2019Options = {
  ...LU2019_CIFAR10,
  name: 'lu2019-mnist',
  input: [28, 28, 1],
  minDepth: 1,
  maxDepth: 4,
  filters: [4, 8, 16, 24],
  kernels: [1, 3, 5],
};

/** Builds a lu2019-family space. Layer i's genes are active when depth ≥ i. */
export function lu2019Space(o: Lu2019Options): SearchSpace {
  const genes: Gene[] = [{ name: 'depth', group: 'arch', kind: 'int', min: o.minDepth, max: o.maxDepth }];
  const quant = o.quantization === 'search';
  for (let i = 1; i <= o.maxDepth; i++) {
    const when = i > o.minDepth ? { when: { gene: 'depth', min: i } } : {};
    const p = `L${i}`;
    genes.push(
      { name: `${p}.filters`, group: 'arch', kind: 'choice', choices: o.filters, ...when },
      { name: `${p}.kernel`, group: 'arch', kind: 'choice', choices: o.kernels, ...when },
      { name: `${p}.pool`, group: 'arch', kind: 'bool', ...when },
    );
    if (quant) {
      genes.push(
        { name: `${p}.wInt`, group: 'quant', kind: 'bits', min: o.intBits[0], max: o.intBits[1], ...when },
        { name: `${p}.wFrac`, group: 'quant', kind: 'bits', min: o.fracBits[0], max: o.fracBits[1], ...when },
        { name: `${p}.aInt`, group: 'quant', kind: 'bits', min: o.intBits[0], max: o.intBits[1], ...when },
        { name: `${p}.aFrac`, group: 'quant', kind: 'bits', min: o.fracBits[0], max: o.fracBits[1], ...when },
      );
    }
  }
  if (quant) {
    genes.push(
      { name: 'fc.wInt', group: 'quant', kind: 'bits', min: o.intBits[0], max: o.intBits[1] },
      { name: 'fc.wFrac', group: 'quant', kind: 'bits', min: o.fracBits[0], max: o.fracBits[1] },
    );
  }
  return new SearchSpace({
    name: o.name,
    genes,
    meta: { family: 'lu2019', input: o.input, classes: o.classes, quantization: o.quantization },
  });
}
