/**
 * The training ops of our networks, with hand-written gradients that do only the work training needs:
 *
 * - `convBlock`: Conv('same', any stride; regular or depthwise) + bias + ReLU (or none: a linear projection),
 *   or + activation fake-quant (an unsigned one clamps at 0, so it subsumes the ReLU), forward as ONE fused
 *   convolution (XNNPACK applies bias and ReLU); backward = one fused mask-and-bias-gradient pass, the filter
 *   gradient, and the input gradient only when the input needs one (not for the images).
 * - `maxPool2x2`: 2×2/2 max pooling whose gradient uses the pooled input directly.
 *
 * tfjs's generic gradient path copies (clones) every tensor it saves for the backward pass; these ops keep
 * the tensors they need in a {@link StepKeeper} instead, released once the training step is done.
 * On backends without our kernels (cpu, tfjs-node) the same computations are composed from standard ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FixedPoint } from '../space/decode.js';
import { actGrad, fakeQuantForward, fixedPointRange, isFloatFormat, RELU_LO } from './fake-quant.js';
import { CROP_TAPS_KERNEL } from './kernels/filter-layout.js';

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
  /** Activation format or null for float. */
  readonly activation: FixedPoint | null;
  /** Whether the input needs a gradient (false for the first layer, whose input is the images). */
  readonly inputGrad: boolean;
  /** Where to keep tensors for the backward pass (training); omit for inference. */
  readonly keeper?: StepKeeper;
  /** Stride (default 1); padding is 'same'. */
  readonly stride?: number;
  /** A depthwise convolution (kernel [K, K, C, 1]) instead of a regular one (default false). */
  readonly depthwise?: boolean;
  /** ReLU after the bias (default true); false: linear (MobileNetV2's projection). */
  readonly relu?: boolean;
}

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** Where a convolution runs: its stride, kind, and padding, with the kernel cropped to the taps that matter. */
export interface ConvGeometry {
  readonly stride: number;
  readonly depthwise: boolean;
  readonly pad: 'same' | ExplicitPad;
  /** First and last kernel row and column any output reads inside the image; null: all of them. */
  readonly crop: { readonly h: [number, number]; readonly w: [number, number] } | null;
}

/**
 * The kernel taps of a 'same' convolution along one side that read the image (not only padding) for some
 * output, and the padding that keeps the output size with the kernel cropped to them. A 5×5 kernel on a 2×2
 * map reads the image with its central 3×3 taps only: MobileNet-like networks end on 2×2 maps here, where
 * XNNPACK would otherwise multiply the padding zeros of the other 16 taps.
 */
function sameWindow(size: number, k: number, s: number): { k0: number; k1: number; before: number; after: number } {
  const out = Math.ceil(size / s);
  const total = Math.max(0, (out - 1) * s + k - size);
  const top = Math.floor(total / 2);
  const k0 = Math.max(0, top - (out - 1) * s);
  const k1 = Math.min(k - 1, size + top - 1);
  const before = top - k0;
  return { k0, k1, before, after: (out - 1) * s + (k1 - k0 + 1) - size - before };
}

/** The geometry of a 'same' convolution of a [N,H,W,C] input with a K×K kernel (see {@link sameWindow}). */
export function convGeometry(inShape: readonly number[], k: number, stride: number, depthwise: boolean): ConvGeometry {
  const h = sameWindow(inShape[1], k, stride);
  const w = sameWindow(inShape[2], k, stride);
  if (h.k0 === 0 && h.k1 === k - 1 && w.k0 === 0 && w.k1 === k - 1) return { stride, depthwise, pad: 'same', crop: null };
  return {
    stride,
    depthwise,
    pad: [
      [0, 0],
      [h.before, h.after],
      [w.before, w.after],
      [0, 0],
    ],
    crop: { h: [h.k0, h.k1], w: [w.k0, w.k1] },
  };
}

/**
 * The kernel cut to the geometry's taps (the kernel itself when uncropped). `taped`: through tf.slice, whose
 * gradient the tape knows (the BatchNorm path); otherwise our one-pass kernel where registered (wasm), for
 * callers that write the gradient themselves ({@link convBlock}).
 */
export function cropKernel(k: tf.Tensor4D, g: ConvGeometry, taped = true): tf.Tensor4D {
  if (!g.crop) return k;
  const { h, w } = g.crop;
  const kh = h[1] - h[0] + 1;
  const kw = w[1] - w[0] + 1;
  if (!taped && tf.getKernel(CROP_TAPS_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(CROP_TAPS_KERNEL, { x: k }, { h0: h[0], w0: w[0], kh, kw }) as tf.Tensor4D;
  }
  return tf.slice(k, [h[0], w[0], 0, 0], [kh, kw, k.shape[2], k.shape[3]]);
}

/** A cropped kernel's gradient zero-padded back to the full kernel's shape. */
function uncropGrad(dk: tf.Tensor, full: readonly number[], g: ConvGeometry): tf.Tensor {
  if (!g.crop) return dk;
  const { h, w } = g.crop;
  const padded = tf.pad(dk, [
    [h[0], full[0] - 1 - h[1]],
    [w[0], full[1] - 1 - w[1]],
    [0, 0],
    [0, 0],
  ]);
  dk.dispose();
  return padded;
}

function convForward(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, relu: boolean, g: ConvGeometry): tf.Tensor4D {
  // The kernel itself: tf.fused.conv2d un-fuses bias and ReLU whenever a gradient tape is recording.
  return tf.engine().runKernel(g.depthwise ? tf.FusedDepthwiseConv2D : tf.FusedConv2D, { x, filter: kernel, bias }, {
    strides: g.stride,
    pad: g.pad,
    dataFormat: 'NHWC',
    dilations: 1,
    dimRoundingMode: undefined,
    activation: relu ? 'relu' : 'linear',
  } as never) as tf.Tensor4D;
}

/** The filter gradient of a 'same' convolution (regular or depthwise), for the (cropped) filter's shape. */
function filterGrad(x: tf.Tensor4D, dz: tf.Tensor, filterShape: number[], g: ConvGeometry): tf.Tensor {
  const attrs = { strides: g.stride, pad: g.pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined, filterShape };
  return tf.engine().runKernel(g.depthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter, { x, dy: dz }, attrs as never) as tf.Tensor;
}

/** The input gradient of a 'same' convolution (regular or depthwise). */
function inputGrad(dz: tf.Tensor, k: tf.Tensor4D, inputShape: number[], g: ConvGeometry): tf.Tensor {
  const attrs = { strides: g.stride, pad: g.pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined, inputShape };
  return tf.engine().runKernel(g.depthwise ? tf.DepthwiseConv2dNativeBackpropInput : tf.Conv2DBackpropInput, { dy: dz, filter: k }, attrs as never) as tf.Tensor;
}

/**
 * How a block ends, given its activation format: whether the fused convolution applies ReLU, and the range
 * [lo, hi] of pre-quantizer values (or of the output, when the convolution applied it) where the gradient passes.
 */
function activationPlan(act: FixedPoint | null, relu: boolean): { fusedRelu: boolean; lo: number; hi: number } {
  if (!act) return { fusedRelu: relu, lo: relu ? RELU_LO : -Infinity, hi: Infinity };
  const r = fixedPointRange(act);
  // An unsigned quantizer clamps at 0 itself (the ReLU); a signed one after a ReLU needs the ReLU first.
  const fusedRelu = relu && act.signed;
  return { fusedRelu, lo: fusedRelu ? Math.max(RELU_LO, r.min) : r.min, hi: r.max };
}

/** Conv('same') + bias + ReLU or activation fake-quant, or linear (see the module comment). */
export function convBlock(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, o: ConvBlockOptions): tf.Tensor4D {
  const act = isFloatFormat(o.activation) ? null : o.activation;
  const geo = convGeometry(x.shape, kernel.shape[0], o.stride ?? 1, o.depthwise ?? false);
  const plan = activationPlan(act, o.relu ?? true);
  const keeper = o.keeper;
  if (!keeper) {
    const kc = cropKernel(kernel, geo, false);
    const z = convForward(x, kc, bias, plan.fusedRelu, geo);
    if (kc !== kernel) kc.dispose();
    if (!act) return z;
    const y = fakeQuantForward(z, act) as tf.Tensor4D;
    z.dispose();
    return y;
  }
  const { lo, hi } = plan;
  const filterShape = kernel.shape;
  const forward = (k: tf.Tensor4D, b: tf.Tensor1D, input: tf.Tensor4D) => {
    const kc = cropKernel(k, geo, false);
    const z = convForward(input, kc, b, plan.fusedRelu, geo);
    const y = act ? (fakeQuantForward(z, act) as tf.Tensor4D) : z;
    // The mask source: z before the quantizer (its range), or the output itself (ReLU: y > 0 ⇔ z > 0; linear:
    // every value passes).
    const maskSrc = keeper.keep(act ? z : y);
    keeper.keep(input, !o.inputGrad);
    keeper.keep(kc);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const [dz, db] = actGrad(dy as tf.Tensor, maskSrc, lo, hi);
        const dk = uncropGrad(filterGrad(input, dz, kc.shape, geo), filterShape, geo);
        if (!o.inputGrad) return [dk, db];
        return [dk, db, inputGrad(dz, kc, input.shape, geo)];
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
