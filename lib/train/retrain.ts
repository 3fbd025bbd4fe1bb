/**
 * Retraining one design to its real accuracy, resumable after kill -9: trains with {@link trainGenome},
 * measures validation and test accuracy after every epoch, and checkpoints (checkpoint.ts) after every epoch
 * into its directory. Started again with the same configuration, it continues from the last finished epoch
 * and ends with the same weights as an uninterrupted run (the batch order is a function of seed and epoch;
 * the checkpoint holds weights and optimizer state). A larger epoch count continues a finished retraining.
 *
 * The directory ends up holding `checkpoint.hwck`, the trained model (`model.json` + `weights.bin`,
 * model-store.ts: what `hwnas export` loads) and `retrain.json`, the record of the retraining, written last.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { Rng } from '../rng.js';
import type { BackendInfo } from './backend.js';
import type { ParallelInfo } from './parallel/mode.js';
import { captureTrainingState, loadCheckpoint, restoreTrainingState, saveCheckpoint } from './checkpoint.js';
import { datasetInfo, defaultValSize, loadDataset } from './datasets/registry.js';
import { saveTrainedModel } from './model-store.js';
import { trainRequestSchema, type TrainRequest } from './request.js';
import { RETRAIN_FILES, readRetrainRecord, sha256File, type EpochRecord, type RetrainRecord } from './retrain-store.js';

export { RETRAIN_FILES, readRetrainRecord, retrainDir, type EpochRecord, type RetrainRecord } from './retrain-store.js';
import { accuracy, trainGenome } from './train.js';

/** What the checkpoint keeps beside the training state. */
interface CheckpointMeta {
  readonly config: Record<string, unknown>;
  readonly history: EpochRecord[];
  readonly resumedFrom: number[];
}

/** Options of {@link retrain}. */
export interface RetrainOptions {
  /** The retraining directory (created). */
  readonly dir: string;
  /** What to train; `epochs` is the target. Validation and test accuracy are measured after every epoch. */
  readonly request: TrainRequest;
  /** What must be equal for a checkpoint to be continued (JSON; key order matters). */
  readonly config: Record<string, unknown>;
  /** Discard an existing checkpoint and record instead of resuming. */
  readonly restart?: boolean;
  readonly signal?: AbortSignal;
  /** Fields added to retrain.json. */
  readonly record?: Record<string, unknown>;
  /** Before every step: steps done so far (resumed ones included) of `total`. */
  readonly onStep?: (p: { step: number; total: number; epoch: number }) => void;
  readonly onEpoch?: (e: EpochRecord, of: number) => void;
  /** Called once when training continues from a checkpoint. */
  readonly onResume?: (epochsDone: number, of: number) => void;
}

function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k}: ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`);
}

function describeBackend(b: BackendInfo, p?: ParallelInfo): string {
  // Data parallelism: the backend line describes one replica; say how many ran.
  return p?.mode === 'data' ? `${b.name}, data-parallel × ${p.replicas}` : b.name;
}

/** Retrains (or continues retraining) a design; see the module comment. */
export async function retrain(o: RetrainOptions): Promise<RetrainRecord> {
  const r = trainRequestSchema.parse({ ...o.request, evaluateTest: true, returnWeights: true });
  const ckFile = path.join(o.dir, RETRAIN_FILES.checkpoint);
  fs.mkdirSync(o.dir, { recursive: true });
  if (o.restart) {
    for (const f of [RETRAIN_FILES.record, RETRAIN_FILES.checkpoint]) fs.rmSync(path.join(o.dir, f), { force: true });
  }
  const ck = loadCheckpoint<CheckpointMeta>(ckFile);
  const orderSeed = Rng.fromSeed(r.seed).fork('batches').seed;
  if (ck) {
    const diff = differences(ck.meta.config, o.config);
    if (diff.length > 0) {
      throw new HwnasError(
        'INPUT_RESUME_CONFLICT',
        `${o.dir} holds a retraining with another configuration (${diff.join('; ')}); run with the same options to continue it, or add --restart to discard it`,
      );
    }
    if (ck.epoch > r.epochs) {
      throw new HwnasError(
        'INPUT_RESUME_CONFLICT',
        `${o.dir} already holds ${ck.epoch} trained epochs, more than the ${r.epochs} asked for; ask for ${ck.epoch} or more to continue, or add --restart`,
      );
    }
    if (ck.orderSeed !== orderSeed) throw new HwnasError('CHECKPOINT_CORRUPT', `${ckFile} was written with batch order ${ck.orderSeed}, not ${orderSeed}; add --restart`);
  }
  if (ck && ck.epoch === r.epochs) {
    // Already done (killed after the record was written, or run twice): the record stands as it is.
    const done = readRetrainRecord(o.dir);
    if (done && done.epochs === r.epochs && JSON.stringify(done.config) === JSON.stringify(o.config)) {
      o.onResume?.(ck.epoch, r.epochs);
      return done;
    }
  }
  const history: EpochRecord[] = ck ? [...ck.meta.history] : [];
  const resumedFrom: number[] = ck ? [...ck.meta.resumedFrom, ck.epoch] : [];
  const val = loadDataset(r.dataset, { split: 'val', subset: r.valSubset, seed: r.splitSeed, valSize: r.valSize });
  const test = loadDataset(r.dataset, { split: 'test', subset: r.testSubset, seed: r.splitSeed });
  const info = datasetInfo(r.dataset);
  const trainSplit = info.train - (r.valSize ?? defaultValSize(info.train));
  const trainCount = Math.min(r.trainSubset ?? trainSplit, trainSplit);
  const perEpoch = Math.ceil(trainCount / r.batchSize);
  const total = perEpoch * r.epochs;
  let epochStart = performance.now();
  const result = await trainGenome({ ...o.request, epochs: r.epochs, evaluateTest: true, returnWeights: true }, {
    signal: o.signal,
    resume: async (model, optimizer) => {
      if (!ck) return { epochs: 0, losses: [] };
      await restoreTrainingState(model, optimizer, ck.state);
      o.onResume?.(ck.epoch, r.epochs);
      return { epochs: ck.epoch, losses: ck.losses };
    },
    beforeStep: (_model, step) => {
      if (step % perEpoch === 0) epochStart = performance.now();
      o.onStep?.({ step, total, epoch: Math.floor(step / perEpoch) + 1 });
    },
    afterEpoch: async ({ epoch, losses, model, optimizer }) => {
      const trainMs = performance.now() - epochStart;
      const e: EpochRecord = {
        epoch,
        loss: losses[losses.length - 1],
        valAccuracy: accuracy(model, val),
        testAccuracy: accuracy(model, test),
        imagesPerSecond: (trainCount / trainMs) * 1000,
        trainMs,
      };
      history.push(e);
      const state = await captureTrainingState(model, optimizer);
      saveCheckpoint<CheckpointMeta>(ckFile, { epoch, losses: [...losses], orderSeed, meta: { config: o.config, history, resumedFrom }, state });
      o.onEpoch?.(e, r.epochs);
    },
  });
  if (!result.weights) throw new HwnasError('TRAIN_CRASH', 'the training returned no weights');
  saveTrainedModel(o.dir, result.weights);
  const record: RetrainRecord = {
    format: 'hwnas-retrain/1',
    status: 'complete',
    ...o.record,
    epochs: r.epochs,
    config: o.config,
    valAccuracy: result.valAccuracy,
    ...(result.testAccuracy !== undefined ? { testAccuracy: result.testAccuracy } : {}),
    trainImages: result.trainImages,
    valImages: result.valImages,
    testImages: test.count,
    split: { seed: r.splitSeed, valSize: r.valSize ?? null, valSubset: r.valSubset ?? null, testSubset: r.testSubset ?? null },
    parameters: result.parameters,
    history,
    backend: describeBackend(result.backend, result.parallel),
    resumedFrom,
    weightsSha256: sha256File(path.join(o.dir, RETRAIN_FILES.weights)),
    finishedAt: new Date().toISOString(),
  };
  // Last: its presence (with a matching digest) means the model beside it is complete.
  writeJsonAtomic(path.join(o.dir, RETRAIN_FILES.record), record);
  return record;
}
