/**
 * Fixed-point fake quantization (DESIGN §5, MODELS.md §1.3), the one definition shared by training, our own
 * quantized inference and the ONNX exporter:
 *
 *   q(x; I, F) = clamp(roundHalfEven(x · 2^F), lo, hi) · 2^−F
 *   signed (weights):      lo = −2^(I−1+F), hi = 2^(I−1+F) − 1   → values in [−2^(I−1), 2^(I−1) − 2^−F]
 *   unsigned (activations): lo = 0,          hi = 2^(I+F) − 1     → values in [0, 2^I − 2^−F]
 *   I = F = 0 (or a null format): float, no quantization.
 *
 * Rounding is half to even, as ONNX QuantizeLinear rounds, so a QDQ export reproduces it bit for bit.
 * Scaling by 2^±F is exact in float32, so the tensor op and the array function agree exactly.
 * Gradient: straight-through for the rounding, the true derivative of the clamp: dy passes where
 * lo·2^−F ≤ x ≤ hi·2^−F and is 0 where the value saturates.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FixedPoint } from '../space/decode.js';
import { ACT_GRAD_KERNEL, FAKE_QUANT_KERNEL } from './kernels/quant-kernels.js';

/** The rounding rule of every quantizer in hwnas (the ONNX exporter must use the same). */
export const ROUNDING = 'half-to-even' as const;

/**
 * Biases are not quantized: they stay float32 (added at accumulator precision). The ONNX exporter keeps
 * them float too.
 */
export const BIAS_QUANTIZATION = 'float' as const;

/**
 * Input pixels enter the first layer as they are: 8-bit codes k/255 (already `inputBits` = 8 wide), not
 * re-quantized to a power-of-two grid.
 */
export const INPUT_QUANTIZATION = 'uint8/255' as const;

/** Grid and range of a fixed-point format. */
export interface FixedPointRange {
  /** Grid step 2^−F. */
  readonly step: number;
  /** Smallest and largest representable values. */
  readonly min: number;
  readonly max: number;
  /** The same bounds as integers (codes), min/step and max/step. */
  readonly qmin: number;
  readonly qmax: number;
}

/** True when a format means float32 (null, or I = F = 0). */
export function isFloatFormat(f: FixedPoint | null | undefined): f is null | undefined {
  return !f || (f.intBits === 0 && f.fracBits === 0);
}

/** Grid and range of `f` (DESIGN §5). Throws for a float format or negative bit counts. */
export function fixedPointRange(f: FixedPoint): FixedPointRange {
  const { intBits: I, fracBits: F } = f;
  if (!Number.isInteger(I) || !Number.isInteger(F) || I < 0 || F < 0 || I + F === 0 || I + F > 24) {
    throw new RangeError(`fixed-point format needs integer bits I, F ≥ 0 with 1 ≤ I + F ≤ 24, got I=${I}, F=${F}`);
  }
  if (f.signed && I < 1) throw new RangeError(`a signed format needs I ≥ 1 (the sign bit), got I=${I}`);
  const step = 2 ** -F;
  const qmin = f.signed ? -(2 ** (I - 1 + F)) : 0;
  const qmax = f.signed ? 2 ** (I - 1 + F) - 1 : 2 ** (I + F) - 1;
  return { step, min: qmin * step, max: qmax * step, qmin, qmax };
}

/** Round half to even (banker's rounding), the rule of {@link ROUNDING}. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** q(v) for one number. */
export function quantizeValue(v: number, f: FixedPoint | null): number {
  if (isFloatFormat(f)) return v;
  const r = fixedPointRange(f);
  const q = Math.min(r.qmax, Math.max(r.qmin, roundHalfEven(v * 2 ** f.fracBits)));
  return q * r.step;
}

/** q applied to every element (a new array; float formats return a copy). The exporter and tests use this. */
export function quantizeArray(values: Float32Array, f: FixedPoint | null): Float32Array {
  const out = new Float32Array(values.length);
  if (isFloatFormat(f)) {
    out.set(values);
    return out;
  }
  const r = fixedPointRange(f);
  const scale = 2 ** f.fracBits;
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(r.qmax, Math.max(r.qmin, roundHalfEven(values[i] * scale))) * r.step;
  }
  return out;
}

/** The integer codes of q(v) (what a fixed-point datapath stores), e.g. for int8/int16 export. */
export function quantizeToCodes(values: Float32Array, f: FixedPoint): Int32Array {
  const r = fixedPointRange(f);
  const scale = 2 ** f.fracBits;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.min(r.qmax, Math.max(r.qmin, roundHalfEven(values[i] * scale)));
  }
  return out;
}

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** q(x) without gradient: our kernel where registered (wasm), else the standard-op composition (the reference). */
export function fakeQuantForward(x: tf.Tensor, f: FixedPoint): tf.Tensor {
  const r = fixedPointRange(f);
  const scale = 2 ** f.fracBits;
  if (hasKernel(FAKE_QUANT_KERNEL)) {
    return tf.engine().runKernel(FAKE_QUANT_KERNEL, { x }, { scale, step: r.step, qmin: r.qmin, qmax: r.qmax }) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(tf.clipByValue(tf.round(tf.mul(x, scale)), r.qmin, r.qmax), r.step));
}

/**
 * [dz, db]: dz = dy where lo ≤ z ≤ hi (else 0), db = Σ dz over all but the last axis: the gradient of a
 * quantizer's clamp (or of ReLU with lo = {@link RELU_LO}, hi = ∞) fused with a bias gradient. Our kernel
 * where registered (wasm), else standard ops.
 */
export function actGrad(dy: tf.Tensor, z: tf.Tensor, lo: number, hi: number): [tf.Tensor, tf.Tensor] {
  if (hasKernel(ACT_GRAD_KERNEL)) {
    const out = tf.engine().runKernel(ACT_GRAD_KERNEL, { dy, z }, { lo, hi }) as unknown as tf.Tensor[];
    return [out[0], out[1]];
  }
  return tf.tidy(() => {
    const pass = tf.logicalAnd(tf.greaterEqual(z, lo), tf.lessEqual(z, hi));
    const dz = tf.where(pass, dy, tf.zerosLike(dy));
    const axes = dz.shape.slice(0, -1).map((_, i) => i);
    return [dz, tf.sum(dz, axes)] as [tf.Tensor, tf.Tensor];
  });
}

/** Smallest positive float32: `z ≥ RELU_LO` ⇔ `z > 0`, so one range test serves ReLU and quantizers. */
export const RELU_LO = 2 ** -149;

/**
 * Fake quantization of a tensor with the straight-through gradient (see the module comment): dy passes
 * where the input lies in the representable range, 0 where it saturates. Float formats return `x` unchanged.
 */
export function fakeQuant<T extends tf.Tensor>(x: T, f: FixedPoint | null): T {
  if (isFloatFormat(f)) return x;
  const r = fixedPointRange(f);
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([input]);
    return {
      value: fakeQuantForward(input, f),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => actGrad(dy as tf.Tensor, saved[0], r.min, r.max)[0],
    };
  }) as never) as (t: tf.Tensor) => tf.Tensor;
  return op(x) as T;
}
