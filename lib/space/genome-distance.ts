/**
 * Distances between CNN genomes, and mapping a genome from one space into another: what a model zoo (HotNAS,
 * Jiang et al. CODES+ISSS'20; MODELS.md §4.1) needs to pick the zoo model a child inherits its weights from and
 * to seed a search with the zoo's genomes. Both read genomes through the decoders only, so they work between any
 * two lu2019-family spaces with the same input and classes (lu2019-mnist ↔ a compression space built on it).
 *
 * The distance (ours; HotNAS picks its hot-start model by hand) counts how much of a child's network cannot be
 * inherited from the zoo model, layer by layer (conv layer i of one against conv layer i of the other):
 *   both have layer i:  |log2(filters_a / filters_b)|  (one per doubling of width)
 *                     + |kernel_a − kernel_b| / 2       (one per kernel step of 2, e.g. 3 → 5)
 *                     + (pooling differs ? 1 : 0)       (the feature map after it changes size)
 *                     + 0.05 · |weight bits_a − weight bits_b| (quantization barely matters to float masters)
 *   only one has it:    {@link MISSING_LAYER_COST}       (a whole layer initialised)
 *   classifier:         + 1 when its input feature map (h × w) differs (its weights cannot be copied)
 * Zero means the same network (weights copied whole). Symmetric, and a metric on architectures.
 */
import type { Issue } from '../errors.js';
import type { Rng } from '../rng.js';
import { decodeArchitecture, decodeQuantization, fixedPointBits, type Architecture, type ConvLayer } from './decode.js';
import { geneValueIssue, sampleGene, type Genome } from './genome.js';
import { geneDefault, type Gene, type GeneValue } from './gene.js';
import type { SearchSpace } from './search-space.js';

/** Cost of a conv layer that one network has and the other lacks (more than any one change of a shared layer). */
export const MISSING_LAYER_COST = 3;

interface ConvFacts {
  readonly layer: ConvLayer;
  readonly pooled: boolean;
  readonly bits: number;
}

function convFacts(space: SearchSpace, genome: Genome): { convs: ConvFacts[]; arch: Architecture } {
  const arch = decodeArchitecture(space, genome);
  const quant = decodeQuantization(space, genome);
  const convs: ConvFacts[] = [];
  arch.layers.forEach((l, i) => {
    if (l.kind !== 'conv') return;
    const w = quant.layers[i].weight;
    convs.push({ layer: l, pooled: arch.layers[i + 1]?.kind === 'maxpool', bits: w ? fixedPointBits(w) : 32 });
  });
  return { convs, arch };
}

/** The distance between genome `a` of space `sa` and genome `b` of space `sb` (see the module comment). */
export function genomeDistance(sa: SearchSpace, a: Genome, sb: SearchSpace, b: Genome): number {
  const fa = convFacts(sa, a);
  const fb = convFacts(sb, b);
  let d = 0;
  const n = Math.max(fa.convs.length, fb.convs.length);
  for (let i = 0; i < n; i++) {
    const x = fa.convs[i];
    const y = fb.convs[i];
    if (!x || !y) {
      d += MISSING_LAYER_COST;
      continue;
    }
    d += Math.abs(Math.log2(x.layer.filters / y.layer.filters));
    d += Math.abs(x.layer.kernel - y.layer.kernel) / 2;
    d += x.pooled !== y.pooled ? 1 : 0;
    d += 0.05 * Math.abs(Math.min(x.bits, 32) - Math.min(y.bits, 32));
  }
  const da = fa.arch.layers[fa.arch.layers.length - 1].inShape;
  const db = fb.arch.layers[fb.arch.layers.length - 1].inShape;
  if (da[0] !== db[0] || da[1] !== db[1]) d += 1;
  return d;
}

/** The index of the candidate nearest to `genome` (the first on a tie), or -1 when there are none. */
export function nearestGenome(space: SearchSpace, genome: Genome, candidates: readonly { space: SearchSpace; genome: Genome }[]): { index: number; distance: number } {
  let index = -1;
  let distance = Infinity;
  candidates.forEach((c, i) => {
    const d = genomeDistance(space, genome, c.space, c.genome);
    if (d < distance) {
      distance = d;
      index = i;
    }
  });
  return { index, distance };
}

/**
 * Why genomes of `from` cannot be read as networks of `to` (empty when they can): both must be lu2019-family
 * CNN spaces with the same input shape and number of classes.
 */
export function spaceCompatibilityIssues(from: SearchSpace, to: SearchSpace, path = 'zoo.space'): Issue[] {
  const issues: Issue[] = [];
  if (from.meta.family !== 'lu2019' || to.meta.family !== 'lu2019') {
    issues.push({ path, message: `zoo warm start needs lu2019-family CNN spaces; the zoo's "${from.name}" is ${from.meta.family}, the search's "${to.name}" is ${to.meta.family}` });
    return issues;
  }
  const shape = (s: SearchSpace) => `${(s.meta.input ?? []).join('×')} → ${s.meta.classes} classes`;
  if (shape(from) !== shape(to)) {
    issues.push({ path, message: `the zoo's space "${from.name}" takes ${shape(from)}; the search's "${to.name}" takes ${shape(to)}` });
  }
  return issues;
}

/** The value of `to`'s gene closest to `v` (numbers: nearest, the smaller on a tie), or null when none is close. */
function closestValue(g: Gene, v: GeneValue): GeneValue | null {
  if (geneValueIssue(g, v) === null) return v;
  if (typeof v !== 'number') return null;
  switch (g.kind) {
    case 'int':
    case 'bits':
      return Math.min(g.max, Math.max(g.min, Math.round(v)));
    case 'real':
      return Math.min(g.max, Math.max(g.min, v));
    case 'choice': {
      const nums = g.choices.filter((c): c is number => typeof c === 'number');
      if (nums.length === 0) return null;
      return nums.reduce((best, c) => (Math.abs(c - v) < Math.abs(best - v) ? c : best));
    }
    default:
      return null;
  }
}

/**
 * Genome `genome` of space `from` as a genome of space `to`: each gene of `to` takes the value of the gene of the
 * same name in `from` (the nearest allowed value when `to` allows fewer, e.g. fewer filter choices); of the genes
 * `from` lacks, hardware genes are drawn from `rng` and the others (compression) take their defaults. The result is
 * canonical and meets `to`'s known constraints (repaired when needed; null when it cannot be).
 */
export function mapGenome(from: SearchSpace, genome: Genome, to: SearchSpace, rng: Rng): Genome | null {
  const out: Record<string, GeneValue> = {};
  for (const g of to.genes) {
    const v = from.has(g.name) ? closestValue(g, genome[g.name]) : null;
    // A gene `from` lacks: hardware genes are drawn (any design point may fit the spec); the others (e.g.
    // compression) take their default, which the compression spaces declare as "not compressed".
    out[g.name] = v ?? (g.group === 'hw' ? sampleGene(g, rng) : geneDefault(g));
  }
  return to.repair(to.canonical(out));
}
