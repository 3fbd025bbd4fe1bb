/**
 * Our training ops (fused conv block, max pooling, with hand-written gradients and our wasm kernels) against
 * a reference built from standard tfjs ops on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { fakeQuant } from '../../lib/train/fake-quant.js';
import { convBlock, maxPool2x2, StepKeeper } from '../../lib/train/ops.js';
import { Rng } from '../../lib/rng.js';
import type { FixedPoint } from '../../lib/space/decode.js';

function rand(rng: Rng, shape: number[], spread = 1): tf.Tensor {
  const a = new Float32Array(shape.reduce((p, q) => p * q, 1));
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * spread;
  return tf.tensor(a, shape);
}

function relErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / scale;
}

/** Reference: conv → +bias → ReLU, or → fake-quant (clamps at 0), with standard ops and tf.grads. */
function reference(x: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D, act: FixedPoint | null, r: tf.Tensor, pool: boolean) {
  const f = (kk: tf.Tensor, bb: tf.Tensor, xx: tf.Tensor) => {
    const z = tf.add(tf.conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, 1, 'same'), bb);
    let y = act ? fakeQuant(z, act) : tf.relu(z);
    if (pool) y = tf.maxPool(y as tf.Tensor4D, 2, 2, 'valid');
    return tf.sum(tf.mul(y, r));
  };
  const { value, grads } = tf.valueAndGrads(f)([k, b, x]);
  return [value, ...grads];
}

function ours(x: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D, act: FixedPoint | null, r: tf.Tensor, pool: boolean, inputGrad: boolean) {
  const keeper = new StepKeeper();
  const f = (kk: tf.Tensor, bb: tf.Tensor, xx: tf.Tensor) => {
    let y = convBlock(xx as tf.Tensor4D, kk as tf.Tensor4D, bb as tf.Tensor1D, { activation: act, inputGrad, keeper });
    if (pool) y = maxPool2x2(y, keeper);
    return tf.sum(tf.mul(y, r));
  };
  const xs = inputGrad ? [k, b, x] : [k, b];
  const g = inputGrad ? f : (kk: tf.Tensor, bb: tf.Tensor) => f(kk, bb, x);
  const { value, grads } = tf.valueAndGrads(g as (...t: tf.Tensor[]) => tf.Scalar)(xs);
  keeper.release();
  return [value, ...grads];
}

const CASES: { c: number; m: number; k: number; act: FixedPoint | null; pool: boolean }[] = [
  { c: 1, m: 8, k: 3, act: null, pool: true },
  { c: 3, m: 6, k: 5, act: null, pool: false },
  { c: 4, m: 12, k: 3, act: { intBits: 2, fracBits: 3, signed: false }, pool: true },
  { c: 5, m: 16, k: 1, act: { intBits: 1, fracBits: 2, signed: false }, pool: false },
  { c: 8, m: 24, k: 7, act: { intBits: 3, fracBits: 0, signed: false }, pool: true },
];

describe('training ops match standard tfjs ops on the cpu backend', () => {
  beforeAll(async () => {
    await initTrainingBackend({ backend: 'wasm', threads: 1 });
  });

  for (const cs of CASES) {
    for (const inputGrad of [true, false]) {
      it(`conv block c${cs.c}→${cs.m} k${cs.k} ${cs.act ? `act q${cs.act.intBits}.${cs.act.fracBits}` : 'relu'}${cs.pool ? ' + pool' : ''}${inputGrad ? '' : ' (no input grad)'}`, () => {
        const results: Float32Array[][] = [];
        for (const [backend, fn] of [['cpu', 'ref'], ['wasm', 'ours'], ['cpu', 'ours']] as const) {
          tf.setBackend(backend);
          const rng = Rng.fromSeed(`block/${cs.c}/${cs.m}/${cs.k}`);
          results.push(
            tf.tidy(() => {
              const x = rand(rng, [2, 6, 8, cs.c]) as tf.Tensor4D;
              const k = rand(rng, [cs.k, cs.k, cs.c, cs.m], 0.5) as tf.Tensor4D;
              const b = rand(rng, [cs.m], 0.3) as tf.Tensor1D;
              const outShape = cs.pool ? [2, 3, 4, cs.m] : [2, 6, 8, cs.m];
              const r = rand(rng, outShape);
              const out = fn === 'ref' ? reference(x, k, b, cs.act, r, cs.pool) : ours(x, k, b, cs.act, r, cs.pool, inputGrad);
              return out.map((t) => t.dataSync() as Float32Array);
            }),
          );
        }
        const [ref, wasm, cpuOurs] = results;
        const n = inputGrad ? 4 : 3; // value, dk, db (, dx)
        for (let i = 0; i < n; i++) {
          expect(relErr(ref[i], wasm[i])).toBeLessThan(2e-5);
          expect(relErr(ref[i], cpuOurs[i])).toBeLessThan(2e-5);
        }
        expect(tf.memory().numTensors).toBeLessThan(200);
      });
    }
  }

  it('keeps no tensor alive after a step', () => {
    tf.setBackend('wasm');
    const rng = Rng.fromSeed('leak');
    const x = rand(rng, [2, 4, 4, 4]) as tf.Tensor4D;
    const k = tf.variable(rand(rng, [3, 3, 4, 8]));
    const b = tf.variable(tf.zeros([8]));
    const keeper = new StepKeeper();
    const opt = tf.train.sgd(0.1);
    const step = () => {
      opt.minimize(() => tf.sum(maxPool2x2(convBlock(x, k as tf.Tensor4D, b as tf.Tensor1D, { activation: null, inputGrad: false, keeper }), keeper)) as tf.Scalar);
      keeper.release();
    };
    step(); // the optimizer makes its constants on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([x, k, b]);
  });
});
