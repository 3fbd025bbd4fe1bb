/**
 * The trainable tfjs network of a decoded genome (lu2019 and edge-mbnet families), read only through the decoders:
 *
 *   conv layer:  Conv(K×K, 'same', its stride, bias; regular, or depthwise with kernel [K,K,C,1]; kernel
 *                fake-quantized as a signed fixed-point weight) → [BatchNorm] → ReLU → activation fake-quant
 *                (unsigned; it clamps at 0, so it subsumes the ReLU), or no ReLU for a linear convolution
 *   maxpool:     2×2/2            add: previous output + output of layer `from` (no activation)
 *   globalpool:  mean over height and width, to [N,1,1,C]
 *   dense layer: Flatten → Dense(classes; kernel fake-quantized), logits stay float
 *
 * Float genomes (null formats) train the same net without quantizers. Weights are plain tf.Variables named
 * `<layer>/kernel`, `<layer>/bias` (and `<layer>/gamma|beta|moving_mean|moving_variance` with BatchNorm),
 * initialised Glorot- or He-uniform ({@link ModelOptions.init}) from our seeded Rng (biases zero), so a seed fixes
 * the initial network.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.js';
import {
  convGroups,
  convHasRelu,
  decodeArchitecture,
  decodeQuantization,
  isWeightless,
  type Architecture,
  type ConvLayer,
  type LayerSpec,
  type Quantization,
} from '../space/decode.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { BIAS_QUANTIZATION, fakeQuant, isFloatFormat, ROUNDING } from './fake-quant.js';
import { convBlock, convGeometry, cropKernel, maxPool2x2, type StepKeeper } from './ops.js';
import { VariableMasks, type CompressionMasks } from './masks.js';

/** Options of a model. */
export interface ModelOptions {
  /** BatchNorm after each convolution (default false). */
  readonly batchNorm?: boolean;
  /** Seed of the initial weights. */
  readonly seed?: string | number;
  /**
   * Initialisation of the conv kernels (the dense layer is always Glorot): 'glorot' (uniform, Glorot & Bengio,
   * AISTATS 2010) or 'he' (uniform with variance 2/fan-in after a ReLU, 1/fan-in before none: He et al., ICCV
   * 2015). Default: 'he' for networks with linear convolutions or residual additions (MobileNet-like: torchvision's
   * MobileNetV2 initialises its convolutions He/Kaiming, fan-out; and without BatchNorm Glorot's 2/(fan-in + fan-out) shrinks
   * the signal by fan-in/(fan-in + fan-out) per layer — 1/7 at a 6× expansion — so deep children stay at chance),
   * 'glorot' otherwise (the lu2019 chains, as always).
   */
  readonly init?: 'glorot' | 'he';
  /** BatchNorm moving-average momentum (default 0.99) and epsilon (default 1e-3), as in Keras. */
  readonly bnMomentum?: number;
  readonly bnEpsilon?: number;
}

/** A named float32 array with its shape. */
export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * A trained network as data: what the ONNX exporter and our own quantized inference read. `weights` are the
 * float32 master weights; the quantized kernel of layer i is `quantizeArray(kernel, quantization.layers[i].weight)`.
 * Kernels are HWIO (K,K,Cin,Cout) for convolutions and (in, out) for the dense layer, whose input is the
 * NHWC feature map flattened in (h, w, c) order.
 */
export interface TrainedModel {
  readonly format: 'hwnas-trained-cnn/1';
  readonly architecture: Architecture;
  readonly quantization: Quantization;
  readonly batchNorm: boolean;
  readonly bnEpsilon: number;
  readonly rounding: typeof ROUNDING;
  readonly bias: typeof BIAS_QUANTIZATION;
  readonly weights: readonly NamedArray[];
  /** Pruning masks (hotnas spaces, masks.ts): the masked weights are zero in `weights`; export re-applies them. */
  readonly compression?: CompressionMasks;
}

interface ConvParams {
  kernel: tf.Variable;
  bias: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  movingMean?: tf.Variable;
  movingVariance?: tf.Variable;
}

let variableSeq = 0;

/** Uniform in ±limit (variance limit²/3). */
function uniform(rng: Rng, shape: number[], limit: number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/** Glorot-uniform limit: variance 2/(fan-in + fan-out). */
const glorotLimit = (fanIn: number, fanOut: number): number => Math.sqrt(6 / (fanIn + fanOut));
/** He-uniform limit: variance gain/fan-in (gain 2 before a ReLU, 1 before none). */
const heLimit = (fanIn: number, gain: number): number => Math.sqrt((3 * gain) / fanIn);

/** The default initialisation of an architecture (see {@link ModelOptions.init}). */
export function defaultInit(arch: Architecture): 'glorot' | 'he' {
  return arch.layers.some((l) => l.kind === 'add' || (l.kind === 'conv' && !convHasRelu(l))) ? 'he' : 'glorot';
}

/** True for a depthwise convolution (as many groups as input channels and filters). */
function isDepthwise(layer: LayerSpec): boolean {
  return layer.kind === 'conv' && convGroups(layer) > 1;
}

/** Refuses what the network cannot build: group counts other than 1 or depthwise, residuals that do not line up. */
function checkArchitecture(arch: Architecture): void {
  const seen = new Map<string, LayerSpec>();
  arch.layers.forEach((layer, i) => {
    if (layer.kind === 'conv') {
      const g = convGroups(layer);
      if (g !== 1 && !(g === layer.inShape[2] && g === layer.filters)) {
        throw new RangeError(`layer ${layer.name}: groups ${g} — only regular (1) and depthwise (groups = input channels = filters) convolutions train`);
      }
    }
    if (layer.kind === 'add') {
      const from = seen.get(layer.from);
      if (!from) throw new RangeError(`layer ${layer.name} adds the output of "${layer.from}", which is not an earlier layer`);
      const prev = i > 0 ? arch.layers[i - 1].outShape : arch.input;
      if (from.outShape.join('x') !== prev.join('x')) {
        throw new RangeError(`layer ${layer.name} adds ${layer.from} (${from.outShape.join('×')}) to a ${prev.join('×')} output`);
      }
    }
    seen.set(layer.name, layer);
  });
}

/** A quantization-aware CNN built from a decoded architecture and quantization. */
export class QuantizedCnn {
  readonly batchNorm: boolean;
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  private readonly params = new Map<string, ConvParams>();
  /** Layers whose output a residual addition reads later. */
  private readonly residualSources: ReadonlySet<string>;
  private readonly named: { name: string; v: tf.Variable; trainable: boolean }[] = [];
  private masks?: VariableMasks;
  private disposed = false;

  constructor(
    readonly architecture: Architecture,
    readonly quantization: Quantization,
    options: ModelOptions = {},
  ) {
    if (quantization.layers.length !== architecture.layers.length) {
      throw new RangeError('quantization must have one entry per layer of the architecture');
    }
    checkArchitecture(architecture);
    this.residualSources = new Set(architecture.layers.flatMap((l) => (l.kind === 'add' ? [l.from] : [])));
    this.batchNorm = options.batchNorm ?? false;
    this.bnMomentum = options.bnMomentum ?? 0.99;
    this.bnEpsilon = options.bnEpsilon ?? 1e-3;
    const rng = Rng.fromSeed(options.seed ?? 0).fork('init');
    const init = options.init ?? defaultInit(architecture);
    for (const layer of architecture.layers) {
      if (isWeightless(layer)) continue;
      const r = rng.fork(layer.name);
      let kShape: number[];
      let fanIn: number;
      let fanOut: number;
      let units: number;
      let limit: number;
      if (layer.kind === 'conv') {
        const cin = layer.inShape[2];
        const groups = convGroups(layer);
        // tfjs layouts: HWIO, depthwise [K,K,C,1]. Glorot counts the connections of one unit (Glorot & Bengio,
        // AISTATS 2010): per group, each output reads K²·Cin/groups inputs and each input feeds K²·Cout/groups
        // outputs (depthwise: K² and K²).
        kShape = groups > 1 ? [layer.kernel, layer.kernel, cin, 1] : [layer.kernel, layer.kernel, cin, layer.filters];
        fanIn = (layer.kernel * layer.kernel * cin) / groups;
        fanOut = (layer.kernel * layer.kernel * layer.filters) / groups;
        units = layer.filters;
        limit = init === 'he' ? heLimit(fanIn, convHasRelu(layer) ? 2 : 1) : glorotLimit(fanIn, fanOut);
      } else {
        const inSize = layer.inShape[0] * layer.inShape[1] * layer.inShape[2];
        kShape = [inSize, layer.units];
        fanIn = inSize;
        fanOut = layer.units;
        units = layer.units;
        limit = glorotLimit(fanIn, fanOut);
      }
      const p: ConvParams = {
        kernel: this.variable(`${layer.name}/kernel`, tf.tensor(uniform(r, kShape, limit), kShape), true),
        bias: this.variable(`${layer.name}/bias`, tf.zeros([units]), true),
      };
      if (layer.kind === 'conv' && this.batchNorm) {
        p.gamma = this.variable(`${layer.name}/gamma`, tf.ones([units]), true);
        p.beta = this.variable(`${layer.name}/beta`, tf.zeros([units]), true);
        p.movingMean = this.variable(`${layer.name}/moving_mean`, tf.zeros([units]), false);
        p.movingVariance = this.variable(`${layer.name}/moving_variance`, tf.ones([units]), false);
      }
      this.params.set(layer.name, p);
    }
  }

  /** The network a genome encodes (decoders only). */
  static fromGenome(space: SearchSpace, genome: Genome, options: ModelOptions = {}): QuantizedCnn {
    return new QuantizedCnn(decodeArchitecture(space, genome), decodeQuantization(space, genome), options);
  }

  /** A model holding the weights of a trained model. */
  static fromTrained(trained: TrainedModel): QuantizedCnn {
    const m = new QuantizedCnn(trained.architecture, trained.quantization, {
      batchNorm: trained.batchNorm,
      bnEpsilon: trained.bnEpsilon,
    });
    m.setWeights(trained.weights);
    if (trained.compression) m.setMasks(trained.compression);
    return m;
  }

  /** Prunes the network by `masks` (masks.ts): zeroes the masked weights now and at every {@link reapplyMasks}. */
  setMasks(masks: CompressionMasks): void {
    this.masks?.dispose();
    this.masks = new VariableMasks(masks, this.architecture, this.named);
    this.masks.apply();
  }

  /** Zeroes the pruned weights again (after an optimizer step); nothing without masks. */
  reapplyMasks(): void {
    this.masks?.apply();
  }

  private variable(name: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    // tfjs needs globally unique variable names.
    const v = tf.variable(init, trainable, `hwnas/${name}/${variableSeq++}`);
    init.dispose();
    this.named.push({ name, v, trainable });
    return v;
  }

  /** Trainable variables (what the optimizer updates). */
  get trainableVariables(): tf.Variable[] {
    return this.named.filter((n) => n.trainable).map((n) => n.v);
  }

  /** Number of trainable parameters, without the weights pruning masks hold at zero. */
  get parameterCount(): number {
    return this.trainableVariables.reduce((s, v) => s + v.size, 0) - (this.masks?.prunedParameters ?? 0);
  }

  /**
   * Logits for a batch NHWC in [0, 1]. `training` uses batch statistics for BatchNorm and updates its moving
   * averages. With a `keeper` (training steps), the ops keep what their backward pass needs there instead of
   * copying it: call `keeper.release()` after the step. Call inside tf.tidy (or an optimizer closure).
   */
  apply(x: tf.Tensor4D, training: boolean, keeper?: StepKeeper): tf.Tensor2D {
    if (this.disposed) throw new Error('model was disposed');
    let h: tf.Tensor4D = x;
    const layers = this.architecture.layers;
    // Outputs a later residual addition reads (the tape keeps them alive; no copy).
    const outputs = new Map<string, tf.Tensor4D>();
    for (let i = 0; i < layers.length; i++) {
      const layer: LayerSpec = layers[i];
      const q = this.quantization.layers[i];
      if (layer.kind === 'maxpool') h = maxPool2x2(h, keeper, h === x);
      else if (layer.kind === 'add') h = tf.add(h, outputs.get(layer.from)!);
      else if (layer.kind === 'globalpool') h = tf.mean(h, [1, 2], true);
      else if (layer.kind === 'conv') h = this.conv(layer, q, h, h !== x, training, keeper);
      else {
        const p = this.params.get(layer.name)!;
        const kernel = fakeQuant(p.kernel as tf.Tensor, q.weight);
        const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
        return tf.fused.matMul({ a: flat, b: kernel as tf.Tensor2D, bias: p.bias }) as tf.Tensor2D;
      }
      if (this.residualSources.has(layer.name)) outputs.set(layer.name, h);
    }
    throw new Error('architecture has no dense output layer');
  }

  private conv(layer: ConvLayer, q: Quantization['layers'][number], h: tf.Tensor4D, needsInputGrad: boolean, training: boolean, keeper?: StepKeeper): tf.Tensor4D {
    const p = this.params.get(layer.name)!;
    const kernel = fakeQuant(p.kernel as tf.Tensor, q.weight) as tf.Tensor4D;
    const depthwise = isDepthwise(layer);
    const relu = convHasRelu(layer);
    if (!this.batchNorm) {
      return convBlock(h, kernel, p.bias as tf.Tensor1D, { activation: q.activation, inputGrad: needsInputGrad, keeper, stride: layer.stride, depthwise, relu });
    }
    // The kernel cut to the taps that read the image (ops.ts convGeometry), as on the fused path.
    const geo = convGeometry(h.shape, layer.kernel, layer.stride, depthwise);
    const kc = cropKernel(kernel, geo);
    const z = depthwise ? tf.depthwiseConv2d(h, kc, layer.stride, geo.pad) : tf.conv2d(h, kc, layer.stride, geo.pad);
    const n = this.batchNormalize(z, p, training);
    // An unsigned activation quantizer clamps at 0 itself (its gradient mask included): ReLU only for float.
    if (!isFloatFormat(q.activation)) return fakeQuant(relu && q.activation!.signed ? tf.relu(n) : n, q.activation);
    return relu ? tf.relu(n) : n;
  }

  private batchNormalize(z: tf.Tensor4D, p: ConvParams, training: boolean): tf.Tensor4D {
    // The conv bias is kept (and exported) although BatchNorm's beta makes it redundant: one layer template.
    const zb = tf.add(z, p.bias) as tf.Tensor4D;
    if (!training) {
      return tf.batchNorm(zb, p.movingMean!, p.movingVariance!, p.beta!, p.gamma!, this.bnEpsilon) as tf.Tensor4D;
    }
    const { mean, variance } = tf.moments(zb, [0, 1, 2]);
    const m = this.bnMomentum;
    const mm = p.movingMean!;
    const mv = p.movingVariance!;
    // Assignments are not taped: no gradient flows into the moving statistics.
    mm.assign(tf.add(tf.mul(mm, m), tf.mul(mean, 1 - m)));
    mv.assign(tf.add(tf.mul(mv, m), tf.mul(variance, 1 - m)));
    return tf.batchNorm(zb, mean, variance, p.beta!, p.gamma!, this.bnEpsilon) as tf.Tensor4D;
  }

  /** Logits for images (NHWC float32 in [0,1]) in batches, without building a gradient tape. */
  predict(images: Float32Array, count: number, batchSize = 256): Float32Array {
    const [h, w, c] = this.architecture.input;
    const classes = this.architecture.classes;
    const out = new Float32Array(count * classes);
    const per = h * w * c;
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const logits = tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(start * per, (start + n) * per), [n, h, w, c]);
        return this.apply(x, false);
      });
      out.set(logits.dataSync() as Float32Array, start * classes);
      logits.dispose();
    }
    return out;
  }

  /** Copies of all weights (float32 masters, moving statistics included), by name. */
  getWeights(): NamedArray[] {
    return this.named.map(({ name, v }) => ({ name, shape: v.shape.slice(), data: (v.dataSync() as Float32Array).slice() }));
  }

  /** Overwrites weights by name; every given name must exist with the same shape. */
  setWeights(weights: readonly NamedArray[]): void {
    const byName = new Map(this.named.map((n) => [n.name, n.v]));
    for (const w of weights) {
      const v = byName.get(w.name);
      if (!v) throw new RangeError(`model has no weight "${w.name}"`);
      if (v.shape.join(',') !== w.shape.join(',')) {
        throw new RangeError(`weight "${w.name}" has shape [${v.shape}], got [${w.shape}]`);
      }
      const t = tf.tensor(w.data, v.shape);
      v.assign(t);
      t.dispose();
    }
  }

  /** The trained network as data (see {@link TrainedModel}). */
  toTrainedModel(): TrainedModel {
    return {
      format: 'hwnas-trained-cnn/1',
      architecture: this.architecture,
      quantization: this.quantization,
      batchNorm: this.batchNorm,
      bnEpsilon: this.bnEpsilon,
      rounding: ROUNDING,
      bias: BIAS_QUANTIZATION,
      weights: this.getWeights(),
      ...(this.masks ? { compression: this.masks.spec } : {}),
    };
  }

  /** Frees every variable. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.masks?.dispose();
    for (const { v } of this.named) v.dispose();
  }
}
