/**
 * Training genomes for real on small MNIST subsets: it learns (float and quantized), it is deterministic by
 * seed, it fails with typed reasons (NaN, cancel, bad input), it returns usable weights, and the pool task
 * turns every ending — a crash or an out-of-memory worker included — into an outcome while the pool goes on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { WorkerPool } from '../../lib/eval/pool.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import type { Genome } from '../../lib/space/genome.js';
import { QuantizedCnn } from '../../lib/train/build-model.js';
import { loadDataset } from '../../lib/train/datasets/registry.js';
import { failureReason, trainTask } from '../../lib/train/task.js';
import { trainInPool } from '../../lib/eval/training-stage.js';
import { accuracy, trainGenome, TrainingError, type TrainRequest } from '../../lib/train/train.js';

const floatSpace = presetSpace('lu2019-mnist-float');
const quantSpace = presetSpace('lu2019-mnist');

/** A small two-layer net (8 and 16 filters, 3×3, pooled), with uniform bit widths when quantized. */
function smallGenome(space: typeof floatSpace, bits?: { wInt: number; wFrac: number; aInt: number; aFrac: number }): Genome {
  const g: Record<string, number | boolean | string> = { ...space.sample(Rng.fromSeed('base')) };
  Object.assign(g, { depth: 2, 'L1.filters': 8, 'L1.kernel': 3, 'L1.pool': true, 'L2.filters': 16, 'L2.kernel': 3, 'L2.pool': true });
  if (bits) {
    for (const l of ['L1', 'L2']) Object.assign(g, { [`${l}.wInt`]: bits.wInt, [`${l}.wFrac`]: bits.wFrac, [`${l}.aInt`]: bits.aInt, [`${l}.aFrac`]: bits.aFrac });
    Object.assign(g, { 'fc.wInt': bits.wInt, 'fc.wFrac': bits.wFrac });
  }
  return space.canonical(g);
}

function request(over: Partial<TrainRequest> = {}): TrainRequest {
  return {
    space: floatSpace.toJSON(),
    genome: smallGenome(floatSpace),
    dataset: 'mnist',
    trainSubset: 1500,
    valSubset: 500,
    epochs: 2,
    seed: 7,
    backend: 'wasm',
    threads: 1,
    ...over,
  };
}

describe('trainGenome on MNIST', () => {
  it('learns: the loss falls and validation accuracy is far above chance (float)', async () => {
    const before = tf.memory().numTensors;
    const r = await trainGenome(request());
    expect(r.backend.kind).toBe('wasm');
    expect(r.backend.name).toMatch(/wasm/);
    expect(r.trainLossHistory).toHaveLength(2);
    expect(r.trainLossHistory[1]).toBeLessThan(r.trainLossHistory[0]);
    expect(r.valAccuracy).toBeGreaterThan(0.7);
    expect(r.imagesPerSecond).toBeGreaterThan(0);
    expect(r.trainImages).toBe(1500);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('learns with 3.3-bit weights and 2.3-bit activations (quantization-aware)', async () => {
    const genome = smallGenome(quantSpace, { wInt: 3, wFrac: 3, aInt: 2, aFrac: 3 });
    const r = await trainGenome(request({ space: quantSpace.toJSON(), genome, returnWeights: true }));
    expect(r.trainLossHistory[1]).toBeLessThan(r.trainLossHistory[0]);
    expect(r.valAccuracy).toBeGreaterThan(0.6);
    // The returned model reproduces the measured accuracy, and its quantized kernels are on the grid.
    const model = QuantizedCnn.fromTrained(r.weights!);
    const val = loadDataset('mnist', { split: 'val', subset: 500, seed: 0 });
    expect(accuracy(model, val)).toBeCloseTo(r.valAccuracy, 10);
    model.dispose();
    expect(r.weights!.weights.map((w) => w.name)).toEqual(['L1/kernel', 'L1/bias', 'L2/kernel', 'L2/bias', 'fc/kernel', 'fc/bias']);
    expect(r.weights!.quantization.layers[0].weight).toEqual({ intBits: 3, fracBits: 3, signed: true });
  });

  it('learns with BatchNorm, and infers with its moving statistics', async () => {
    const r = await trainGenome(request({ batchNorm: true, returnWeights: true, trainSubset: 1000 }));
    expect(r.trainLossHistory[1]).toBeLessThan(r.trainLossHistory[0]);
    expect(r.valAccuracy).toBeGreaterThan(0.6);
    const names = r.weights!.weights.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(['L1/gamma', 'L1/beta', 'L1/moving_mean', 'L1/moving_variance']));
    // The moving averages moved away from their initial 0 / 1.
    const mean = r.weights!.weights.find((w) => w.name === 'L2/moving_mean')!.data;
    expect(Math.max(...Array.from(mean, Math.abs))).toBeGreaterThan(1e-3);
  });

  it('is deterministic by seed', async () => {
    const a = await trainGenome(request({ trainSubset: 400, valSubset: 200, epochs: 1 }));
    const b = await trainGenome(request({ trainSubset: 400, valSubset: 200, epochs: 1 }));
    const c = await trainGenome(request({ trainSubset: 400, valSubset: 200, epochs: 1, seed: 8 }));
    expect(b.trainLoss).toBe(a.trainLoss);
    expect(b.valAccuracy).toBe(a.valAccuracy);
    expect(c.trainLoss).not.toBe(a.trainLoss);
  });

  it('fails with reason "nan" when the loss stops being finite', async () => {
    const poison = (model: QuantizedCnn, step: number) => {
      if (step !== 3) return;
      const w = model.getWeights().find((x) => x.name === 'L2/kernel')!;
      model.setWeights([{ ...w, data: new Float32Array(w.data.length).fill(NaN) }]);
    };
    const err = await trainGenome(request({ epochs: 1, trainSubset: 640 }), { beforeStep: poison }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).reason).toBe('nan');
    expect((err as Error).message).toMatch(/step 4/);
  });

  it('stops with reason "aborted" when its signal fires', async () => {
    const ac = new AbortController();
    const p = trainGenome(request({ epochs: 5 }), { signal: ac.signal, beforeStep: (_m, step) => step === 2 && ac.abort() });
    await expect(p).rejects.toMatchObject({ reason: 'aborted' });
  });

  it('rejects bad requests with every issue and its path', async () => {
    const err = await trainGenome({ ...request(), epochs: 0, batchSize: -1, dataset: 'imagenet' as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['train.epochs', 'train.batchSize', 'train.dataset']));
    const bad = await trainGenome(request({ genome: { ...smallGenome(floatSpace), depth: 9 } })).catch((e: unknown) => e);
    expect((bad as ConfigError).issues[0].path).toBe('genome.depth');
    // A space for 32×32×3 inputs cannot train on MNIST.
    const cifar = presetSpace('lu2019-cifar10-float');
    const shape = await trainGenome(request({ space: cifar.toJSON(), genome: cifar.sample(Rng.fromSeed(1)) })).catch((e: unknown) => e);
    expect((shape as ConfigError).message).toMatch(/32×32×3/);
  });

  it('returns failures as data with a typed reason (nothing to parse after a thread boundary)', async () => {
    const out = await trainTask({ ...request(), epochs: 0 });
    expect(out).toMatchObject({ status: 'failed', reason: 'input' });
    // The outcome is plain data: what postMessage or a queue carries is all of it.
    expect(structuredClone(out)).toEqual(out);
    expect(failureReason(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'))).toBe('oom');
    expect(failureReason(new Error('something else broke'))).toBe('crash');
  });
});

describe('the pool task "train"', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ threads: 1 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('trains in a worker and reports the backend; a cancelled task does not stop the pool', async () => {
    const ac = new AbortController();
    const cancelled = trainInPool(pool, request({ epochs: 50 }), ac.signal);
    setTimeout(() => ac.abort(), 1500);
    expect(await cancelled).toMatchObject({ status: 'failed', reason: 'aborted' });
    const ok = await trainInPool(pool, request({ epochs: 2, trainSubset: 1200, valSubset: 300 }));
    expect(ok.status).toBe('complete');
    if (ok.status === 'complete') {
      expect(ok.result.backend.kind).toBe('wasm');
      expect(ok.result.backend.threads).toBe(1);
      expect(ok.result.valAccuracy).toBeGreaterThan(0.5);
    }
    const bad = await trainInPool(pool, { ...request(), learningRate: -1 });
    expect(bad).toMatchObject({ status: 'failed', reason: 'input' });
  });

  it('turns a worker that runs out of memory into an "oom" outcome', async () => {
    // 16 MB of V8 heap cannot even load tfjs: the worker dies, the training ends as a failed trial.
    const tiny = new WorkerPool({ threads: 1, maxOldGenerationSizeMb: 16 });
    try {
      const out = await trainInPool(tiny, request({ epochs: 1 }));
      expect(out).toMatchObject({ status: 'failed', reason: 'oom' });
    } finally {
      await tiny.close();
    }
  });
});
