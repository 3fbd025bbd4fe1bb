/**
 * Every kernel we provide for the wasm backend against the cpu backend's own implementation, over strides,
 * paddings, kernel sizes and channel counts (including counts that are not multiples of 4).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { setSimdDisabled, simdDisabledReason } from '../../lib/train/kernels/simd/runtime.js';
import { fakeQuant } from '../../lib/train/fake-quant.js';
import { Rng } from '../../lib/rng.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

function randomTensor(rng: Rng, shape: number[]): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, shape };
}

/** Runs `f` on both backends with the same inputs and returns [cpu, wasm] results. */
function onBoth(inputs: { data: Float32Array; shape: number[] }[], f: (...t: tf.Tensor[]) => tf.Tensor): [Float32Array, Float32Array, number[], number[]] {
  const res: { v: Float32Array; s: number[] }[] = [];
  for (const b of ['cpu', 'wasm']) {
    tf.setBackend(b);
    const r = tf.tidy(() => {
      const ts = inputs.map((i) => tf.tensor(i.data, i.shape));
      const out = f(...ts);
      return { v: out.dataSync() as Float32Array, s: out.shape };
    });
    res.push(r);
  }
  return [res[0].v, res[1].v, res[0].s, res[1].s];
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

const CONV_CASES: { n: number; h: number; w: number; c: number; m: number; k: number; s: number; pad: Pad }[] = [
  { n: 3, h: 8, w: 8, c: 1, m: 16, k: 3, s: 1, pad: 'same' },
  { n: 2, h: 7, w: 9, c: 3, m: 5, k: 3, s: 1, pad: 'same' },
  { n: 2, h: 9, w: 7, c: 6, m: 8, k: 5, s: 1, pad: 'same' },
  { n: 2, h: 8, w: 8, c: 4, m: 12, k: 1, s: 1, pad: 'same' },
  { n: 2, h: 11, w: 10, c: 5, m: 24, k: 7, s: 1, pad: 'same' },
  { n: 2, h: 9, w: 9, c: 2, m: 4, k: 3, s: 2, pad: 'same' },
  { n: 2, h: 10, w: 11, c: 3, m: 7, k: 3, s: 2, pad: 'valid' },
  { n: 1, h: 12, w: 12, c: 8, m: 36, k: 5, s: 3, pad: 'valid' },
  { n: 2, h: 8, w: 9, c: 3, m: 6, k: 4, s: 1, pad: 'valid' },
  { n: 2, h: 6, w: 6, c: 2, m: 4, k: 3, s: 1, pad: [[0, 0], [2, 0], [0, 3], [0, 0]] },
  { n: 2, h: 8, w: 8, c: 3, m: 4, k: 3, s: 2, pad: [[0, 0], [1, 2], [2, 1], [0, 0]] },
  // Large enough that Conv2DBackpropFilter splits the pixels into several row bands (cache-sized chunks).
  { n: 1, h: 48, w: 32, c: 16, m: 32, k: 3, s: 1, pad: 'same' },
  { n: 1, h: 70, w: 24, c: 12, m: 20, k: 5, s: 2, pad: 'same' },
];

describe('own wasm kernels match the cpu backend', () => {
  beforeAll(async () => {
    const info = await initTrainingBackend({ backend: 'wasm', threads: 1 });
    expect(info.kind).toBe('wasm');
    await import('@tensorflow/tfjs-backend-cpu');
  });

  it('uses the SIMD kernel module (not the fallback)', () => {
    tf.setBackend('wasm');
    tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 4, 4, 1]), dy: tf.ones([1, 4, 4, 4]) }, {
      strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 4],
    }));
    expect(simdDisabledReason()).toBeNull();
  });

  for (const cs of CONV_CASES) {
    const label = `n${cs.n} ${cs.h}x${cs.w}x${cs.c}→${cs.m} k${cs.k} s${cs.s} ${typeof cs.pad === 'string' ? cs.pad : 'explicit'}`;
    const info = tf.backend_util.computeConv2DInfo([cs.n, cs.h, cs.w, cs.c], [cs.k, cs.k, cs.c, cs.m], cs.s, 1, cs.pad as never);
    const dyShape = [cs.n, info.outHeight, info.outWidth, cs.m];

    it(`Conv2DBackpropFilter ${label}`, () => {
      const rng = Rng.fromSeed(`bpf/${label}`);
      const [cpu, wasm, s1, s2] = onBoth([randomTensor(rng, [cs.n, cs.h, cs.w, cs.c]), randomTensor(rng, dyShape)], (x, dy) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: cs.s, pad: cs.pad, dataFormat: 'NHWC', filterShape: [cs.k, cs.k, cs.c, cs.m],
        } as never) as tf.Tensor,
      );
      expect(s2).toEqual(s1);
      expect(maxRelErr(cpu, wasm)).toBeLessThan(1e-5);
    });

    it(`Conv2DBackpropInput ${label}`, () => {
      const rng = Rng.fromSeed(`bpi/${label}`);
      const [cpu, wasm, s1, s2] = onBoth([randomTensor(rng, dyShape), randomTensor(rng, [cs.k, cs.k, cs.c, cs.m])], (dy, w) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
          strides: cs.s, pad: cs.pad, dataFormat: 'NHWC', inputShape: [cs.n, cs.h, cs.w, cs.c],
        } as never) as tf.Tensor,
      );
      expect(s2).toEqual(s1);
      expect(maxRelErr(cpu, wasm)).toBeLessThan(1e-5);
    });
  }

  const POOL_CASES = [
    { n: 2, h: 8, w: 8, c: 16, f: 2, s: 2, pad: 'valid' as const },
    { n: 2, h: 7, w: 9, c: 8, f: 2, s: 2, pad: 'valid' as const },
    { n: 2, h: 8, w: 6, c: 3, f: 2, s: 2, pad: 'valid' as const },
    { n: 1, h: 9, w: 9, c: 5, f: 3, s: 2, pad: 'same' as const },
    { n: 2, h: 6, w: 7, c: 4, f: 3, s: 1, pad: 'valid' as const },
  ];
  for (const pc of POOL_CASES) {
    for (const ties of [false, true]) {
      it(`MaxPoolGrad n${pc.n} ${pc.h}x${pc.w}x${pc.c} f${pc.f} s${pc.s} ${pc.pad}${ties ? ' with ties (quantized inputs)' : ''}`, () => {
        const rng = Rng.fromSeed(`pool/${pc.h}/${pc.c}/${ties}`);
        const x = randomTensor(rng, [pc.n, pc.h, pc.w, pc.c]);
        // Coarse grid values make equal maxima common, as after an activation quantizer.
        if (ties) for (let i = 0; i < x.data.length; i++) x.data[i] = Math.max(0, Math.round(x.data[i] * 2) / 2);
        const [cpu, wasm] = onBoth([x], (xt) => {
          const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, pc.f, pc.s, pc.pad);
          const yShape = pool(xt).shape;
          // Distinct weights per output: a gradient routed to the wrong input shows.
          const weights = tf.reshape(tf.range(1, 1 + tf.util.sizeFromShape(yShape)), yShape);
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), weights)))(xt);
        });
        expect(Array.from(wasm)).toEqual(Array.from(cpu));
      });
    }
  }

  for (const [m, k, n, ta, tb] of [
    [5, 7, 3, false, false],
    [6, 4, 9, true, false],
    [6, 4, 9, false, true],
    [3, 8, 5, true, true],
  ] as const) {
    it(`BatchMatMul ${m}x${k}·${k}x${n} transposeA=${ta} transposeB=${tb}`, () => {
      const rng = Rng.fromSeed(`mm/${m}/${ta}/${tb}`);
      const a = randomTensor(rng, ta ? [k, m] : [m, k]);
      const b = randomTensor(rng, tb ? [n, k] : [k, n]);
      const [cpu, wasm, s1, s2] = onBoth([a, b], (at, bt) => tf.matMul(at as tf.Tensor2D, bt as tf.Tensor2D, ta, tb));
      expect(s2).toEqual(s1);
      expect(maxRelErr(cpu, wasm)).toBeLessThan(1e-5);
    });
  }

  describe('fallback paths (SIMD module disabled)', () => {
    beforeAll(() => setSimdDisabled('test: fallback paths'));
    afterAll(() => setSimdDisabled(null));

    for (const cs of [CONV_CASES[1], CONV_CASES[5], CONV_CASES[6], CONV_CASES[9]]) {
      it(`Conv2DBackpropFilter as one XNNPACK convolution: ${cs.h}x${cs.w}x${cs.c}→${cs.m} k${cs.k} s${cs.s}`, () => {
        const info = tf.backend_util.computeConv2DInfo([cs.n, cs.h, cs.w, cs.c], [cs.k, cs.k, cs.c, cs.m], cs.s, 1, cs.pad as never);
        const rng = Rng.fromSeed('fallback-bpf');
        const [cpu, wasm] = onBoth([randomTensor(rng, [cs.n, cs.h, cs.w, cs.c]), randomTensor(rng, [cs.n, info.outHeight, info.outWidth, cs.m])], (x, dy) =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            strides: cs.s, pad: cs.pad, dataFormat: 'NHWC', filterShape: [cs.k, cs.k, cs.c, cs.m],
          } as never) as tf.Tensor,
        );
        expect(maxRelErr(cpu, wasm)).toBeLessThan(1e-5);
      });
    }

    it('MaxPoolGrad and fake quantization in JavaScript', () => {
      const rng = Rng.fromSeed('fallback-pool');
      const x = randomTensor(rng, [2, 6, 8, 8]);
      for (let i = 0; i < x.data.length; i++) x.data[i] = Math.round(x.data[i] * 2) / 2;
      const [cpu, wasm] = onBoth([x], (xt) => {
        const w = tf.reshape(tf.range(1, 1 + 2 * 3 * 4 * 8), [2, 3, 4, 8]);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), w)))(xt);
      });
      expect(Array.from(wasm)).toEqual(Array.from(cpu));
      const f = { intBits: 2, fracBits: 3, signed: true };
      const [qc, qw] = onBoth([randomTensor(rng, [1001])], (t) => fakeQuant(t, f));
      expect(Array.from(qw).map((v) => v + 0)).toEqual(Array.from(qc).map((v) => v + 0));
    });
  });
});
