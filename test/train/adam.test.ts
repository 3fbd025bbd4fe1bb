/**
 * The fused Adam (lib/train/kernels/adam.ts) against tfjs's own Adam: bit for bit on the wasm backend (the same
 * float32 operations in the same order), within float32 noise of the cpu backend, through the in-place path and
 * the fallback for variables whose data is shared, and with interchangeable optimizer state.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { adam } from '../../lib/train/kernels/adam.js';
import { Rng } from '../../lib/rng.js';

const SHAPES = [[3, 3, 2, 5], [5], [37, 10]];
/** tfjs variable names are global: a counter keeps them unique. */
let seq = 0;

function data(seed: string): Float32Array[] {
  const rng = Rng.fromSeed(seed);
  return SHAPES.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()));
}

/**
 * Weights after `steps` steps of `opt` on a loss with a different gradient every step: Σ (w − t)² · (1 + step)
 * plus Σ w³ (gradients of mixed signs and sizes). `share` keeps a second reference to the first variable's data.
 */
/** A variable that alone holds its data (as the model's are). */
function variable(d: Float32Array, shape: number[], name: string): tf.Variable {
  const t = tf.tensor(d, shape);
  const v = tf.variable(t, true, `adam-test/${name}/${seq++}`);
  t.dispose();
  return v;
}

/** Whether the last {@link train} updated its variables in place (their data ids unchanged). */
let inPlace = false;

function train(backend: string, make: () => tf.Optimizer, steps: number, share = false): Float32Array[] {
  tf.setBackend(backend);
  const init = data('init');
  const target = data('target');
  const vars = init.map((d, i) => variable(d, SHAPES[i], backend));
  const ids = vars.map((v) => v.dataId);
  const shared = share ? tf.reshape(vars[0], [-1]) : null;
  const opt = make();
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => {
      let l = tf.scalar(0);
      vars.forEach((v, i) => {
        const t = tf.tensor(target[i], SHAPES[i]);
        l = tf.add(l, tf.add(tf.mul(tf.sum(tf.square(tf.sub(v, t))), 1 + s), tf.mul(tf.sum(tf.pow(v, 3)), 0.01)));
      });
      return l as tf.Scalar;
    }, true);
    loss?.dispose();
  }
  const out = vars.map((v) => (v.dataSync() as Float32Array).slice());
  inPlace = vars.every((v, i) => v.dataId === ids[i]);
  shared?.dispose();
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}

function maxRelErr(a: Float32Array[], b: Float32Array[]): number {
  let err = 0;
  a.forEach((x, i) => x.forEach((v, k) => (err = Math.max(err, Math.abs(v - b[i][k]) / Math.max(1, Math.abs(v))))));
  return err;
}

describe('fused Adam', () => {
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    await initTrainingBackend({ backend: 'wasm', threads: 1 });
  });

  it('equals tfjs Adam on wasm bit for bit', () => {
    const ours = train('wasm', () => adam(0.01), 12);
    expect(inPlace).toBe(true);
    const theirs = train('wasm', () => tf.train.adam(0.01), 12);
    expect(inPlace).toBe(false);
    expect(ours.map((a) => Array.from(a))).toEqual(theirs.map((a) => Array.from(a)));
    // And it moved the weights (a no-op optimizer would also equal itself).
    expect(maxRelErr(ours, data('init'))).toBeGreaterThan(0.05);
  });

  it('matches tfjs Adam on the cpu backend', () => {
    const ours = train('wasm', () => adam(0.003), 10);
    const cpu = train('cpu', () => tf.train.adam(0.003), 10);
    expect(maxRelErr(ours, cpu)).toBeLessThan(1e-5);
  });

  it('updates a variable whose data another tensor shares the tfjs way (same result, the sharer unchanged)', () => {
    tf.setBackend('wasm');
    const ours = train('wasm', () => adam(0.01), 6, true);
    expect(inPlace).toBe(false);
    const theirs = train('wasm', () => tf.train.adam(0.01), 6, true);
    expect(ours.map((a) => Array.from(a))).toEqual(theirs.map((a) => Array.from(a)));
    // A tensor holding the variable's data keeps its values when the variable is updated.
    const v = variable(Float32Array.of(1, 2, 3, 4), [4], 'sharer');
    const sharer = tf.reshape(v, [2, 2]);
    const opt = adam(0.1);
    opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar);
    expect(Array.from(sharer.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(v.dataSync())).not.toEqual([1, 2, 3, 4]);
    sharer.dispose();
    v.dispose();
    opt.dispose();
  });

  it('keeps state that tfjs Adam can continue from, and the reverse', async () => {
    tf.setBackend('wasm');
    const straight = train('wasm', () => tf.train.adam(0.01), 8);
    // 4 steps with one optimizer, its state handed to the other for 4 more: the same weights as 8 tfjs steps.
    for (const [makeFirst, makeSecond] of [
      [() => adam(0.01), () => tf.train.adam(0.01)],
      [() => tf.train.adam(0.01), () => adam(0.01)],
    ] as const) {
      const init = data('init');
      const target = data('target');
      const vars = init.map((d, i) => variable(d, SHAPES[i], 'handover'));
      const step = (opt: tf.Optimizer, s: number) =>
        opt.minimize(() => {
          let l = tf.scalar(0);
          vars.forEach((v, i) => {
            const t = tf.tensor(target[i], SHAPES[i]);
            l = tf.add(l, tf.add(tf.mul(tf.sum(tf.square(tf.sub(v, t))), 1 + s), tf.mul(tf.sum(tf.pow(v, 3)), 0.01)));
          });
          return l as tf.Scalar;
        });
      const first = makeFirst();
      for (let s = 0; s < 4; s++) step(first, s);
      const state = await first.getWeights();
      const second = makeSecond();
      // The second optimizer's moments share these tensors' data (tfjs keeps them as its variables).
      await second.setWeights(state.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
      for (let s = 4; s < 8; s++) step(second, s);
      expect(vars.map((v) => Array.from(v.dataSync()))).toEqual(straight.map((a) => Array.from(a)));
      first.dispose();
      second.dispose();
      vars.forEach((v) => v.dispose());
    }
  });
});
