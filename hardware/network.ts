/**
 * The hardware view of a network: each layer with its loop dimensions and the word formats of its operands.
 * Built from the decoders' Architecture + Quantization (the only readers of genes), or written directly for
 * reference networks that the search spaces cannot express (strided convolutions, grouped AlexNet layers).
 */
import { HwnasError } from '../lib/errors.js';
import { convGroups, convHasRelu, fixedPointBits, type Architecture, type FixedPoint, type Quantization, type Shape3 } from '../lib/space/decode.js';
import { checkBits, MAX_OPERAND_BITS, MIN_OPERAND_BITS } from './operator-costs.js';

/** A word format: fixed point of `bits` total bits, or IEEE float32. */
export type Word = number | 'float32';

interface HwLayerBase {
  readonly name: string;
  readonly inShape: Shape3;
  readonly outShape: Shape3;
  /** Format of the activations entering the layer. */
  readonly input: Word;
  /**
   * Format the layer writes: an activation format (truncated/saturated), or `wide` when the accumulator is
   * passed on untouched (the logits).
   */
  readonly output: Word | 'wide';
}

/** A convolution (ReLU after it when `relu`); 'same' padding; `groups` independent groups as in AlexNet. */
export interface HwConv extends HwLayerBase {
  readonly kind: 'conv';
  readonly kernel: number;
  readonly stride: number;
  readonly groups: number;
  readonly weight: Word;
  readonly relu: boolean;
}

/** 2×2 max pooling, stride 2. */
export interface HwPool extends HwLayerBase {
  readonly kind: 'maxpool';
  readonly size: number;
}

/** Fully connected layer on the flattened input. */
export interface HwDense extends HwLayerBase {
  readonly kind: 'dense';
  readonly weight: Word;
  readonly relu: boolean;
}

/** A residual addition of layer `from`'s output to the previous layer's output (no MACs, one add per element). */
export interface HwAdd extends HwLayerBase {
  readonly kind: 'add';
  readonly from: string;
}

/** Global average pooling to [1, 1, channels] (no MACs, one add per input element). */
export interface HwGlobalPool extends HwLayerBase {
  readonly kind: 'globalpool';
}

/** One layer in hardware terms. */
export type HwLayer = HwConv | HwPool | HwAdd | HwGlobalPool | HwDense;

/** True for the layers that multiply and accumulate (convolutions and dense layers). */
export function isMacLayer(layer: HwLayer): layer is HwConv | HwDense {
  return layer.kind === 'conv' || layer.kind === 'dense';
}

/**
 * Refuses a network with layers a model does not describe (e.g. the FPGA pipeline models chains of
 * convolutions, pooling and a dense layer; residual additions and global pooling are the edge model's).
 */
export function requireLayerKinds(net: HwNetwork, model: string, kinds: readonly HwLayer['kind'][]): void {
  const bad = net.layers.filter((l) => !kinds.includes(l.kind));
  if (bad.length === 0) return;
  const names = [...new Set(bad.map((l) => l.kind))].join(', ');
  throw new HwnasError(
    'HW_UNSUPPORTED_LAYER',
    `hardware model "${model}" does not describe ${names} layers (first: ${bad[0].name}); it takes ${kinds.join(', ')}. ` +
      'MobileNet-like edge spaces run on --model edge',
  );
}

/** A chain of layers. */
export interface HwNetwork {
  readonly name: string;
  readonly input: Shape3;
  readonly layers: readonly HwLayer[];
}

/** Loop dimensions of a MAC layer, per group: M outputs, N inputs, K×K kernel, R×C output map (Zhang 2015 notation). */
export interface LoopDims {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly R: number;
  readonly C: number;
  readonly S: number;
  readonly groups: number;
}

/** M, N, K, R, C of a conv or dense layer (dense: K = R = C = 1, N = flattened inputs). */
export function loopDims(layer: HwConv | HwDense): LoopDims {
  if (layer.kind === 'dense') {
    const [h, w, c] = layer.inShape;
    return { M: layer.outShape[2], N: h * w * c, K: 1, R: 1, C: 1, S: 1, groups: 1 };
  }
  return {
    M: layer.outShape[2] / layer.groups,
    N: layer.inShape[2] / layer.groups,
    K: layer.kernel,
    R: layer.outShape[0],
    C: layer.outShape[1],
    S: layer.stride,
    groups: layer.groups,
  };
}

/** Multiply-accumulates of one image through the layer (0 for pooling). */
export function layerMacs(layer: HwLayer): number {
  if (!isMacLayer(layer)) return 0;
  const d = loopDims(layer);
  return d.groups * d.M * d.N * d.K * d.K * d.R * d.C;
}

/** Weights and biases of the layer (BatchNorm folded into them at inference). */
export function layerParams(layer: HwLayer): number {
  if (!isMacLayer(layer)) return 0;
  const d = loopDims(layer);
  return d.groups * (d.M * d.N * d.K * d.K + d.M);
}

/** The word of a format; `layer` and `role` name it in the error (the message is built only then: runs per layer). */
function word(f: FixedPoint | null, layer: string, role: string): Word {
  if (f === null) return 'float32';
  const bits = fixedPointBits(f);
  if (!Number.isInteger(bits) || bits < MIN_OPERAND_BITS || bits > MAX_OPERAND_BITS) checkBits(bits, `${layer} ${role}`);
  return bits;
}

/**
 * The hardware view of a decoded architecture and its quantization. The first layer reads
 * `quant.inputBits`-bit pixels (float32 when the network is unquantized); pooling passes its input format on;
 * the dense layer's logits stay at accumulator width.
 */
export function fromArchitecture(arch: Architecture, quant: Quantization, name = 'network'): HwNetwork {
  if (quant.layers.length !== arch.layers.length) {
    throw new HwnasError('HW_QUANT_MISMATCH', `quantization has ${quant.layers.length} layers, architecture ${arch.layers.length}`);
  }
  let current: Word = quant.float ? 'float32' : quant.inputBits;
  if (current !== 'float32') checkBits(current, 'input pixel');
  const layers: HwLayer[] = arch.layers.map((l, i): HwLayer => {
    const q = quant.layers[i];
    const input = current;
    switch (l.kind) {
      case 'conv': {
        const output = word(q.activation, l.name, 'activation');
        current = output;
        return {
          kind: 'conv', name: l.name, inShape: l.inShape, outShape: l.outShape, input, output,
          kernel: l.kernel, stride: l.stride, groups: convGroups(l), weight: word(q.weight, l.name, 'weight'), relu: convHasRelu(l),
        };
      }
      case 'maxpool':
        return { kind: 'maxpool', name: l.name, inShape: l.inShape, outShape: l.outShape, input, output: input, size: l.size };
      case 'add':
        return { kind: 'add', name: l.name, inShape: l.inShape, outShape: l.outShape, input, output: input, from: l.from };
      case 'globalpool':
        return { kind: 'globalpool', name: l.name, inShape: l.inShape, outShape: l.outShape, input, output: input };
      case 'dense': {
        const weight = word(q.weight, l.name, 'weight');
        const output: Word | 'wide' = q.activation ? word(q.activation, l.name, 'activation') : quant.float ? 'float32' : 'wide';
        current = output === 'wide' ? current : output;
        return { kind: 'dense', name: l.name, inShape: l.inShape, outShape: l.outShape, input, output, weight, relu: false };
      }
    }
  });
  return { name, input: arch.input, layers };
}

/** Output side of a 'same'-padded convolution with stride s. */
export function sameOut(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/** Builds a chain from compact conv specs `[kernel, filters, stride]` (Co-Explore token form), then Flatten → Dense(classes). */
export function chainFromTokens(
  name: string,
  input: Shape3,
  tokens: readonly (readonly [number, number, number])[],
  classes: number,
  bits: { weight: Word; activation: Word; input: Word },
): HwNetwork {
  const layers: HwLayer[] = [];
  let shape: Shape3 = input;
  let current: Word = bits.input;
  tokens.forEach(([k, f, s], i) => {
    const out: Shape3 = [sameOut(shape[0], s), sameOut(shape[1], s), f];
    layers.push({
      kind: 'conv', name: `L${i + 1}`, inShape: shape, outShape: out, input: current, output: bits.activation,
      kernel: k, stride: s, groups: 1, weight: bits.weight, relu: true,
    });
    shape = out;
    current = bits.activation;
  });
  layers.push({
    kind: 'dense', name: 'fc', inShape: shape, outShape: [1, 1, classes], input: current,
    output: bits.activation === 'float32' ? 'float32' : 'wide', weight: bits.weight, relu: false,
  });
  return { name, input, layers };
}
