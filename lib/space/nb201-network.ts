/**
 * NAS-Bench-201 cells as whole networks: the benchmark's architecture string ↔ the six edge operations, and the
 * layer list of the CIFAR network a cell builds (Dong & Yang, ICLR 2020; the benchmark's reference code
 * `xautodl/models/cell_infers/tiny_network.py` [recall, hi]):
 *   stem conv 3×3, 3 → 16 (+BN) ; 5 cells at C = 16, 32×32 ; ResNet reduction block 16 → 32 ;
 *   5 cells at C = 32, 16×16 ; reduction 32 → 64 ; 5 cells at C = 64, 8×8 ; BN-ReLU, global average pool, FC 64 → 10.
 * A reduction block is ReLU-conv 3×3 stride 2 (C → 2C), ReLU-conv 3×3 (2C → 2C), and a shortcut of 2×2 average
 * pooling then conv 1×1 (C → 2C). In a cell, every `nor_conv_k×k` edge is ReLU-conv k×k (C → C, stride 1)-BN; skip,
 * none and avg_pool_3x3 edges have no MACs. Every edge is computed, as the reference code does, even from a node
 * that only ever receives zeros. Pooling layers are left out of the list (no weights, no MACs).
 */
import { ConfigError } from '../errors.js';
import { NB201_EDGES, NB201_OPS, type Nb201Op } from './presets/nb201.js';

/** Node pairs of the six edges, in benchmark order: 1←0; 2←0, 2←1; 3←0, 3←1, 3←2. */
const EDGE_NODES: readonly (readonly [number, number])[] = [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]];

/** The prefix that marks a NAS-Bench-201 string where an architecture is expected (`nb201:|…|`). */
export const NB201_ARCH_PREFIX = 'nb201:';

/**
 * The six operations of a NAS-Bench-201 architecture string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` (edge order of
 * NB201_EDGES). ConfigError naming what is wrong otherwise.
 */
export function parseNb201Arch(text: string, path = 'arch'): Nb201Op[] {
  const s = text.startsWith(NB201_ARCH_PREFIX) ? text.slice(NB201_ARCH_PREFIX.length) : text;
  const nodes = s.split('+');
  const bad = (message: string): never => {
    throw new ConfigError([{ path, message: `${message}; expected e.g. |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|` }], 'invalid NAS-Bench-201 architecture');
  };
  if (nodes.length !== 3) bad(`needs 3 node groups separated by "+", got ${nodes.length} in ${JSON.stringify(text)}`);
  const ops: Nb201Op[] = [];
  nodes.forEach((group, i) => {
    if (!group.startsWith('|') || !group.endsWith('|')) bad(`node ${i + 1} group ${JSON.stringify(group)} must start and end with "|"`);
    const parts = group.slice(1, -1).split('|');
    if (parts.length !== i + 1) bad(`node ${i + 1} needs ${i + 1} input edge(s), got ${parts.length}`);
    parts.forEach((p, j) => {
      const [op, from] = p.split('~');
      if (!(NB201_OPS as readonly string[]).includes(op)) bad(`unknown operation ${JSON.stringify(op)} (known: ${NB201_OPS.join(', ')})`);
      if (from !== String(j)) bad(`edge ${JSON.stringify(p)} of node ${i + 1} must come from node ${j}`);
      ops.push(op as Nb201Op);
    });
  });
  return ops;
}

/** The architecture string of six operations. */
export function formatNb201Arch(ops: readonly Nb201Op[]): string {
  return `|${ops[0]}~0|+|${ops[1]}~0|${ops[2]}~1|+|${ops[3]}~0|${ops[4]}~1|${ops[5]}~2|`;
}

/** The six operations as a genome of the nb201 space. */
export function nb201GenomeOf(ops: readonly Nb201Op[]): Record<string, Nb201Op> {
  return Object.fromEntries(NB201_EDGES.map((e, i) => [e, ops[i]]));
}

/** One MAC layer of the network (same padding). */
export interface Nb201Layer {
  readonly kind: 'conv' | 'dense';
  readonly name: string;
  readonly inShape: readonly [number, number, number];
  readonly outShape: readonly [number, number, number];
  readonly kernel: number;
  readonly stride: number;
}

/** Options of {@link nb201Layers}: the benchmark's CIFAR-10 network by default. */
export interface Nb201NetworkOptions {
  readonly input?: readonly [number, number, number];
  readonly stemChannels?: number;
  readonly cellsPerStage?: number;
  readonly classes?: number;
}

/** The MAC layers of the network a cell builds, in execution order. */
export function nb201Layers(ops: readonly Nb201Op[], o: Nb201NetworkOptions = {}): Nb201Layer[] {
  const [h0, w0, c0] = o.input ?? [32, 32, 3];
  const C = o.stemChannels ?? 16;
  const cells = o.cellsPerStage ?? 5;
  const classes = o.classes ?? 10;
  const out: Nb201Layer[] = [];
  const conv = (name: string, h: number, w: number, cin: number, cout: number, k: number, stride: number): void => {
    out.push({ kind: 'conv', name, inShape: [h, w, cin], outShape: [Math.ceil(h / stride), Math.ceil(w / stride), cout], kernel: k, stride });
  };
  let h = h0;
  let w = w0;
  let c = C;
  conv('stem', h, w, c0, C, 3, 1);
  for (let stage = 1; stage <= 3; stage++) {
    if (stage > 1) {
      const r = `red${stage - 1}`;
      conv(`${r}.a`, h, w, c, 2 * c, 3, 2);
      conv(`${r}.b`, Math.ceil(h / 2), Math.ceil(w / 2), 2 * c, 2 * c, 3, 1);
      conv(`${r}.short`, Math.floor(h / 2), Math.floor(w / 2), c, 2 * c, 1, 1);
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
      c *= 2;
    }
    for (let i = 1; i <= cells; i++) {
      ops.forEach((op, e) => {
        const k = op === 'nor_conv_3x3' ? 3 : op === 'nor_conv_1x1' ? 1 : 0;
        if (k > 0) conv(`s${stage}c${i}.${EDGE_NODES[e][0]}←${EDGE_NODES[e][1]}`, h, w, c, c, k, 1);
      });
    }
  }
  out.push({ kind: 'dense', name: 'fc', inShape: [1, 1, c], outShape: [1, 1, classes], kernel: 1, stride: 1 });
  return out;
}
