/**
 * The fused Adam (lib/train/kernels/adam.ts) against tfjs's own Adam: bit for bit on the wasm backend (the same
 * float32 operations in the same order), within float32 noise of the cpu backend, with weights used as
 * convolution filters and dense kernels (tfjs-wasm caches XNNPACK's packed copies of those), through the
 * in-place path and the fallback for moments whose data is shared, and with interchangeable optimizer state.
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

/** A variable that alone holds its data (as the model's are). */
function variable(d: Float32Array, shape: number[], name: string): tf.Variable {
  const t = tf.tensor(d, shape);
  const v = tf.variable(t, true, `adam-test/${name}/${seq++}`);
  t.dispose();
  return v;
}

/**
 * The loss of step `step`: Σ (w − t)²·(1 + step) + 0.01 Σ w³ (gradients of mixed signs, different every step),
 * plus the first weight used as a convolution filter and the last as a dense kernel.
 */
function lossOf(vars: tf.Variable[], target: Float32Array[], step: number): tf.Scalar {
  let l = tf.scalar(0);
  vars.forEach((v, i) => {
    const t = tf.tensor(target[i], SHAPES[i]);
    l = tf.add(l, tf.add(tf.mul(tf.sum(tf.square(tf.sub(v, t))), 1 + step), tf.mul(tf.sum(tf.pow(v, 3)), 0.01)));
  });
  const x = tf.tensor4d(target[2].subarray(0, 2 * 4 * 4 * 2), [2, 4, 4, 2]);
  const conv = tf.conv2d(x, vars[0] as tf.Tensor4D, 1, 'same');
  const dense = tf.matMul(tf.tensor2d(target[2].subarray(0, 74), [2, 37]), vars[2] as tf.Tensor2D);
  return tf.add(l, tf.mul(tf.add(tf.sum(tf.square(conv)), tf.sum(tf.square(dense))), 0.1)) as tf.Scalar;
}

type Moments = { variable: tf.Variable }[];
function firstMoments(opt: tf.Optimizer): tf.Variable[] {
  return (opt as unknown as { accumulatedFirstMoment: Moments }).accumulatedFirstMoment.map((s) => s.variable);
}

interface Run {
  weights: number[][];
  /** Whether the first moments kept their data ids from step 1 to the end (updated in place). */
  momentsInPlace: boolean;
  /** With `share`: the first moments after step 1, and what tensors sharing their data held at the end. */
  afterFirst?: number[][];
  sharersAtEnd?: number[][];
}

/** `steps` steps of {@link lossOf} from the same start; `share` keeps tensors sharing the moments' data. */
function train(backend: string, make: () => tf.Optimizer, steps: number, share = false): Run {
  tf.setBackend(backend);
  const target = data('target');
  const vars = data('init').map((d, i) => variable(d, SHAPES[i], backend));
  const opt = make();
  let ids: object[] = [];
  let sharers: tf.Tensor[] = [];
  let afterFirst: number[][] | undefined;
  for (let s = 0; s < steps; s++) {
    opt.minimize(() => lossOf(vars, target, s), true)?.dispose();
    if (s > 0) continue;
    ids = firstMoments(opt).map((m) => m.dataId);
    if (share) {
      sharers = firstMoments(opt).map((m) => tf.reshape(m, [-1]));
      afterFirst = sharers.map((t) => Array.from(t.dataSync()));
    }
  }
  const run: Run = {
    weights: vars.map((v) => Array.from(v.dataSync())),
    momentsInPlace: firstMoments(opt).every((m, i) => m.dataId === ids[i]),
    ...(share ? { afterFirst, sharersAtEnd: sharers.map((t) => Array.from(t.dataSync())) } : {}),
  };
  sharers.forEach((t) => t.dispose());
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return run;
}

function maxRelErr(a: number[][], b: number[][]): number {
  let err = 0;
  a.forEach((x, i) => x.forEach((v, k) => (err = Math.max(err, Math.abs(v - b[i][k]) / Math.max(1, Math.abs(v))))));
  return err;
}

describe('fused Adam', () => {
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    await initTrainingBackend({ backend: 'wasm', threads: 1 });
  });

  it('equals tfjs Adam on wasm bit for bit, updating its moments in place', () => {
    const ours = train('wasm', () => adam(0.01), 12);
    const theirs = train('wasm', () => tf.train.adam(0.01), 12);
    expect(ours.momentsInPlace).toBe(true);
    expect(theirs.momentsInPlace).toBe(false);
    expect(ours.weights).toEqual(theirs.weights);
    // It moved the weights (a no-op optimizer would also equal itself).
    expect(maxRelErr(ours.weights, data('init').map((a) => Array.from(a)))).toBeGreaterThan(0.05);
  });

  it('matches tfjs Adam on the cpu backend', () => {
    const ours = train('wasm', () => adam(0.003), 10);
    const cpu = train('cpu', () => tf.train.adam(0.003), 10);
    expect(maxRelErr(ours.weights, cpu.weights)).toBeLessThan(1e-5);
  });

  it('updates moments whose data another tensor shares the tfjs way: same result, the sharers unchanged', () => {
    const ours = train('wasm', () => adam(0.01), 6, true);
    const theirs = train('wasm', () => tf.train.adam(0.01), 6, true);
    expect(ours.momentsInPlace).toBe(false);
    expect(ours.weights).toEqual(theirs.weights);
    expect(ours.sharersAtEnd).toEqual(ours.afterFirst);
  });

  it('keeps state that tfjs Adam can continue from, and the reverse', async () => {
    const straight = train('wasm', () => tf.train.adam(0.01), 8);
    // 4 steps with one optimizer, its state handed to the other for 4 more: the same weights as 8 tfjs steps.
    for (const [makeFirst, makeSecond] of [
      [() => adam(0.01), () => tf.train.adam(0.01)],
      [() => tf.train.adam(0.01), () => adam(0.01)],
    ] as const) {
      tf.setBackend('wasm');
      const target = data('target');
      const vars = data('init').map((d, i) => variable(d, SHAPES[i], 'handover'));
      const first = makeFirst();
      for (let s = 0; s < 4; s++) first.minimize(() => lossOf(vars, target, s));
      const state = await first.getWeights();
      const second = makeSecond();
      // The second optimizer's moments share these tensors' data (tfjs keeps them as its variables).
      await second.setWeights(state.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
      for (let s = 4; s < 8; s++) second.minimize(() => lossOf(vars, target, s));
      expect(vars.map((v) => Array.from(v.dataSync()))).toEqual(straight.weights);
      first.dispose();
      second.dispose();
      vars.forEach((v) => v.dispose());
    }
  });
});
