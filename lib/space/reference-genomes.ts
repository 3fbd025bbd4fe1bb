/**
 * The reference networks a model zoo trains (HotNAS's zoo of pre-trained models, Jiang et al. CODES+ISSS'20;
 * MODELS.md §4.1 — theirs are ImageNet classics; ours are networks of the searched space itself, so a child
 * finds a close parent). A fixed, documented ladder for lu2019-family spaces, every layer pooled unless said:
 *   small         2 layers (or the least depth), the second-narrowest filters, 3×3 kernels
 *   medium        the middle depth, the middle filter choice (the upper one of two), 3×3
 *   large         the greatest depth, the widest filters, 5×5 first layer then 3×3
 *   wide-shallow  the least depth, the widest filters, 5×5
 *   narrow-deep   the greatest depth, the narrowest filters, 3×3, pooling after the first two layers only
 * then `sample-<n>`: genomes drawn from the seeded `rng`. All at the widest quantization the space allows (the
 * largest value of every int/bits quant gene: full precision within the space); any other gene (hardware, compression)
 * keeps its default. Deterministic: the same space, count and seed give the same list.
 */
import type { Rng } from '../rng.js';
import { geneDefault, type Gene, type GeneValue } from './gene.js';
import type { Genome } from './genome.js';
import type { SearchSpace } from './search-space.js';

/** A reference network: a stable id and its genome. */
export interface ReferenceGenome {
  readonly id: string;
  readonly genome: Genome;
}

interface Archetype {
  readonly id: string;
  readonly depth: (min: number, max: number) => number;
  /** Index into the sorted filter choices, given their count. */
  readonly filters: (n: number) => number;
  readonly kernel: (layer: number) => number;
  readonly pool: (layer: number) => boolean;
}

const ARCHETYPES: readonly Archetype[] = [
  { id: 'small', depth: (lo, hi) => Math.min(hi, Math.max(lo, 2)), filters: (n) => Math.min(1, n - 1), kernel: () => 3, pool: () => true },
  { id: 'medium', depth: (lo, hi) => Math.round((lo + hi) / 2), filters: (n) => Math.ceil((n - 1) / 2), kernel: () => 3, pool: () => true },
  { id: 'large', depth: (_, hi) => hi, filters: (n) => n - 1, kernel: (i) => (i === 1 ? 5 : 3), pool: () => true },
  { id: 'wide-shallow', depth: (lo) => lo, filters: (n) => n - 1, kernel: () => 5, pool: () => true },
  { id: 'narrow-deep', depth: (_, hi) => hi, filters: () => 0, kernel: () => 3, pool: (i) => i <= 2 },
];

/** Most archetypes {@link referenceGenomes} returns before it samples. */
export const REFERENCE_ARCHETYPES = ARCHETYPES.map((a) => a.id);

/** A quant gene at its widest: the largest bit count (other kinds, e.g. a compression choice, keep their default). */
function widest(g: Gene): GeneValue {
  return g.kind === 'int' || g.kind === 'bits' ? g.max : geneDefault(g);
}

/** The allowed value of choice gene `g` nearest to `v` (the gene's own value when it is not a number choice). */
function nearestChoice(g: Gene, v: number): GeneValue {
  if (g.kind !== 'choice') return g.kind === 'int' || g.kind === 'bits' ? Math.min(g.max, Math.max(g.min, v)) : geneDefault(g);
  const nums = g.choices.filter((c): c is number => typeof c === 'number');
  return nums.length === 0 ? geneDefault(g) : nums.reduce((b, c) => (Math.abs(c - v) < Math.abs(b - v) ? c : b));
}

function archetypeGenome(space: SearchSpace, a: Archetype): Genome | null {
  const out: Record<string, GeneValue> = {};
  for (const g of space.genes) out[g.name] = g.group === 'quant' ? widest(g) : geneDefault(g);
  const depthGene = space.gene('depth');
  if (depthGene.kind !== 'int') return null;
  const depth = a.depth(depthGene.min, depthGene.max);
  out.depth = depth;
  for (let i = 1; i <= depthGene.max; i++) {
    const f = space.gene(`L${i}.filters`);
    if (f.kind === 'choice') {
      const sorted = f.choices.filter((c): c is number => typeof c === 'number').sort((x, y) => x - y);
      if (sorted.length > 0) out[f.name] = sorted[a.filters(sorted.length)];
    }
    out[`L${i}.kernel`] = nearestChoice(space.gene(`L${i}.kernel`), a.kernel(i));
    if (space.has(`L${i}.pool`)) out[`L${i}.pool`] = a.pool(i);
  }
  return space.repair(space.canonical(out));
}

/**
 * `count` reference genomes of lu2019-family `space`: the archetypes above in order, then seeded samples
 * (quant genes widened); duplicates (by key) are skipped.
 */
export function referenceGenomes(space: SearchSpace, count: number, rng: Rng): ReferenceGenome[] {
  if (space.meta.family !== 'lu2019') throw new RangeError(`reference networks need a lu2019-family space; "${space.name}" is ${space.meta.family}`);
  const out: ReferenceGenome[] = [];
  const keys = new Set<string>();
  const add = (id: string, g: Genome | null) => {
    if (!g || out.length >= count) return;
    const k = space.key(g);
    if (keys.has(k)) return;
    keys.add(k);
    out.push({ id, genome: g });
  };
  for (const a of ARCHETYPES) add(a.id, archetypeGenome(space, a));
  for (let n = 1, tries = 0; out.length < count && tries < 1000; tries++) {
    const s = space.sample(rng.fork(`sample/${tries}`));
    const wide: Record<string, GeneValue> = { ...s };
    for (const g of space.genesOf('quant')) wide[g.name] = widest(g);
    const before = out.length;
    add(`sample-${n}`, space.repair(space.canonical(wide)));
    if (out.length > before) n++;
  }
  return out;
}
