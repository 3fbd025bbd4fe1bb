/**
 * Retraining with checkpoints (lib/train/retrain.ts, checkpoint.ts): a retraining stopped after an epoch and
 * started again continues from its checkpoint and ends with exactly the weights and accuracies of one that ran
 * uninterrupted (wasm backend, 1 thread); a checkpoint of another configuration, of more epochs, or damaged is
 * refused; the checkpoint restores Adam's state exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { QuantizedCnn } from '../../lib/train/build-model.js';
import { captureTrainingState, loadCheckpoint, restoreTrainingState, saveCheckpoint } from '../../lib/train/checkpoint.js';
import { RETRAIN_FILES, readRetrainRecord, retrain, type RetrainRecord } from '../../lib/train/retrain.js';
import type { TrainRequest } from '../../lib/train/request.js';
import { adam as fusedAdam } from '../../lib/train/kernels/adam.js';
import { genomeOf, quantSpace } from '../onnx/helpers.js';

const B8 = { wInt: 2, wFrac: 4, aInt: 2, aFrac: 4 };
const genome = genomeOf(quantSpace, [[8, 3, true], [16, 3, true]], [B8]);
const request: TrainRequest = {
  space: quantSpace.toJSON(),
  genome,
  dataset: 'mnist',
  epochs: 3,
  trainSubset: 480,
  valSubset: 300,
  testSubset: 300,
  batchSize: 32,
  learningRate: 0.002,
  batchNorm: false,
  seed: 'retrain-test',
  backend: 'wasm',
  threads: 1,
};
const config = { genome, trainImages: 480, batchSize: 32, learningRate: 0.002, seed: 'retrain-test', batchNorm: false };

let root: string;
let whole: RetrainRecord;
const weightsOf = (dir: string) => fs.readFileSync(path.join(dir, RETRAIN_FILES.weights));

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-retrain-'));
  whole = await retrain({ dir: path.join(root, 'whole'), request, config });
}, 120_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('retrain', () => {
  it('stopped after epoch 1, resumes from its checkpoint and ends with the weights and accuracies of an uninterrupted run', async () => {
    const dir = path.join(root, 'stopped');
    const abort = new AbortController();
    const err = await retrain({ dir, request, config, signal: abort.signal, onEpoch: (e) => e.epoch === 1 && abort.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HwnasError);
    expect((err as HwnasError).code).toBe('TRAIN_ABORTED');
    expect(loadCheckpoint(path.join(dir, RETRAIN_FILES.checkpoint))!.epoch).toBe(1);
    expect(readRetrainRecord(dir)).toBeNull();
    const resumed: number[][] = [];
    const rec = await retrain({ dir, request, config, onResume: (done, of) => resumed.push([done, of]) });
    expect(resumed).toEqual([[1, 3]]);
    expect(rec.resumedFrom).toEqual([1]);
    expect(whole.resumedFrom).toEqual([]);
    expect(weightsOf(dir).equals(weightsOf(path.join(root, 'whole')))).toBe(true);
    expect(rec.valAccuracy).toBe(whole.valAccuracy);
    expect(rec.testAccuracy).toBe(whole.testAccuracy);
    expect(rec.history.map((e) => [e.epoch, e.loss, e.valAccuracy, e.testAccuracy])).toEqual(whole.history.map((e) => [e.epoch, e.loss, e.valAccuracy, e.testAccuracy]));
    // Trained, not noise (10 classes), and the record matches the model beside it.
    expect(rec.valAccuracy).toBeGreaterThan(0.5);
    expect(readRetrainRecord(dir)).toMatchObject({ epochs: 3, valAccuracy: rec.valAccuracy });
  }, 120_000);

  it('another seed gives other weights (the equality above is not vacuous)', async () => {
    const dir = path.join(root, 'other-seed');
    const other = await retrain({ dir, request: { ...request, epochs: 1, seed: 'another' }, config: { ...config, seed: 'another' } });
    expect(other.history).toHaveLength(1);
    expect(other.history[0].loss).not.toBe(whole.history[0].loss);
    const a = loadCheckpoint(path.join(dir, RETRAIN_FILES.checkpoint))!.state.weights;
    expect(a.some((w) => w.data.some((v) => v !== 0))).toBe(true);
  }, 60_000);

  it('refuses a checkpoint of another configuration or of more epochs; continues a finished one asked for more; --restart starts over', async () => {
    const dir = path.join(root, 'whole');
    const conflict = await retrain({ dir, request: { ...request, learningRate: 0.01 }, config: { ...config, learningRate: 0.01 } }).catch((e: unknown) => e);
    expect((conflict as HwnasError).code).toBe('INPUT_RESUME_CONFLICT');
    expect((conflict as Error).message).toContain('learningRate: 0.002 → 0.01');
    const fewer = await retrain({ dir, request: { ...request, epochs: 2 }, config }).catch((e: unknown) => e);
    expect((fewer as HwnasError).code).toBe('INPUT_RESUME_CONFLICT');
    expect((fewer as Error).message).toMatch(/already holds 3 trained epochs/);
    // The same retraining again: already done, nothing changes.
    const before = fs.readFileSync(path.join(dir, RETRAIN_FILES.record), 'utf8');
    const same = await retrain({ dir, request, config });
    expect(same).toEqual(whole);
    expect(fs.readFileSync(path.join(dir, RETRAIN_FILES.record), 'utf8')).toBe(before);
    const resumed: number[][] = [];
    const more = await retrain({ dir, request: { ...request, epochs: 4 }, config, onResume: (d, o) => resumed.push([d, o]) });
    expect(resumed).toEqual([[3, 4]]);
    expect(more.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(more.resumedFrom).toEqual([3]);
    const again = await retrain({ dir, request: { ...request, epochs: 1, learningRate: 0.01 }, config: { ...config, learningRate: 0.01 }, restart: true });
    expect(again.history).toHaveLength(1);
    expect(again.resumedFrom).toEqual([]);
  }, 120_000);

  it('refuses a damaged or truncated checkpoint instead of resuming from it', async () => {
    const dir = path.join(root, 'other-seed');
    const file = path.join(dir, RETRAIN_FILES.checkpoint);
    const bytes = fs.readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5] ^= 0xff;
    fs.writeFileSync(file, flipped);
    expect(() => loadCheckpoint(file)).toThrow(/does not match its digest/);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    const err = await retrain({ dir, request: { ...request, epochs: 2, seed: 'another' }, config: { ...config, seed: 'another' } }).catch((e: unknown) => e);
    expect((err as HwnasError).code).toBe('CHECKPOINT_CORRUPT');
    fs.writeFileSync(file, 'not a checkpoint');
    expect(() => loadCheckpoint(file)).toThrow(/no HWCK header/);
  });

  it.each([
    ['tfjs', (lr: number) => tf.train.adam(lr)],
    ['fused (train.ts)', (lr: number) => fusedAdam(lr)],
  ] as const)("restores Adam's step count, moments and running β products bit for bit (%s)", async (_name, makeAdam) => {
    const model = QuantizedCnn.fromGenome(quantSpace, genome, { seed: 3, batchNorm: true });
    const opt = makeAdam(0.01);
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10).toFloat();
    const step = (m: QuantizedCnn, o: tf.Optimizer) => tf.dispose(o.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x as tf.Tensor4D, true)) as tf.Scalar, true));
    // 20 steps: there tfjs's own restore (pow(β₂, 21)) differs from the running product in the last bit.
    for (let i = 0; i < 20; i++) step(model, opt);
    const state = await captureTrainingState(model, opt);
    expect(state.optimizer.iterations).toBe(20);
    expect(state.slots.length).toBe(2 * model.trainableVariables.length);
    const file = path.join(root, 'adam.hwck');
    saveCheckpoint(file, { epoch: 0, losses: [], orderSeed: 's', meta: {}, state });
    const copy = QuantizedCnn.fromGenome(quantSpace, genome, { seed: 99, batchNorm: true });
    const opt2 = makeAdam(0.01);
    await restoreTrainingState(copy, opt2, loadCheckpoint(file)!.state);
    // One more step on both: identical results only if every piece of state came back.
    step(model, opt);
    step(copy, opt2);
    const a = model.getWeights();
    const b = copy.getWeights();
    expect(b.map((w) => w.name)).toEqual(a.map((w) => w.name));
    for (let i = 0; i < a.length; i++) expect(Buffer.from(b[i].data.buffer).equals(Buffer.from(a[i].data.buffer))).toBe(true);
    tf.dispose([x, y]);
    for (const m of [model, copy]) m.dispose();
    opt.dispose();
    opt2.dispose();
  });
});
