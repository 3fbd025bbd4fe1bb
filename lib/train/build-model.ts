/**
 * The trainable tfjs network of a lu2019-family genome, read only through the decoders:
 *
 *   conv layer:  Conv(K×K, 'same', stride 1, bias; kernel fake-quantized as a signed fixed-point weight)
 *                → [BatchNorm] → ReLU → activation fake-quant (unsigned; it clamps at 0, so it subsumes the
 *                ReLU) ; a following maxpool layer: 2×2/2
 *   dense layer: Flatten → Dense(classes; kernel fake-quantized), logits stay float
 *
 * Float genomes (null formats) train the same net without quantizers. Weights are plain tf.Variables named
 * `<layer>/kernel`, `<layer>/bias` (and `<layer>/gamma|beta|moving_mean|moving_variance` with BatchNorm),
 * initialised Glorot-uniform from our seeded Rng (biases zero), so a seed fixes the initial network.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng.js';
import {
  decodeArchitecture,
  decodeQuantization,
  isWeightless,
  type Architecture,
  type LayerSpec,
  type Quantization,
} from '../space/decode.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { BIAS_QUANTIZATION, fakeQuant, isFloatFormat, ROUNDING } from './fake-quant.js';
import { convBlock, maxPool2x2, type StepKeeper } from './ops.js';
import { VariableMasks, type CompressionMasks } from './masks.js';

/** Options of a model. */
export interface ModelOptions {
  /** BatchNorm after each convolution (default false). */
  readonly batchNorm?: boolean;
  /** Seed of the initial weights. */
  readonly seed?: string | number;
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

function glorotUniform(rng: Rng, shape: number[], fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/** A quantization-aware CNN built from a decoded architecture and quantization. */
export class QuantizedCnn {
  readonly batchNorm: boolean;
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  private readonly params = new Map<string, ConvParams>();
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
    this.batchNorm = options.batchNorm ?? false;
    this.bnMomentum = options.bnMomentum ?? 0.99;
    this.bnEpsilon = options.bnEpsilon ?? 1e-3;
    const rng = Rng.fromSeed(options.seed ?? 0).fork('init');
    for (const layer of architecture.layers) {
      if (isWeightless(layer)) continue;
      const r = rng.fork(layer.name);
      let kShape: number[];
      let fanIn: number;
      let fanOut: number;
      let units: number;
      if (layer.kind === 'conv') {
        const cin = layer.inShape[2];
        kShape = [layer.kernel, layer.kernel, cin, layer.filters];
        fanIn = layer.kernel * layer.kernel * cin;
        fanOut = layer.kernel * layer.kernel * layer.filters;
        units = layer.filters;
      } else {
        const inSize = layer.inShape[0] * layer.inShape[1] * layer.inShape[2];
        kShape = [inSize, layer.units];
        fanIn = inSize;
        fanOut = layer.units;
        units = layer.units;
      }
      const p: ConvParams = {
        kernel: this.variable(`${layer.name}/kernel`, tf.tensor(glorotUniform(r, kShape, fanIn, fanOut), kShape), true),
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
    for (let i = 0; i < layers.length; i++) {
      const layer: LayerSpec = layers[i];
      const q = this.quantization.layers[i];
      if (layer.kind === 'maxpool') {
        h = maxPool2x2(h, keeper, h === x);
        continue;
      }
      const p = this.params.get(layer.name)!;
      const kernel = fakeQuant(p.kernel as tf.Tensor, q.weight);
      if (layer.kind === 'conv') {
        if (!this.batchNorm) {
          h = convBlock(h, kernel as tf.Tensor4D, p.bias as tf.Tensor1D, { activation: q.activation, inputGrad: h !== x, keeper });
        } else {
          const z = tf.conv2d(h, kernel as tf.Tensor4D, 1, 'same');
          const n = this.batchNormalize(z, p, training);
          // The activation quantizer clamps at 0 itself (its gradient mask included): ReLU only for float.
          h = isFloatFormat(q.activation) ? tf.relu(n) : fakeQuant(n, q.activation);
        }
      } else {
        const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
        return tf.fused.matMul({ a: flat, b: kernel as tf.Tensor2D, bias: p.bias }) as tf.Tensor2D;
      }
    }
    throw new Error('architecture has no dense output layer');
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
