/**
 * The HotNAS compression spaces (Jiang et al., CODES+ISSS'20; MODELS.md §4.1): the lu2019 network and
 * quantization genes under the SAME names and choices as the lu2019 preset they extend (a zoo genome of
 * `lu2019-mnist` is a partial genome of `hotnas-mnist`: {@link extendGenome}), plus
 *   per conv layer: `L<i>.pattern` — pattern pruning of 3×3 kernels (a pattern set, or `none`), and
 *                   `L<i>.keep` — channel pruning, the fraction of the layer's filters kept;
 *   per MAC layer:  the tiling genes of the co-exploration spaces (`L<i>.Tm/Tn/Tr/Tc`, `fc.Tm/Tn`);
 *   accelerator:    ports `hw.Wp/Ip/Op`, and the two support genes `hw.patternSupport` (engines that skip the
 *                   pruned MACs of a pattern) and `hw.packing` (q-bit weights packed ⌊W_p·16/q⌋ per port word).
 * Compression only pays when the hardware supports it (hardware/compression.ts), and the support costs
 * resources. `decodeCompression` (decode-compression.ts) reads the compression genes; the lu2019 decoders
 * and `decodeHardware` read the rest unchanged (family `lu2019`, `meta.hardware = 'genes'`).
 */
import type { Gene, GeneValue } from '../gene.js';
import type { Genome } from '../genome.js';
import type { Rng } from '../../rng.js';
import { SearchSpace } from '../search-space.js';
import { COEXPLORE_MNIST, COEXPLORE_CIFAR10 } from './coexplore.js';
import { LU2019_CIFAR10, LU2019_MNIST, lu2019Space, type Lu2019Options } from './lu2019.js';

/** A 3×3 kernel mask in row-major order (1 = weight kept). */
export type Pattern3 = readonly [number, number, number, number, number, number, number, number, number];

/**
 * The pattern sets a layer can choose (each kernel of the layer then takes the set's pattern that keeps the
 * most of its weight magnitude, lib/train/masks.ts).
 *  - `hotnas6`: the 4-pattern set of the HotNAS code, 6 of 9 weights kept
 *    [code: weiwenjiang/hotNAS-CODES20 NAS_Module/model_modify.py `__main__`, pattern[0..3]]. (The code's
 *    candidate generator, pattern_generator.py, zeroes 3 of the 8 non-centre weights: 56 patterns of 6.)
 *  - `patdnn4`: 4-entry patterns as in PatDNN (Niu et al., ASPLOS'20: four kept weights including the
 *    centre, a small set per layer); the shapes here — the centre and three of its four edge neighbours —
 *    are our choice [inferred], not the paper's data-derived set.
 */
export const PATTERN_SETS: Readonly<Record<string, readonly Pattern3[]>> = {
  hotnas6: [
    [1, 1, 1, 1, 0, 1, 1, 0, 0],
    [0, 0, 1, 1, 1, 1, 1, 0, 1],
    [1, 1, 0, 1, 1, 0, 1, 1, 0],
    [1, 0, 0, 1, 1, 1, 0, 1, 1],
  ],
  patdnn4: [
    [0, 1, 0, 1, 1, 1, 0, 0, 0],
    [0, 1, 0, 1, 1, 0, 0, 1, 0],
    [0, 0, 0, 1, 1, 1, 0, 1, 0],
    [0, 1, 0, 0, 1, 1, 0, 1, 0],
  ],
};

/** Pattern gene value of an unpruned layer. */
export const NO_PATTERN = 'none';

/** Options of a hotnas-family space: a lu2019 preset plus the compression and hardware choices. */
export interface HotnasOptions {
  readonly name: string;
  /** The lu2019 space whose genes (names and choices) this one extends. */
  readonly base: Lu2019Options;
  /** Pattern-set choices besides `none` (keys of {@link PATTERN_SETS}). */
  readonly patternSets: readonly string[];
  /** Kept fractions of a layer's filters (1 = no channel pruning). */
  readonly keep: readonly number[];
  readonly tm: readonly number[];
  readonly tn: readonly number[];
  readonly tr: readonly number[];
  readonly tc: readonly number[];
  /** Port widths (words/cycle), one list for W_p, I_p and O_p. */
  readonly ports: readonly number[];
}

/** MNIST: lu2019-mnist's genes, coexplore-mnist's tiles and ports [inferred sizes, as there]. */
export const HOTNAS_MNIST: HotnasOptions = {
  name: 'hotnas-mnist',
  base: LU2019_MNIST,
  patternSets: ['hotnas6', 'patdnn4'],
  // Channel pruning steps [inferred]: HotNAS cuts ResNet-18 channels to e.g. 100/128, 210/256, 470/512
  // [code: NAS_Module/model_modify.py channel_cut_layers]: fractions ≈ 0.8–0.9; we offer coarser steps.
  keep: [1, 0.75, 0.5],
  tm: COEXPLORE_MNIST.tm,
  tn: COEXPLORE_MNIST.tn,
  tr: COEXPLORE_MNIST.tr,
  tc: COEXPLORE_MNIST.tc,
  ports: COEXPLORE_MNIST.ports,
};

/** CIFAR-10: lu2019-cifar10's genes, coexplore-cifar10's tiles and hotNAS's ports {2,6,10,14,18}. */
export const HOTNAS_CIFAR10: HotnasOptions = {
  ...HOTNAS_MNIST,
  name: 'hotnas-cifar10',
  base: LU2019_CIFAR10,
  tm: COEXPLORE_CIFAR10.tm,
  tn: COEXPLORE_CIFAR10.tn,
  tr: COEXPLORE_CIFAR10.tr,
  tc: COEXPLORE_CIFAR10.tc,
  ports: COEXPLORE_CIFAR10.ports,
};

/** Builds a hotnas-family space. Layer i's genes are active when depth ≥ i, as in the base space. */
export function hotnasSpace(o: HotnasOptions): SearchSpace {
  const base = lu2019Space({ ...o.base, quantization: 'search' });
  const genes: Gene[] = [...base.genes];
  const b = o.base;
  for (let i = 1; i <= b.maxDepth; i++) {
    const when = i > b.minDepth ? { when: { gene: 'depth', min: i } } : {};
    const p = `L${i}`;
    genes.push(
      // Defaults: an inactive layer canonicalises to "not compressed" (the first choices below).
      { name: `${p}.pattern`, group: 'arch', kind: 'choice', choices: [NO_PATTERN, ...o.patternSets], ...when },
      { name: `${p}.keep`, group: 'arch', kind: 'choice', choices: [...o.keep].sort((x, y) => y - x), ...when },
      { name: `${p}.Tm`, group: 'hw', kind: 'choice', choices: o.tm, ...when },
      { name: `${p}.Tn`, group: 'hw', kind: 'choice', choices: o.tn, ...when },
      { name: `${p}.Tr`, group: 'hw', kind: 'choice', choices: o.tr, ...when },
      { name: `${p}.Tc`, group: 'hw', kind: 'choice', choices: o.tc, ...when },
    );
  }
  genes.push(
    { name: 'fc.Tm', group: 'hw', kind: 'choice', choices: o.tm },
    { name: 'fc.Tn', group: 'hw', kind: 'choice', choices: o.tn },
    { name: 'hw.Wp', group: 'hw', kind: 'choice', choices: o.ports },
    { name: 'hw.Ip', group: 'hw', kind: 'choice', choices: o.ports },
    { name: 'hw.Op', group: 'hw', kind: 'choice', choices: o.ports },
    { name: 'hw.patternSupport', group: 'hw', kind: 'bool' },
    { name: 'hw.packing', group: 'hw', kind: 'bool' },
  );
  for (const s of o.patternSets) {
    if (!PATTERN_SETS[s]) throw new RangeError(`unknown pattern set "${s}"; known: ${Object.keys(PATTERN_SETS).join(', ')}`);
  }
  return new SearchSpace({
    name: o.name,
    genes,
    meta: {
      family: 'lu2019', input: b.input, classes: b.classes, quantization: 'search', hardware: 'genes',
      compression: 'genes', base: b.name,
    },
  });
}

/**
 * A genome of a hotnas space from a partial one (e.g. a zoo genome of its base lu2019 space): the given genes
 * are kept, compression genes not given mean "no compression", hardware genes not given are drawn from `rng`
 * (their lowest values without one). Genes the space does not have are dropped.
 */
export function extendGenome(space: SearchSpace, partial: Readonly<Record<string, GeneValue>>, rng?: Rng): Genome {
  const out: Record<string, GeneValue> = {};
  const drawn = rng ? space.sample(rng) : undefined;
  for (const g of space.genes) {
    if (partial[g.name] !== undefined) out[g.name] = partial[g.name];
    else if (g.group === 'hw' && drawn) out[g.name] = drawn[g.name];
    else if (g.kind === 'choice') out[g.name] = g.choices[0];
    else if (g.kind === 'bool') out[g.name] = false;
    else out[g.name] = g.min;
  }
  return space.canonical(out);
}
