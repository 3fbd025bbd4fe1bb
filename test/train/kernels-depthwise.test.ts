/**
 * The gradients MobileNet-like networks need on the wasm backend against the cpu backend: our depthwise
 * gradient kernels (SIMD and loop paths), and the gradients of strided and depthwise conv blocks, linear
 * projections, residual additions (with broadcasting) and global average pooling as the model builds them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { setSimdDisabled, simdDisabledReason } from '../../lib/train/kernels/simd/runtime.js';
import { convBlock, StepKeeper } from '../../lib/train/ops.js';
import { Rng } from '../../lib/rng.js';

type Input = { data: Float32Array; shape: number[] };

function randomTensor(rng: Rng, shape: number[]): Input {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, shape };
}

/** Runs `f` on the cpu and the wasm backend with the same inputs: [cpu, wasm] results, flattened, with shapes. */
function onBoth(inputs: Input[], f: (...t: tf.Tensor[]) => tf.Tensor[]): { cpu: Float32Array[]; wasm: Float32Array[]; shapes: number[][][] } {
  const out: Float32Array[][] = [];
  const shapes: number[][][] = [];
  for (const b of ['cpu', 'wasm']) {
    tf.setBackend(b);
    const r = tf.tidy(() => {
      const ts = inputs.map((i) => tf.tensor(i.data, i.shape));
      const res = f(...ts);
      return { v: res.map((t) => t.dataSync() as Float32Array), s: res.map((t) => t.shape) };
    });
    out.push(r.v);
    shapes.push(r.s);
  }
  return { cpu: out[0], wasm: out[1], shapes };
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

function expectClose(r: ReturnType<typeof onBoth>, tol = 1e-5): void {
  expect(r.shapes[1]).toEqual(r.shapes[0]);
  r.cpu.forEach((c, i) => {
    expect(c.length).toBeGreaterThan(0);
    expect(maxRelErr(c, r.wasm[i])).toBeLessThan(tol);
  });
}

// Odd sizes, strides 1 and 2, kernels 3 and 5, channels multiples of 4 (SIMD path, blocks of 16/8/4) and not (loop).
const DW_CASES = [
  { n: 2, h: 7, w: 9, c: 8, k: 3, s: 1 },
  { n: 2, h: 9, w: 7, c: 12, k: 5, s: 1 },
  { n: 2, h: 9, w: 9, c: 28, k: 3, s: 2 },
  { n: 3, h: 11, w: 10, c: 16, k: 5, s: 2 },
  { n: 2, h: 5, w: 6, c: 3, k: 3, s: 1 },
  { n: 2, h: 7, w: 7, c: 6, k: 5, s: 2 },
  // Large enough that the filter gradient splits the pixels into several chunks.
  { n: 2, h: 33, w: 31, c: 64, k: 5, s: 2 },
  { n: 2, h: 24, w: 22, c: 48, k: 3, s: 1 },
];

describe('depthwise convolution gradients on wasm match the cpu backend', () => {
  beforeAll(async () => {
    const info = await initTrainingBackend({ backend: 'wasm', threads: 1 });
    expect(info.ownKernels).toEqual(expect.arrayContaining(['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']));
    await import('@tensorflow/tfjs-backend-cpu');
  });

  for (const cs of DW_CASES) {
    const label = `n${cs.n} ${cs.h}x${cs.w}x${cs.c} k${cs.k} s${cs.s} same`;
    const info = tf.backend_util.computeConv2DInfo([cs.n, cs.h, cs.w, cs.c], [cs.k, cs.k, cs.c, 1], cs.s, 1, 'same', undefined, true);
    const dyShape = [cs.n, info.outHeight, info.outWidth, cs.c];

    it(`DepthwiseConv2dNativeBackpropFilter ${label}`, () => {
      const rng = Rng.fromSeed(`dwbpf/${label}`);
      const r = onBoth([randomTensor(rng, [cs.n, cs.h, cs.w, cs.c]), randomTensor(rng, dyShape)], (x, dy) => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
          strides: cs.s, pad: 'same', dilations: 1, filterShape: [cs.k, cs.k, cs.c, 1],
        } as never) as tf.Tensor,
      ]);
      expect(r.shapes[1][0]).toEqual([cs.k, cs.k, cs.c, 1]);
      expectClose(r);
      expect(simdDisabledReason()).toBeNull();
    });

    it(`DepthwiseConv2dNativeBackpropInput ${label}`, () => {
      const rng = Rng.fromSeed(`dwbpi/${label}`);
      const r = onBoth([randomTensor(rng, dyShape), randomTensor(rng, [cs.k, cs.k, cs.c, 1])], (dy, w) => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, {
          strides: cs.s, pad: 'same', dilations: 1, inputShape: [cs.n, cs.h, cs.w, cs.c],
        } as never) as tf.Tensor,
      ]);
      expect(r.shapes[1][0]).toEqual([cs.n, cs.h, cs.w, cs.c]);
      expectClose(r);
    });
  }

  it('refuses a channel multiplier above 1 instead of computing it wrong', () => {
    tf.setBackend('wasm');
    expect(() =>
      tf.tidy(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.ones([1, 4, 4, 2]), dy: tf.ones([1, 4, 4, 4]) }, {
        strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 2, 2],
      } as never)),
    ).toThrow(/multiplier 1/);
  });

  it('the filter gradient without the SIMD module (loop path) matches too', () => {
    setSimdDisabled('test: loop path');
    try {
      const cs = DW_CASES[3];
      const info = tf.backend_util.computeConv2DInfo([cs.n, cs.h, cs.w, cs.c], [cs.k, cs.k, cs.c, 1], cs.s, 1, 'same', undefined, true);
      const rng = Rng.fromSeed('dwbpf/loop');
      const r = onBoth([randomTensor(rng, [cs.n, cs.h, cs.w, cs.c]), randomTensor(rng, [cs.n, info.outHeight, info.outWidth, cs.c])], (x, dy) => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
          strides: cs.s, pad: 'same', dilations: 1, filterShape: [cs.k, cs.k, cs.c, 1],
        } as never) as tf.Tensor,
      ]);
      expectClose(r);
    } finally {
      setSimdDisabled(null);
    }
  });

  // Our conv block (hand-written gradient, wasm kernels) against standard ops with tfjs's own gradients on cpu.
  // h ≤ 2: maps smaller than the kernel, where the block crops the kernel to the taps that read the image.
  const BLOCK_CASES = [
    { c: 8, m: 8, k: 3, s: 2, h: 9, depthwise: true, relu: true },
    { c: 12, m: 12, k: 5, s: 1, h: 9, depthwise: true, relu: true },
    { c: 6, m: 10, k: 3, s: 2, h: 9, depthwise: false, relu: true },
    { c: 16, m: 8, k: 1, s: 1, h: 9, depthwise: false, relu: false },
    { c: 5, m: 5, k: 5, s: 2, h: 9, depthwise: true, relu: false },
    { c: 8, m: 12, k: 5, s: 1, h: 2, depthwise: false, relu: true },
    { c: 8, m: 8, k: 5, s: 1, h: 2, depthwise: true, relu: true },
    { c: 6, m: 4, k: 5, s: 2, h: 2, depthwise: false, relu: false },
    { c: 4, m: 4, k: 3, s: 1, h: 1, depthwise: true, relu: true },
  ];
  for (const bc of BLOCK_CASES) {
    it(`convBlock ${bc.depthwise ? 'depthwise' : 'regular'} ${bc.h}x${bc.h}x${bc.c}→${bc.m} k${bc.k} s${bc.s} ${bc.relu ? 'relu' : 'linear'}: value and gradients`, () => {
      const rng = Rng.fromSeed(`block/${JSON.stringify(bc)}`);
      const h = bc.h;
      const oh = Math.ceil(h / bc.s);
      const kShape = bc.depthwise ? [bc.k, bc.k, bc.c, 1] : [bc.k, bc.k, bc.c, bc.m];
      const inputs = [randomTensor(rng, [2, h, h, bc.c]), randomTensor(rng, kShape), randomTensor(rng, [bc.m]), randomTensor(rng, [2, oh, oh, bc.m])];
      const results: { cpu: Float32Array[]; wasm: Float32Array[] } = { cpu: [], wasm: [] };
      for (const b of ['cpu', 'wasm'] as const) {
        tf.setBackend(b);
        const vals = tf.tidy(() => {
          const [x, k, bias, r] = inputs.map((i) => tf.tensor(i.data, i.shape));
          const f =
            b === 'cpu'
              ? (kk: tf.Tensor, bb: tf.Tensor, xx: tf.Tensor) => {
                  const conv = bc.depthwise ? tf.depthwiseConv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, bc.s, 'same') : tf.conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, bc.s, 'same');
                  const z = tf.add(conv, bb);
                  return tf.sum(tf.mul(bc.relu ? tf.relu(z) : z, r)) as tf.Scalar;
                }
              : (kk: tf.Tensor, bb: tf.Tensor, xx: tf.Tensor) => {
                  const keeper = new StepKeeper();
                  const y = convBlock(xx as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D, { activation: null, inputGrad: true, keeper, stride: bc.s, depthwise: bc.depthwise, relu: bc.relu });
                  return tf.sum(tf.mul(y, r)) as tf.Scalar;
                };
          const { value, grads } = tf.valueAndGrads(f)([k, bias, x]);
          return [value, ...grads].map((t) => t.dataSync() as Float32Array);
        });
        results[b] = vals;
      }
      expect(results.wasm.map((v) => v.length)).toEqual(results.cpu.map((v) => v.length));
      results.cpu.forEach((c, i) => expect(maxRelErr(c, results.wasm[i])).toBeLessThan(1e-4));
    });
  }

  it('residual addition (also broadcast) and global average pooling: gradients match', () => {
    const rng = Rng.fromSeed('add-mean');
    const r = onBoth([randomTensor(rng, [3, 5, 7, 8]), randomTensor(rng, [3, 5, 7, 8]), randomTensor(rng, [1, 1, 7, 8]), randomTensor(rng, [3, 1, 1, 8])], (a, b, c, w) => {
      const f = (aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => tf.sum(tf.mul(tf.mean(tf.relu(tf.add(tf.add(aa, bb), cc)), [1, 2], true), w)) as tf.Scalar;
      const { value, grads } = tf.valueAndGrads(f)([a, b, c]);
      return [value, ...grads];
    });
    expectClose(r);
  });
});

afterAll(() => {
  tf.setBackend('wasm');
});
