/**
 * MobileNet-like workloads for the edge accelerator: MobileNetV2's stage table (Sandler et al. 2018, Table 2:
 * expansion t, channels c, repeats n, stride s) built from inverted bottlenecks (1×1 expand, depthwise k×k,
 * 1×1 project) or fused inverted bottlenecks (one k×k convolution that expands, then the 1×1 projection), as
 * EfficientNet-EdgeTPU / NAHAS use in the early stages where depthwise convolutions idle the array.
 */
import type { EdgeLayer } from './edge-accelerator.js';
import type { MbStageSpec } from '../lib/space/decode-edge.js';

/** One stage: block type, expansion, output channels, repeats, first stride, kernel (the space's decoded stage). */
export type MbStage = MbStageSpec;

/** MobileNetV2's stages (Sandler et al. 2018, Table 2), kernel 3, all plain inverted bottlenecks. */
export const MOBILENET_V2_STAGES: readonly MbStage[] = [
  { op: 'ibn', t: 1, c: 16, n: 1, s: 1, k: 3 },
  { op: 'ibn', t: 6, c: 24, n: 2, s: 2, k: 3 },
  { op: 'ibn', t: 6, c: 32, n: 3, s: 2, k: 3 },
  { op: 'ibn', t: 6, c: 64, n: 4, s: 2, k: 3 },
  { op: 'ibn', t: 6, c: 96, n: 3, s: 1, k: 3 },
  { op: 'ibn', t: 6, c: 160, n: 3, s: 2, k: 3 },
  { op: 'ibn', t: 6, c: 320, n: 1, s: 1, k: 3 },
];

/** Options of {@link mobilenetLikeLayers}. */
export interface MbNetworkOptions {
  readonly input: number;
  readonly stemChannels: number;
  readonly headChannels: number;
  readonly classes: number;
  readonly stages: readonly MbStage[];
}

/** The layers of a MobileNet-like network (stem conv 3×3 s2, the stages, 1×1 head, classifier). */
export function mobilenetLikeLayers(o: MbNetworkOptions): EdgeLayer[] {
  const layers: EdgeLayer[] = [];
  let size = Math.ceil(o.input / 2);
  let c = o.stemChannels;
  layers.push({ name: 'stem', kind: 'conv', h: size, w: size, c: 3, k: c, r: 3, stride: 2 });
  o.stages.forEach((st, si) => {
    for (let b = 0; b < st.n; b++) {
      const stride = b === 0 ? st.s : 1;
      const out = Math.ceil(size / stride);
      const hidden = c * st.t;
      const p = `s${si + 1}b${b + 1}`;
      if (st.op === 'fused') {
        layers.push({ name: `${p}.fused`, kind: 'conv', h: out, w: out, c, k: hidden, r: st.k, stride });
      } else {
        if (st.t !== 1) layers.push({ name: `${p}.expand`, kind: 'conv', h: size, w: size, c, k: hidden, r: 1, stride: 1 });
        layers.push({ name: `${p}.dw`, kind: 'depthwise', h: out, w: out, c: hidden, k: hidden, r: st.k, stride });
      }
      layers.push({ name: `${p}.project`, kind: 'conv', h: out, w: out, c: hidden, k: st.c, r: 1, stride: 1 });
      size = out;
      c = st.c;
    }
  });
  layers.push({ name: 'head', kind: 'conv', h: size, w: size, c, k: o.headChannels, r: 1, stride: 1 });
  layers.push({ name: 'fc', kind: 'dense', h: 1, w: 1, c: o.headChannels, k: o.classes, r: 1, stride: 1 });
  return layers;
}

/** MobileNetV2 1.0 at 224×224, ImageNet (Sandler et al. 2018). */
export const MOBILENET_V2: MbNetworkOptions = { input: 224, stemChannels: 32, headChannels: 1280, classes: 1000, stages: MOBILENET_V2_STAGES };

/**
 * The reduced variant for searches here: 32×32 inputs (CIFAR-10), one block per stage, half the channels, fused
 * inverted bottlenecks in the first two stages (as EfficientNet-EdgeTPU) [inferred].
 */
export const MOBILENET_REDUCED: MbNetworkOptions = {
  input: 32,
  stemChannels: 16,
  headChannels: 320,
  classes: 10,
  stages: [
    { op: 'fused', t: 1, c: 8, n: 1, s: 1, k: 3 },
    { op: 'fused', t: 4, c: 16, n: 1, s: 2, k: 3 },
    { op: 'ibn', t: 4, c: 24, n: 1, s: 2, k: 3 },
    { op: 'ibn', t: 4, c: 40, n: 1, s: 2, k: 3 },
    { op: 'ibn', t: 4, c: 80, n: 1, s: 1, k: 3 },
  ],
};

/** The workloads by name. */
export const EDGE_WORKLOADS = {
  'mobilenet-v2': () => mobilenetLikeLayers(MOBILENET_V2),
  'mobilenet-reduced': () => mobilenetLikeLayers(MOBILENET_REDUCED),
} as const;
