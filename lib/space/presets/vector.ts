/** Continuous boxes for benchmark problems (ZDT, DTLZ): genes x1..xn, reals in [min, max]. */
import type { Gene } from '../gene.js';
import { SearchSpace } from '../search-space.js';

/** A space of `n` real genes named x1..xn in [min, max]. */
export function vectorSpace(name: string, n: number, min = 0, max = 1): SearchSpace {
  const genes: Gene[] = Array.from({ length: n }, (_, i) => ({
    name: `x${i + 1}`,
    group: 'arch' as const,
    kind: 'real' as const,
    min,
    max,
  }));
  return new SearchSpace({ name, genes, meta: { family: 'vector' } });
}
