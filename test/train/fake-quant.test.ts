/** The quantizer of DESIGN §5: grid, saturation at both ends, round half to even, straight-through gradient. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import {
  fakeQuant,
  fixedPointRange,
  quantizeArray,
  quantizeToCodes,
  quantizeValue,
  roundHalfEven,
  ROUNDING,
} from '../../lib/train/fake-quant.js';
import { Rng } from '../../lib/rng.js';
import type { FixedPoint } from '../../lib/space/decode.js';

const W23: FixedPoint = { intBits: 2, fracBits: 3, signed: true };
const A23: FixedPoint = { intBits: 2, fracBits: 3, signed: false };

function sample(rng: Rng, n: number, spread: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * spread;
  return a;
}

describe('fixed-point quantizer (pure)', () => {
  it('has the grid and range of DESIGN §5', () => {
    expect(fixedPointRange(W23)).toEqual({ step: 0.125, min: -2, max: 1.875, qmin: -16, qmax: 15 });
    expect(fixedPointRange(A23)).toEqual({ step: 0.125, min: 0, max: 3.875, qmin: 0, qmax: 31 });
    // One integer bit, signed: only the sign bit, range [−1, 1 − 2^−F].
    expect(fixedPointRange({ intBits: 1, fracBits: 2, signed: true })).toMatchObject({ min: -1, max: 0.75 });
    expect(() => fixedPointRange({ intBits: 0, fracBits: 0, signed: true })).toThrow(RangeError);
  });

  it('rounds half to even', () => {
    expect(ROUNDING).toBe('half-to-even');
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49, 0.51].map((v) => roundHalfEven(v) + 0)).toEqual([-2, -2, 0, 0, 2, 2, 4, 0, 1]);
    expect(quantizeValue(0.0625, W23)).toBe(0); // 0.5 steps → 0 (even)
    expect(quantizeValue(0.1875, W23)).toBe(0.25); // 1.5 steps → 2
    expect(quantizeValue(-0.1875, W23)).toBe(-0.25);
    expect(quantizeValue(0.3125, W23)).toBe(0.25); // 2.5 steps → 2
  });

  it('puts every value on the grid, inside the range', () => {
    const rng = Rng.fromSeed('grid');
    for (const f of [W23, A23, { intBits: 3, fracBits: 6, signed: true }, { intBits: 1, fracBits: 0, signed: false }]) {
      const r = fixedPointRange(f);
      const q = quantizeArray(sample(rng, 2000, 3), f);
      for (const v of q) {
        expect(Number.isInteger(v * 2 ** f.fracBits)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(r.min);
        expect(v).toBeLessThanOrEqual(r.max);
      }
    }
  });

  it('saturates at both ends and keeps grid values', () => {
    const x = new Float32Array([-100, -2.01, -2, 1.875, 1.9, 100, 0.625, -1.375]);
    expect(Array.from(quantizeArray(x, W23))).toEqual([-2, -2, -2, 1.875, 1.875, 1.875, 0.625, -1.375]);
    const a = new Float32Array([-5, -0.01, 0, 3.875, 3.95, 50]);
    expect(Array.from(quantizeArray(a, A23)).map((v) => v + 0)).toEqual([0, 0, 0, 3.875, 3.875, 3.875]);
    expect(Array.from(quantizeToCodes(x, W23))).toEqual([-16, -16, -16, 15, 15, 15, 5, -11]);
  });

  it('is the identity for float formats', () => {
    const x = new Float32Array([0.123, -7.5, 1e-3]);
    expect(quantizeArray(x, null)).toEqual(x);
    expect(quantizeArray(x, { intBits: 0, fracBits: 0, signed: true })).toEqual(x);
  });
});

describe('fake quantization op (tensors)', () => {
  beforeAll(async () => {
    await initTrainingBackend({ backend: 'wasm', threads: 1 });
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`equals the pure quantizer on ${backend}`, async () => {
      await tf.setBackend(backend);
      const rng = Rng.fromSeed(`op/${backend}`);
      for (const f of [W23, A23, { intBits: 3, fracBits: 6, signed: true }]) {
        // Exact half-way cases included: k/2^(F+1).
        const x = sample(rng, 1003, 2.5);
        for (let i = 0; i < 40; i++) x[i] = (i - 20) / 2 ** (f.fracBits + 1);
        const got = tf.tidy(() => fakeQuant(tf.tensor1d(x), f).dataSync() as Float32Array);
        const want = quantizeArray(x, f);
        for (let i = 0; i < x.length; i++) expect(got[i] + 0).toBe(want[i] + 0);
      }
    });

    it(`passes the gradient straight through inside the range and blocks it when saturated, on ${backend}`, async () => {
      await tf.setBackend(backend);
      const x = new Float32Array([-3, -2, -1.97, -0.3, 0, 0.51, 1.875, 1.9, 4]);
      const w = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const g = tf.tidy(() => {
        const wt = tf.tensor1d(w);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fakeQuant(t, W23), wt)))(tf.tensor1d(x)).dataSync() as Float32Array;
      });
      // Range [−2, 1.875]: gradient w inside (ends included), 0 outside.
      expect(Array.from(g)).toEqual([0, 2, 3, 4, 5, 6, 7, 0, 0]);
    });
  }
});
