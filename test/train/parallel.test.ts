/**
 * Data-parallel training (lib/train/parallel): the gradient of a step is the whole batch's (the replicas' shares
 * summed), BatchNorm's moving mean follows the whole batch, a whole training matches single-thread training up to
 * float summation order and is bit-identical run to run, resume from a checkpoint continues it exactly, and
 * masks and fake quantization keep working. Needs the build (the replica worker runs from dist/).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { extendGenome } from '../../lib/space/presets/hotnas.js';
import type { Genome } from '../../lib/space/genome.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { QuantizedCnn, type NamedArray } from '../../lib/train/build-model.js';
import { captureTrainingState, restoreTrainingState, type TrainingState } from '../../lib/train/checkpoint.js';
import { maskArrays } from '../../lib/train/masks.js';
import { StepKeeper } from '../../lib/train/ops.js';
import { DataParallel, stopIdleReplicas } from '../../lib/train/parallel/data-parallel.js';
import { planParallel, settleParallel } from '../../lib/train/parallel/mode.js';
import { splitBatch } from '../../lib/train/parallel/share.js';
import { decodeArchitecture } from '../../lib/space/decode.js';
import { trainGenome, type TrainRequest } from '../../lib/train/train.js';

const floatSpace = presetSpace('lu2019-mnist-float');
const quantSpace = presetSpace('lu2019-mnist');

function smallGenome(space: typeof floatSpace, quant = false): Genome {
  const g: Record<string, number | boolean | string> = { ...space.sample(Rng.fromSeed('base')) };
  Object.assign(g, { depth: 2, 'L1.filters': 8, 'L1.kernel': 3, 'L1.pool': true, 'L2.filters': 16, 'L2.kernel': 3, 'L2.pool': true });
  if (quant) {
    for (const l of ['L1', 'L2']) Object.assign(g, { [`${l}.wInt`]: 2, [`${l}.wFrac`]: 5, [`${l}.aInt`]: 3, [`${l}.aFrac`]: 4 });
    Object.assign(g, { 'fc.wInt': 2, 'fc.wFrac': 5 });
  }
  return space.canonical(g);
}

function request(over: Partial<TrainRequest> = {}): TrainRequest {
  return {
    space: floatSpace.toJSON(),
    genome: smallGenome(floatSpace),
    dataset: 'mnist',
    trainSubset: 640,
    valSubset: 200,
    epochs: 1,
    batchSize: 64,
    seed: 11,
    backend: 'wasm',
    threads: 2,
    parallel: 'data',
    returnWeights: true,
    ...over,
  };
}

/** Random images in [0, 1] and one-hot labels of `n` MNIST-shaped examples. */
function batch(n: number, seed: string): { x: Float32Array; y: Float32Array } {
  const rng = Rng.fromSeed(seed);
  const x = Float32Array.from({ length: n * 784 }, () => rng.uniform(0, 1));
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + Math.floor(rng.uniform(0, 10))] = 1;
  return { x, y };
}

/** Records the gradients it is given instead of applying them. */
class RecordingOptimizer extends tf.SGDOptimizer {
  grads: Float32Array[] = [];
  override applyGradients(g: tf.NamedTensorMap | tf.NamedTensor[]): void {
    const map = g as tf.NamedTensorMap;
    this.grads = Object.keys(map).map((k) => Float32Array.from(map[k].dataSync() as Float32Array));
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function weightsOf(r: { weights?: { weights: readonly NamedArray[] } }): Map<string, Float32Array> {
  return new Map(r.weights!.weights.map((w) => [w.name, w.data]));
}

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
});

afterAll(async () => {
  await stopIdleReplicas();
});

describe('sharing a batch', () => {
  it('splits a batch into contiguous shares, the first ones larger', () => {
    expect(splitBatch(64, 2)).toEqual([32, 32]);
    expect(splitBatch(7, 2)).toEqual([4, 3]);
    expect(splitBatch(10, 4)).toEqual([3, 3, 2, 2]);
    expect(splitBatch(1, 2)).toEqual([1, 0]);
  });

  it('uses data parallelism for ≥ 2 threads by default, only on wasm, and refuses it clearly elsewhere', () => {
    expect(planParallel('auto', 1)).toBe('intra-op');
    expect(planParallel('data', 1)).toBe('intra-op');
    expect(planParallel('intra-op', 2)).toBe('intra-op');
    expect(settleParallel('auto', 2, 'wasm')).toMatchObject({ mode: 'data', replicas: 2 });
    expect(settleParallel('auto', 2, 'tfjs-node')).toMatchObject({ mode: 'intra-op', replicas: 1 });
    expect(() => settleParallel('data', 2, 'tfjs-node')).toThrow(ConfigError);
    expect(() => settleParallel('data', 2, 'cpu')).toThrow(/train\.parallel/);
  });
});

describe('one data-parallel step', () => {
  it('computes the gradient of the whole batch (shares summed), for an even and an odd batch', async () => {
    for (const n of [64, 37]) {
      const model = QuantizedCnn.fromGenome(quantSpace, smallGenome(quantSpace, true), { seed: 3 });
      const { x, y } = batch(n, `grad/${n}`);
      // Reference: tfjs's gradient of the whole batch's mean loss on this thread.
      const refKeeper = new StepKeeper();
      const ref = tf.tidy(() => {
        const xs = tf.tensor4d(x, [n, 28, 28, 1]);
        const ys = tf.tensor2d(y, [n, 10]);
        const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, true, refKeeper)) as tf.Scalar, model.trainableVariables);
        return model.trainableVariables.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array));
      });
      refKeeper.release();
      const dp = await DataParallel.start(model, { replicas: 2, batchSize: 64 });
      const opt = new RecordingOptimizer(0.1);
      const keeper = new StepKeeper();
      try {
        const loss = await dp.step(opt, keeper, x, y, n);
        expect(Number.isFinite(loss)).toBe(true);
      } finally {
        dp.close();
        model.dispose();
      }
      expect(opt.grads).toHaveLength(ref.length);
      ref.forEach((g, i) => {
        const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
        expect(maxAbsDiff(g, opt.grads[i]) / scale).toBeLessThan(1e-5);
      });
      // Not a zero gradient compared with a zero gradient.
      expect(Math.max(...Array.from(ref[0], Math.abs))).toBeGreaterThan(1e-4);
    }
  });

  it("updates BatchNorm's moving mean as the whole batch would", async () => {
    const n = 64;
    const genome = smallGenome(floatSpace);
    const ref = QuantizedCnn.fromGenome(floatSpace, genome, { seed: 5, batchNorm: true });
    const model = QuantizedCnn.fromGenome(floatSpace, genome, { seed: 5, batchNorm: true });
    const { x, y } = batch(n, 'bn');
    tf.tidy(() => {
      ref.apply(tf.tensor4d(x, [n, 28, 28, 1]), true);
    });
    const dp = await DataParallel.start(model, { replicas: 2, batchSize: n });
    try {
      await dp.step(new RecordingOptimizer(0.1), new StepKeeper(), x, y, n);
    } finally {
      dp.close();
    }
    const a = new Map(ref.getWeights().map((w) => [w.name, w.data]));
    const b = new Map(model.getWeights().map((w) => [w.name, w.data]));
    for (const name of ['L1/moving_mean', 'L2/moving_mean']) {
      expect(maxAbsDiff(a.get(name)!, b.get(name)!)).toBeLessThan(1e-6);
      // The step moved it (from zeros).
      expect(Math.max(...Array.from(b.get(name)!, Math.abs))).toBeGreaterThan(1e-5);
    }
    ref.dispose();
    model.dispose();
  });
});

describe('data-parallel training', () => {
  it('matches single-thread training up to float summation order, and records the mode', async () => {
    const single = await trainGenome(request({ threads: 1, parallel: 'intra-op', epochs: 2 }));
    const data = await trainGenome(request({ epochs: 2 }));
    expect(single.parallel).toMatchObject({ mode: 'intra-op', replicas: 1 });
    expect(data.parallel).toMatchObject({ mode: 'data', threads: 2, replicas: 2 });
    expect(data.backend.kind).toBe('wasm');
    data.trainLossHistory.forEach((l, i) => expect(Math.abs(l - single.trainLossHistory[i])).toBeLessThan(2e-3));
    expect(data.trainLossHistory[1]).toBeLessThan(data.trainLossHistory[0]);
    const a = weightsOf(single);
    const b = weightsOf(data);
    for (const [name, w] of a) expect(maxAbsDiff(w, b.get(name)!)).toBeLessThan(5e-3);
    expect(Math.abs(data.valAccuracy - single.valAccuracy)).toBeLessThan(0.02);
  });

  it('is bit-identical run to run (quantized, BatchNorm)', async () => {
    const over = { space: quantSpace.toJSON(), genome: smallGenome(quantSpace, true), batchNorm: true };
    const r1 = await trainGenome(request(over));
    const r2 = await trainGenome(request(over));
    expect(r1.parallel?.note).toMatch(/BatchNorm/);
    expect(r2.trainLossHistory).toEqual(r1.trainLossHistory);
    const a = weightsOf(r1);
    for (const [name, w] of weightsOf(r2)) expect(Array.from(w)).toEqual(Array.from(a.get(name)!));
  });

  it('continues exactly from a checkpoint taken between epochs', async () => {
    const whole = await trainGenome(request({ epochs: 2 }));
    let state: TrainingState | null = null;
    await trainGenome(request({ epochs: 1 }), {
      afterEpoch: async ({ model, optimizer }) => {
        state = await captureTrainingState(model, optimizer);
      },
    });
    const resumed = await trainGenome(request({ epochs: 2 }), {
      resume: async (model, optimizer) => {
        await restoreTrainingState(model, optimizer, state!);
        return { epochs: 1, losses: [whole.trainLossHistory[0]] };
      },
    });
    expect(resumed.trainLossHistory).toEqual(whole.trainLossHistory);
    const a = weightsOf(whole);
    for (const [name, w] of weightsOf(resumed)) expect(Array.from(w)).toEqual(Array.from(a.get(name)!));
  });

  it('keeps pruned weights at zero (hotnas masks) and learns', async () => {
    const space = presetSpace('hotnas-mnist');
    const genome = extendGenome(space, {
      depth: 2,
      'L1.filters': 8, 'L1.kernel': 3, 'L1.pool': true, 'L1.pattern': 'patdnn4', 'L1.keep': 0.75,
      'L2.filters': 8, 'L2.kernel': 3, 'L2.pool': true, 'L2.pattern': 'hotnas6', 'L2.keep': 0.5,
      'L1.wInt': 2, 'L1.wFrac': 5, 'L1.aInt': 3, 'L1.aFrac': 4,
      'L2.wInt': 2, 'L2.wFrac': 5, 'L2.aInt': 3, 'L2.aFrac': 4,
      'fc.wInt': 2, 'fc.wFrac': 5,
    }, Rng.fromSeed('hw'));
    const r = await trainGenome(request({ space: space.toJSON(), genome, epochs: 2, learningRate: 0.01 }));
    expect(r.parallel?.mode).toBe('data');
    expect(r.trainLossHistory[1]).toBeLessThan(r.trainLossHistory[0]);
    const masks = maskArrays(decodeArchitecture(space, genome), r.weights!.compression!);
    const w = weightsOf(r);
    let pruned = 0;
    for (const [name, m] of masks) {
      const data = w.get(name);
      // Masks also cover BatchNorm's gamma and beta, absent from a network without BatchNorm.
      if (!data) continue;
      m.forEach((keep, i) => {
        if (keep === 0) {
          pruned++;
          expect(data[i] === 0).toBe(true);
        }
      });
    }
    expect(pruned).toBeGreaterThan(0);
  });
});
