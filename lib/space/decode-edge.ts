/**
 * Decoder of the MobileNet-like edge spaces (presets/edge-mbnet.ts): a genome → the network description that
 * hardware/edge-workloads.ts `mobilenetLikeLayers` builds layers from (the same shape, declared here so lib/space
 * stays below hardware/).
 */
import type { Genome } from './genome.js';
import type { SearchSpace } from './search-space.js';
import type { EdgeMbStageBase } from './presets/edge-mbnet.js';
import type { Architecture, LayerSpec, Shape3 } from './architecture.js';

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

/**
 * The layers of a decoded MobileNet-like network, in the names and order of hardware/edge-workloads.ts
 * `mobilenetLikeLayers` (stem 3×3 stride 2; per block `s{i}b{j}.expand` 1×1 → `.dw` depthwise k×k, or `.fused`
 * k×k; `.project` 1×1 linear; `.add` residual when the block keeps stride 1 and its channels, as MobileNetV2;
 * `head` 1×1; global average pooling `pool`; `fc`). ReLU where MobileNetV2 has ReLU6 [inferred: the bound of 6
 * matters for its float16/int8 deployment, not for accuracy at this scale].
 */
export function edgeMbnetArchitecture(net: MbNetworkSpec, inChannels: number): Architecture {
  const layers: LayerSpec[] = [];
  let shape: Shape3 = [net.input, net.input, inChannels];
  const conv = (name: string, filters: number, kernel: number, stride: number, extra: { groups?: number; activation?: 'linear' } = {}): void => {
    const out: Shape3 = [Math.ceil(shape[0] / stride), Math.ceil(shape[1] / stride), filters];
    layers.push({ kind: 'conv', name, filters, kernel, stride, ...extra, inShape: shape, outShape: out });
    shape = out;
  };
  conv('stem', net.stemChannels, 3, 2);
  net.stages.forEach((st, si) => {
    for (let b = 0; b < st.n; b++) {
      const p = `s${si + 1}b${b + 1}`;
      const stride = b === 0 ? st.s : 1;
      const blockInput = layers[layers.length - 1].name;
      const inShape = shape;
      const hidden = shape[2] * st.t;
      if (st.op === 'fused') conv(`${p}.fused`, hidden, st.k, stride);
      else {
        if (st.t !== 1) conv(`${p}.expand`, hidden, 1, 1);
        conv(`${p}.dw`, hidden, st.k, stride, { groups: hidden });
      }
      conv(`${p}.project`, st.c, 1, 1, { activation: 'linear' });
      if (stride === 1 && inShape[2] === st.c) layers.push({ kind: 'add', name: `${p}.add`, from: blockInput, inShape: shape, outShape: shape });
    }
  });
  conv('head', net.headChannels, 1, 1);
  const pooled: Shape3 = [1, 1, shape[2]];
  layers.push({ kind: 'globalpool', name: 'pool', inShape: shape, outShape: pooled });
  layers.push({ kind: 'dense', name: 'fc', units: net.classes, inShape: pooled, outShape: [1, 1, net.classes] });
  return { input: [net.input, net.input, inChannels], classes: net.classes, layers };
}
