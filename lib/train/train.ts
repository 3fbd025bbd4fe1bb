/**
 * Training one genome: the second stage of an evaluation. Builds the quantization-aware network from the
 * genome (decoders only), trains it with Adam on a seeded order of a dataset split, and measures validation
 * (and optionally test) accuracy. Runs in-process or as the pool task `train` (task.ts); JSON in, plain data out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, HwnasError } from '../errors.js';
import { TrainingError } from './failure.js';
import { trainRequestSchema, type ParsedTrainRequest, type TrainRequest, type TrainResult } from './request.js';
import { Rng } from '../rng.js';
import type { Genome } from '../space/genome.js';
import { SearchSpace, type SpaceDeclaration } from '../space/search-space.js';
import { CNN_FAMILIES, decodesToCnn } from '../space/decode.js';
import { parseOrThrow } from '../validate.js';
import { defaultTrainingThreads, initTrainingBackend, type BackendChoice, type BackendInfo } from './backend.js';
import { DataParallel } from './parallel/data-parallel.js';
import { planParallel, settleParallel } from './parallel/mode.js';
import { QuantizedCnn, type TrainedModel } from './build-model.js';
import { loadDataset, toFloat, type Dataset, type DatasetRef } from './datasets/registry.js';
import { StepKeeper } from './ops.js';
import { adam } from './kernels/adam.js';
import { inheritInto } from './inherit.js';
import { chooseMasks } from './masks.js';
import { decodeCompression, hasCompressionGenes } from '../space/decode-compression.js';

export { TrainingError, type TrainFailureReason } from './failure.js';

export type { ParsedTrainRequest, TrainRequest, TrainResult } from './request.js';

/** Validates a request (every issue, with its path) and the genome against its space. */
export function parseTrainRequest(input: unknown): { request: ParsedTrainRequest; space: SearchSpace } {
  const request = parseOrThrow(trainRequestSchema, input, 'train', 'invalid training request');
  const space = new SearchSpace(request.space as unknown as SpaceDeclaration);
  const issues = space.validate(request.genome);
  if (issues.length > 0) throw new ConfigError(issues, 'genome does not fit its space');
  if (!decodesToCnn(space)) {
    throw new ConfigError([{ path: 'train.space.meta.family', message: `training reads ${CNN_FAMILIES.join(' and ')} family spaces, got "${space.meta.family}"` }]);
  }
  return { request, space };
}

function checkShape(space: SearchSpace, ds: Dataset): void {
  const input = space.meta.input;
  if (!input || input.join('x') !== ds.shape.join('x') || space.meta.classes !== ds.classes) {
    throw new ConfigError([
      {
        path: 'train.dataset',
        message: `space "${space.name}" expects ${input?.join('×')} inputs and ${space.meta.classes} classes; "${ds.name}" has ${ds.shape.join('×')} and ${ds.classes}`,
      },
    ]);
  }
}

/** Fraction of `ds` the model classifies correctly (batches of 256, no gradients). */
export function accuracy(model: QuantizedCnn, ds: Dataset, batchSize = 256): number {
  if (ds.count === 0) return NaN;
  let correct = 0;
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const buf = new Float32Array(batchSize * per);
  for (let start = 0; start < ds.count; start += batchSize) {
    const n = Math.min(batchSize, ds.count - start);
    toFloat(ds, start, n, buf);
    const pred = tf.tidy(() => {
      const x = tf.tensor4d(buf.subarray(0, n * per), [n, ds.shape[0], ds.shape[1], ds.shape[2]]);
      return tf.argMax(model.apply(x, false), 1);
    });
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < n; i++) if (p[i] === ds.labels[start + i]) correct++;
  }
  return correct / ds.count;
}

/** Options of {@link trainGenome} beyond the request. */
export interface TrainRunOptions {
  readonly signal?: AbortSignal;
  /** Called after every epoch. */
  readonly onEpoch?: (e: { epoch: number; loss: number; imagesPerSecond: number }) => void;
  /** Called before every optimisation step with the model (inspection, fault injection in tests). */
  readonly beforeStep?: (model: QuantizedCnn, step: number) => void;
  /**
   * Continues an interrupted training (checkpoint.ts): restores the model and optimizer before the first step
   * and returns how many epochs are done, with their losses; training goes on from the next epoch.
   */
  readonly resume?: (model: QuantizedCnn, optimizer: tf.Optimizer) => Promise<{ epochs: number; losses: readonly number[] }>;
  /** Awaited after every epoch with the live model and optimizer (checkpoints, per-epoch evaluation). */
  readonly afterEpoch?: (e: { epoch: number; losses: readonly number[]; model: QuantizedCnn; optimizer: tf.Optimizer; orderSeed: string }) => Promise<void>;
}

/**
 * Trains the genome's network and measures it. Rejects with a ConfigError for bad input, a TrainingError
 * `nan` when the loss stops being finite, `aborted` when the signal fires, and DATASET_MISSING when a dataset
 * must be prepared first.
 */
export async function trainGenome(input: TrainRequest, options: TrainRunOptions = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const { request: r, space } = parseTrainRequest(input);
  const threads = r.threads ?? defaultTrainingThreads();
  // Data parallelism (parallel/): one single-threaded replica per thread, so this thread's backend gets one.
  const dataParallel = planParallel(r.parallel, threads) === 'data';
  const backend = await initTrainingBackend({ backend: r.backend, threads: dataParallel ? 1 : threads });
  const parallel = settleParallel(r.parallel, threads, backend.kind, r.batchNorm);
  const train = loadDataset(r.dataset, { split: 'train', subset: r.trainSubset, seed: r.splitSeed, valSize: r.valSize });
  const val = loadDataset(r.dataset, { split: 'val', subset: r.valSubset, seed: r.splitSeed, valSize: r.valSize });
  checkShape(space, train);
  const model = QuantizedCnn.fromGenome(space, r.genome, { seed: r.seed, batchNorm: r.batchNorm });
  // Warm start (HotNAS): the parent's weights where they fit, this seed's initialisation elsewhere.
  let inherited: ReturnType<typeof inheritInto> | undefined;
  try {
    inherited = r.initialWeights ? inheritInto(model, r.initialWeights) : undefined;
    // Compression (hotnas spaces): masks chosen from the starting weights (masks.ts), kept through training.
    if (hasCompressionGenes(space)) model.setMasks(chooseMasks(model.architecture, decodeCompression(space, r.genome), model.getWeights()));
  } catch (err) {
    model.dispose();
    throw err;
  }
  // tfjs's Adam, its update fused into one pass per variable on wasm (kernels/adam.ts).
  const optimizer = adam(r.learningRate);
  const keeper = new StepKeeper();
  const rng = Rng.fromSeed(r.seed).fork('batches');
  const [h, w, c] = train.shape;
  const per = h * w * c;
  const classes = train.classes;
  const xBuf = new Float32Array(r.batchSize * per);
  const yBuf = new Float32Array(r.batchSize * classes);
  const losses: number[] = [];
  let trainMs = 0;
  let seen = 0;
  let totalSteps = 0;
  let dp: DataParallel | null = null;
  try {
    if (parallel.mode === 'data') dp = await DataParallel.start(model, { replicas: parallel.replicas, batchSize: r.batchSize });
    const done = options.resume ? await options.resume(model, optimizer) : { epochs: 0, losses: [] };
    losses.push(...done.losses);
    totalSteps = done.epochs * Math.ceil(train.count / r.batchSize);
    for (let epoch = done.epochs; epoch < r.epochs; epoch++) {
      const order = rng.fork(`epoch/${epoch}`).shuffle(Array.from({ length: train.count }, (_, i) => i));
      let lossSum = 0;
      let steps = 0;
      const e0 = performance.now();
      for (let start = 0; start < train.count; start += r.batchSize) {
        if (options.signal?.aborted) throw new TrainingError('aborted', 'training was cancelled');
        options.beforeStep?.(model, totalSteps);
        const n = Math.min(r.batchSize, train.count - start);
        yBuf.fill(0);
        for (let i = 0; i < n; i++) {
          const j = order[start + i];
          const src = train.images.subarray(j * per, (j + 1) * per);
          for (let k = 0; k < per; k++) xBuf[i * per + k] = src[k] / 255;
          yBuf[i * classes + train.labels[j]] = 1;
        }
        let v: number;
        if (dp) {
          v = await dp.step(optimizer, keeper, xBuf, yBuf, n);
          model.reapplyMasks();
        } else {
          const x = tf.tensor4d(xBuf.subarray(0, n * per), [n, h, w, c]);
          const y = tf.tensor2d(yBuf.subarray(0, n * classes), [n, classes]);
          let loss: tf.Scalar | null = null;
          try {
            loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, true, keeper)) as tf.Scalar, true);
            model.reapplyMasks();
          } finally {
            keeper.release();
            x.dispose();
            y.dispose();
          }
          v = loss!.dataSync()[0];
          loss!.dispose();
        }
        if (!Number.isFinite(v)) {
          throw new TrainingError('nan', `loss became ${v} at epoch ${epoch + 1}, step ${steps + 1} (learning rate ${r.learningRate})`);
        }
        lossSum += v * n;
        steps++;
        totalSteps++;
        seen += n;
        // Let an in-process AbortSignal (and other work) through between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const ms = performance.now() - e0;
      trainMs += ms;
      const loss = lossSum / train.count;
      losses.push(loss);
      options.onEpoch?.({ epoch: epoch + 1, loss, imagesPerSecond: (train.count / ms) * 1000 });
      await options.afterEpoch?.({ epoch: epoch + 1, losses, model, optimizer, orderSeed: rng.seed });
    }
    const valAccuracy = accuracy(model, val);
    let testAccuracy: number | undefined;
    if (r.evaluateTest) {
      const test = loadDataset(r.dataset, { split: 'test', subset: r.testSubset, seed: r.splitSeed });
      testAccuracy = accuracy(model, test);
    }
    return {
      valAccuracy,
      ...(testAccuracy !== undefined ? { testAccuracy } : {}),
      trainLoss: losses[losses.length - 1],
      trainLossHistory: losses,
      epochs: r.epochs,
      trainImages: train.count,
      valImages: val.count,
      parameters: model.parameterCount,
      backend,
      parallel,
      imagesPerSecond: seen > 0 ? (seen / trainMs) * 1000 : NaN,
      durationMs: performance.now() - t0,
      ...(r.returnWeights ? { weights: model.toTrainedModel() } : {}),
      ...(inherited ? { inherited } : {}),
    };
  } finally {
    dp?.close();
    keeper.release();
    optimizer.dispose();
    model.dispose();
  }
}
