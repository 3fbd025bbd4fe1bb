/**
 * The threaded wasm build (started by hand: tfjs disables wasm threads under Node) with our kernels spread
 * over a helper team: results match the cpu backend, and training works on two threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { kernelsFor } from '../../lib/train/kernels/simd/runtime.js';
import type { WasmBackendLike } from '../../lib/train/kernels/wasm-util.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { trainGenome } from '../../lib/train/train.js';

function rand(rng: Rng, shape: number[]): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, shape };
}

describe('threaded wasm backend', () => {
  beforeAll(async () => {
    const info = await initTrainingBackend({ backend: 'wasm', threads: 2 });
    expect(info.threads).toBe(2);
    expect(info.note).toBeUndefined();
    await import('@tensorflow/tfjs-backend-cpu');
  });

  it('runs Conv2DBackpropFilter on a team of two threads, matching the cpu backend', () => {
    tf.setBackend('wasm');
    const k = kernelsFor(tf.backend() as unknown as WasmBackendLike);
    expect(k?.team?.size).toBe(2);
    for (const [n, h, c, m, kk, s] of [
      [4, 12, 5, 12, 3, 1],
      [1, 24, 16, 32, 3, 1],
      [2, 11, 3, 7, 5, 2],
    ]) {
      const rng = Rng.fromSeed(`team/${h}/${c}`);
      const info = tf.backend_util.computeConv2DInfo([n, h, h, c], [kk, kk, c, m], s, 1, 'same');
      const x = rand(rng, [n, h, h, c]);
      const dy = rand(rng, [n, info.outHeight, info.outWidth, m]);
      const out: Float32Array[] = [];
      for (const b of ['cpu', 'wasm']) {
        tf.setBackend(b);
        out.push(
          tf.tidy(() =>
            (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x.data, x.shape), dy: tf.tensor(dy.data, dy.shape) }, {
              strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: [kk, kk, c, m],
            } as never) as tf.Tensor).dataSync() as Float32Array,
          ),
        );
      }
      let scale = 1e-6;
      let err = 0;
      for (let i = 0; i < out[0].length; i++) {
        scale = Math.max(scale, Math.abs(out[0][i]));
        err = Math.max(err, Math.abs(out[0][i] - out[1][i]));
      }
      expect(err / scale).toBeLessThan(1e-5);
    }
  });

  it('trains on two threads inside each operator (intra-op; data-parallel has its own tests)', async () => {
    const space = presetSpace('lu2019-mnist-float');
    const genome = space.canonical({ ...space.sample(Rng.fromSeed(3)), depth: 2, 'L1.filters': 8, 'L1.kernel': 3, 'L1.pool': true, 'L2.filters': 16, 'L2.kernel': 3, 'L2.pool': true });
    const r = await trainGenome({ space: space.toJSON(), genome, dataset: 'mnist', trainSubset: 1500, valSubset: 500, epochs: 2, seed: 7, backend: 'wasm', threads: 2, parallel: 'intra-op' });
    expect(r.backend.threads).toBe(2);
    expect(r.trainLossHistory[1]).toBeLessThan(r.trainLossHistory[0]);
    expect(r.valAccuracy).toBeGreaterThan(0.7);
  });
});
