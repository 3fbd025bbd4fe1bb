/**
 * Decoder of the MobileNet-like edge spaces (presets/edge-mbnet.ts): a genome → the network description that
 * hardware/edge-workloads.ts `mobilenetLikeLayers` builds layers from (the same shape, declared here so lib/space
 * stays below hardware/).
 */
import type { Genome } from './genome.js';
import type { SearchSpace } from './search-space.js';
import type { EdgeMbStageBase } from './presets/edge-mbnet.js';

/** One decoded stage. */
export interface MbStageSpec {
  readonly op: 'ibn' | 'fused';
  /** Expansion ratio. */
  readonly t: number;
  /** Output channels (base × width multiplier, rounded to a multiple of 8 as MobileNet does, at least 8). */
  readonly c: number;
  /** Blocks. */
  readonly n: number;
  /** First block's stride. */
  readonly s: number;
  /** Kernel size. */
  readonly k: number;
}

/** A decoded MobileNet-like network. */
export interface MbNetworkSpec {
  readonly input: number;
  readonly stemChannels: number;
  readonly headChannels: number;
  readonly classes: number;
  readonly stages: readonly MbStageSpec[];
}

/** Rounds to the nearest multiple of 8, at least 8 (MobileNet's `_make_divisible`, without its 10 % guard). */
const divisible8 = (x: number): number => Math.max(8, Math.round(x / 8) * 8);

/** The network a genome of an `edge-mbnet` space describes. */
export function decodeEdgeMbnet(space: SearchSpace, genome: Genome): MbNetworkSpec {
  if (space.meta.family !== 'edge-mbnet') throw new RangeError(`space "${space.name}" is not an edge-mbnet space (family ${space.meta.family})`);
  const stages = space.meta.stages as readonly EdgeMbStageBase[];
  return {
    input: space.meta.input![0],
    stemChannels: space.meta.stemChannels as number,
    headChannels: space.meta.headChannels as number,
    classes: space.meta.classes!,
    stages: stages.map((st, i) => {
      const g = (k: string) => genome[`S${i + 1}.${k}`];
      return { op: g('op') as 'ibn' | 'fused', t: g('expansion') as number, c: divisible8(st.c * (g('width') as number)), n: g('blocks') as number, s: st.s, k: g('kernel') as number };
    }),
  };
}
