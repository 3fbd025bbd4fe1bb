/**
 * The NAS-Bench-201 cell space: 6 edges × 5 operations (Dong & Yang, ICLR 2020). Edge order is the
 * benchmark's: 1←0; 2←0, 2←1; 3←0, 3←1, 3←2.
 */
import type { Gene } from '../gene.js';
import { SearchSpace } from '../search-space.js';

/** The five NAS-Bench-201 operations, in the benchmark's index order. */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** One NAS-Bench-201 operation. */
export type Nb201Op = (typeof NB201_OPS)[number];

/** Gene names of the six edges, in benchmark order. */
export const NB201_EDGES = ['edge1_0', 'edge2_0', 'edge2_1', 'edge3_0', 'edge3_1', 'edge3_2'] as const;

/** The nb201 space. */
export function nb201Space(): SearchSpace {
  const genes: Gene[] = NB201_EDGES.map((name) => ({ name, group: 'arch', kind: 'choice', choices: NB201_OPS }));
  return new SearchSpace({ name: 'nb201', genes, meta: { family: 'nb201' } });
}
