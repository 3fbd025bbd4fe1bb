/**
 * How the GP sees a genome: one coordinate per gene, built on the space's vector view.
 * - int, bits, real: the value scaled to [0, 1] (ordinal: distance is the scaled difference);
 * - choice of strictly monotonic numbers (e.g. filters 16/32/64): ordinal, its index scaled to [0, 1];
 * - other choices and bools: categorical, the index itself; the kernel only asks "same or different"
 *   (a categorical/overlap kernel: equivalent to one-hot with one length-scale per gene, at a fraction of the cost);
 * - an inactive conditional gene is NaN: two inactive values are equal, inactive vs active differ by 1.
 */
import type { Gene } from '../../lib/space/gene.js';
import type { Genome } from '../../lib/space/genome.js';
import type { SearchSpace } from '../../lib/space/search-space.js';

/** Coordinate kind per gene. */
export type CoordKind = 'ordinal' | 'categorical';

/** The GP's view of a space. */
export interface Encoding {
  readonly kinds: readonly CoordKind[];
  /** Encoded genome (length = number of genes). */
  encode(genome: Genome): Float64Array;
}

function isMonotonicNumbers(values: readonly unknown[]): boolean {
  if (values.length < 2 || !values.every((v) => typeof v === 'number')) return false;
  const xs = values as number[];
  const up = xs.every((x, i) => i === 0 || x > xs[i - 1]);
  const down = xs.every((x, i) => i === 0 || x < xs[i - 1]);
  return up || down;
}

/** Kind of one gene's coordinate (`ordinalChoices: false` makes every choice gene categorical). */
export function coordKind(g: Gene, ordinalChoices: boolean): CoordKind {
  switch (g.kind) {
    case 'int':
    case 'bits':
    case 'real':
      return 'ordinal';
    case 'choice':
      return ordinalChoices && isMonotonicNumbers(g.choices) ? 'ordinal' : 'categorical';
    case 'bool':
      return 'categorical';
  }
}

/** The encoding of `space`. */
export function makeEncoding(space: SearchSpace, ordinalChoices = true): Encoding {
  const kinds = space.genes.map((g) => coordKind(g, ordinalChoices));
  const spans = space.genes.map((g) => {
    switch (g.kind) {
      case 'choice':
        return [0, Math.max(1, g.choices.length - 1)];
      case 'bool':
        return [0, 1];
      default:
        return [g.min, g.max === g.min ? g.min + 1 : g.max];
    }
  });
  const conditional = space.genes.some((g) => g.when !== undefined);
  return {
    kinds,
    encode(genome: Genome): Float64Array {
      const v = space.toVector(genome);
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) {
        if (conditional && !space.isActive(genome, space.genes[i])) out[i] = NaN;
        else if (kinds[i] === 'categorical') out[i] = v[i];
        else out[i] = (v[i] - spans[i][0]) / (spans[i][1] - spans[i][0]);
      }
      return out;
    },
  };
}

/** Squared per-gene difference of two encoded coordinates (NaN = inactive). */
export function coordSquaredDistance(kind: CoordKind, a: number, b: number): number {
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  if (na || nb) return na && nb ? 0 : 1;
  if (kind === 'categorical') return a === b ? 0 : 1;
  const d = a - b;
  return d * d;
}
