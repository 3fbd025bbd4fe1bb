/**
 * The paper's layer choices on Fashion-MNIST (bench:paper, issue 17): Lu et al. 2019's filters {24, 36, 48, 64} and
 * kernels {1, 3, 5, 7} (MODELS.md §1.2, from the group's CIFAR-10 layer tokens) on 28×28×1 images, depth 1–4, with
 * the first layer always followed by 2×2 pooling.
 *
 * Why this shape [measured, README "bench:paper"]: with these widths the most accurate (largest) architectures do
 * not fit a strict LUT + throughput spec unquantized, nor at 8–9 bits, while small ones do, so hardware-unaware NAS
 * must fail or degrade as in the paper; lu2019-mnist's narrow layers (4–24 filters) fit its specs even at 9 bits.
 * The pinned first pooling stands for the paper's stride-2 layers ("PredictableStride", MODELS.md §1.2): without
 * it a random child averages 21 MMAC (up to ~280), with it 9 MMAC (up to ~90), which keeps CPU proxy training of
 * the hardware-unaware NAS children within the bench's hour.
 */
import type { Gene } from '../gene.js';
import { SearchSpace } from '../search-space.js';
import { LU2019_CIFAR10, lu2019Space, type Lu2019Options } from './lu2019.js';

/**
 * Options of the paper-widths Fashion-MNIST space (quantization searched). Fraction bits start at 3, not the
 * authors' 0: a grid step of 1/4 or more rounds a whole layer's initial weights to zero (He-init std ≈ 0.06 for a
 * 5×5×24 fan-in) and the child trains at chance whatever its architecture [measured here, 2,000 images, 1 epoch,
 * 36k5p-48k3p: weights and activations 1.2 → 10.6 %, 1.1 / 2.3 → 10.6 %, 1.3 → 62.0 %, 2.4 / 2.2 → 60.6 %]. Such
 * children only spend the few trained children a CPU budget allows, for every quantizing method alike; the
 * narrowest format left is 1.3 (4 bits), the widest 3.6 (9 bits) as in the paper.
 */
export const LU2019_FMNIST: Lu2019Options = {
  ...LU2019_CIFAR10,
  name: 'lu2019-fmnist',
  input: [28, 28, 1],
  minDepth: 1,
  maxDepth: 4,
  fracBits: [3, 6],
};

/** Layers whose pooling is pinned on (a one-value choice gene, as restricted spaces pin genes). */
export const LU2019_FMNIST_POOLED_LAYERS = 1;

/** The lu2019-fmnist space (`quantization: 'float'` gives its float twin `lu2019-fmnist-float`). */
export function lu2019FmnistSpace(quantization: Lu2019Options['quantization'] = 'search'): SearchSpace {
  const name = quantization === 'search' ? LU2019_FMNIST.name : `${LU2019_FMNIST.name}-float`;
  const base = lu2019Space({ ...LU2019_FMNIST, name, quantization });
  const pinned = new Set(Array.from({ length: LU2019_FMNIST_POOLED_LAYERS }, (_, i) => `L${i + 1}.pool`));
  const genes = base.genes.map((g): Gene => (pinned.has(g.name) ? { name: g.name, group: g.group, kind: 'choice', choices: [true], ...(g.when ? { when: g.when } : {}) } : g));
  return new SearchSpace({ name, genes, meta: { ...base.meta, pooledLayers: LU2019_FMNIST_POOLED_LAYERS }, constraints: base.constraints });
}
