/**
 * The training ops of our networks, with hand-written gradients that do only the work training needs:
 *
 * - `convBlock`: Conv('same', stride 1) + bias + ReLU, or + activation fake-quant (which clamps at 0, so it
 *   subsumes the ReLU), forward as ONE fused convolution (XNNPACK applies bias and ReLU); backward = one fused
 *   mask-and-bias-gradient pass, the filter gradient, and the input gradient only when the input needs one
 *   (not for the images).
 * - `maxPool2x2`: 2×2/2 max pooling whose gradient uses the pooled input directly.
 *
 * tfjs's generic gradient path copies (clones) every tensor it saves for the backward pass; these ops keep
 * the tensors they need in a {@link StepKeeper} instead, released once the training step is done.
 * On backends without our kernels (cpu, tfjs-node) the same computations are composed from standard ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FixedPoint } from '../space/decode.js';
import { actGrad, fakeQuantForward, fixedPointRange, isFloatFormat, RELU_LO } from './fake-quant.js';

/** Tensors kept for the backward pass of one training step, without copies. */
export class StepKeeper {
  private readonly kept: tf.Tensor[] = [];

  /** Keeps `t` alive past the forward pass; disposed by {@link release} unless `external` or a variable. */
  keep<T extends tf.Tensor>(t: T, external = false): T {
    if (t instanceof tf.Variable) return t;
    tf.keep(t);
    if (!external) this.kept.push(t);
    return t;
  }

  /** Disposes everything kept during the step. */
  release(): void {
    for (const t of this.kept) t.dispose();
    this.kept.length = 0;
  }
}

/** Options of {@link convBlock}. */
export interface ConvBlockOptions {
  /** Activation format (unsigned) or null for a float ReLU. */
  readonly activation: FixedPoint | null;
  /** Whether the input needs a gradient (false for the first layer, whose input is the images). */
  readonly inputGrad: boolean;
  /** Where to keep tensors for the backward pass (training); omit for inference. */
  readonly keeper?: StepKeeper;
}

function convForward(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, relu: boolean): tf.Tensor4D {
  // The kernel itself: tf.fused.conv2d un-fuses bias and ReLU whenever a gradient tape is recording.
  return tf.engine().runKernel(tf.FusedConv2D, { x, filter: kernel, bias }, {
    strides: 1,
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: 1,
    dimRoundingMode: undefined,
    activation: relu ? 'relu' : 'linear',
  } as never) as tf.Tensor4D;
}

/** Conv('same') + bias + ReLU or activation fake-quant (see the module comment). */
export function convBlock(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, o: ConvBlockOptions): tf.Tensor4D {
  const act = isFloatFormat(o.activation) ? null : o.activation;
  const keeper = o.keeper;
  if (!keeper) {
    const z = convForward(x, kernel, bias, act === null);
    if (!act) return z;
    const y = fakeQuantForward(z, act) as tf.Tensor4D;
    z.dispose();
    return y;
  }
  const range = act ? fixedPointRange(act) : null;
  const lo = range ? 0 : RELU_LO;
  const hi = range ? range.max : Infinity;
  const filterShape = kernel.shape;
  const forward = (k: tf.Tensor4D, b: tf.Tensor1D, input: tf.Tensor4D) => {
    const z = convForward(input, k, b, act === null);
    const y = act ? (fakeQuantForward(z, act) as tf.Tensor4D) : z;
    // The mask source: z before the quantizer (its range), or the ReLU output itself (y > 0 ⇔ z > 0).
    const maskSrc = keeper.keep(act ? z : y);
    keeper.keep(input, !o.inputGrad);
    keeper.keep(k);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const [dz, db] = actGrad(dy as tf.Tensor, maskSrc, lo, hi);
        const dk = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: input, dy: dz }, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          filterShape,
        } as never) as tf.Tensor;
        if (!o.inputGrad) return [dk, db];
        const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter: k }, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          inputShape: input.shape,
        } as never) as tf.Tensor;
        return [dk, db, dx];
      },
    };
  };
  // The images are not an input of the op when they need no gradient: the tape then never asks for one.
  if (o.inputGrad) {
    const op = tf.customGrad(((k: tf.Tensor4D, b: tf.Tensor1D, input: tf.Tensor4D) => forward(k, b, input)) as never);
    return (op as (...t: tf.Tensor[]) => tf.Tensor)(kernel, bias, x) as tf.Tensor4D;
  }
  const op = tf.customGrad(((k: tf.Tensor4D, b: tf.Tensor1D) => forward(k, b, x)) as never);
  return (op as (...t: tf.Tensor[]) => tf.Tensor)(kernel, bias) as tf.Tensor4D;
}

/** 2×2/2 'valid' max pooling; with a keeper, its gradient reads the kept input instead of a copy. */
export function maxPool2x2(x: tf.Tensor4D, keeper?: StepKeeper, externalInput = false): tf.Tensor4D {
  if (!keeper) return tf.maxPool(x, [2, 2], [2, 2], 'valid');
  const op = tf.customGrad(((input: tf.Tensor4D) => {
    const y = tf.maxPool(input, [2, 2], [2, 2], 'valid');
    keeper.keep(input, externalInput);
    keeper.keep(y);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        tf.engine().runKernel(tf.MaxPoolGrad, { dy: dy as tf.Tensor, input, output: y }, {
          filterSize: [2, 2],
          strides: [2, 2],
          pad: 'valid',
          dimRoundingMode: undefined,
        } as never) as tf.Tensor,
    };
  }) as never);
  return (op as (t: tf.Tensor) => tf.Tensor)(x) as tf.Tensor4D;
}
