/**
 * MobileNet-like spaces customised to edge accelerators (NAHAS, MODELS-ACCELERATORS §2.2–2.3): per stage, the block
 * type — an inverted bottleneck (1×1 expand, depthwise k×k, 1×1 project) or a fused inverted bottleneck (one k×k
 * convolution that expands, then the 1×1 projection; better on PE arrays where depthwise idles the lanes) —, the
 * kernel, the expansion ratio, the number of blocks and a width multiplier. `edge-mbnet` follows MobileNetV2's
 * seven stages at 224×224; `edge-mbnet-reduced` has five shallow stages at 32×32 for searches that train here.
 * Decoded by lib/space/decode-edge.ts; hardware/edge-workloads.ts turns the result into layers.
 */
import type { Gene, GeneValue } from '../gene.js';
import type { Genome } from '../genome.js';
import { SearchSpace } from '../search-space.js';

/** One stage's fixed facts: base output channels, first stride, most blocks. */
export interface EdgeMbStageBase {
  readonly c: number;
  readonly s: number;
  readonly maxBlocks: number;
}

/** Options of {@link edgeMbnetSpace}. */
export interface EdgeMbnetOptions {
  readonly name: string;
  readonly input: number;
  readonly channels: number;
  readonly classes: number;
  readonly stemChannels: number;
  readonly headChannels: number;
  readonly stages: readonly EdgeMbStageBase[];
}

/** MobileNetV2's stage table (Sandler et al. 2018, Table 2) as the base of the full space. */
export const EDGE_MBNET: EdgeMbnetOptions = {
  name: 'edge-mbnet',
  input: 224,
  channels: 3,
  classes: 1000,
  stemChannels: 32,
  headChannels: 1280,
  stages: [
    { c: 16, s: 1, maxBlocks: 1 },
    { c: 24, s: 2, maxBlocks: 3 },
    { c: 32, s: 2, maxBlocks: 4 },
    { c: 64, s: 2, maxBlocks: 4 },
    { c: 96, s: 1, maxBlocks: 4 },
    { c: 160, s: 2, maxBlocks: 4 },
    { c: 320, s: 1, maxBlocks: 1 },
  ],
};

/** The reduced variant: CIFAR-10 size, five stages of one or two blocks [inferred]. */
export const EDGE_MBNET_REDUCED: EdgeMbnetOptions = {
  name: 'edge-mbnet-reduced',
  input: 32,
  channels: 3,
  classes: 10,
  stemChannels: 16,
  headChannels: 320,
  stages: [
    { c: 8, s: 1, maxBlocks: 1 },
    { c: 16, s: 2, maxBlocks: 2 },
    { c: 24, s: 2, maxBlocks: 2 },
    { c: 40, s: 2, maxBlocks: 2 },
    { c: 80, s: 1, maxBlocks: 2 },
  ],
};

/** The space: per stage `S{i}.op`, `S{i}.kernel`, `S{i}.expansion`, `S{i}.blocks`, `S{i}.width`. */
export function edgeMbnetSpace(o: EdgeMbnetOptions = EDGE_MBNET_REDUCED): SearchSpace {
  const genes: Gene[] = o.stages.flatMap((st, i): Gene[] => [
    { name: `S${i + 1}.op`, group: 'arch', kind: 'choice', choices: ['ibn', 'fused'] },
    { name: `S${i + 1}.kernel`, group: 'arch', kind: 'choice', choices: [3, 5] },
    { name: `S${i + 1}.expansion`, group: 'arch', kind: 'choice', choices: [1, 3, 6] },
    { name: `S${i + 1}.blocks`, group: 'arch', kind: 'int', min: 1, max: st.maxBlocks },
    { name: `S${i + 1}.width`, group: 'arch', kind: 'choice', choices: [0.75, 1, 1.25] },
  ]);
  return new SearchSpace({
    name: o.name,
    genes,
    meta: { family: 'edge-mbnet', input: [o.input, o.input, o.channels], classes: o.classes, stemChannels: o.stemChannels, headChannels: o.headChannels, stages: o.stages },
  });
}

/**
 * The most expensive design of an edge-mbnet space: every stage a fused inverted bottleneck (a dense k×k
 * convolution at the expanded width) with the largest kernel, expansion, block count and width.
 */
export function largestEdgeMbnetGenome(space: SearchSpace): Genome {
  const g: Record<string, GeneValue> = {};
  for (const gene of space.genes) {
    if (gene.name.endsWith('.op')) g[gene.name] = 'fused';
    else if (gene.kind === 'int') g[gene.name] = gene.max;
    else if (gene.kind === 'choice') g[gene.name] = Math.max(...(gene.choices as number[]));
    else throw new RangeError(`edge-mbnet gene ${gene.name} is of kind ${gene.kind}`);
  }
  return g;
}
