/**
 * A training request and its result: the payload and result of the task `train` (lib/eval/tasks.ts), as plain
 * JSON data. Kept apart from train.ts so that a coordinator or a queue worker can validate a request without
 * loading tfjs.
 */
import { z } from 'zod';
import type { Genome } from '../space/genome.js';
import type { SpaceDeclaration } from '../space/search-space.js';
import type { BackendChoice, BackendInfo } from './backend.js';
import type { TrainedModel } from './build-model.js';
import { datasetRefSchema, type DatasetRef } from './datasets/registry.js';
import { TRAINING_BACKENDS, TRAINING_DEFAULTS } from './defaults.js';
import { PARALLEL_MODES, type ParallelChoice, type ParallelInfo } from './parallel/mode.js';

/** What to train and how. JSON-serialisable (it is the pool task's payload). */
export interface TrainRequest {
  readonly space: SpaceDeclaration;
  readonly genome: Genome;
  /** A built-in dataset's name or a custom dataset (datasets/custom.ts). */
  readonly dataset: DatasetRef;
  /** Epochs over the training subset (default: TRAINING_DEFAULTS, defaults.ts). */
  readonly epochs?: number;
  /** Training images (default: the whole train split). */
  readonly trainSubset?: number;
  /** Validation images (default: the whole val split). */
  readonly valSubset?: number;
  /** Also measure test accuracy (default false), on `testSubset` images (default all). */
  readonly evaluateTest?: boolean;
  readonly testSubset?: number;
  /** Validation images carved from the training set (default 5000). */
  readonly valSize?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Seed of the initial weights and the batch order. */
  readonly seed?: number | string;
  /** Seed of the train/val partition (default 0: the same validation set for every trial). */
  readonly splitSeed?: number | string;
  readonly batchNorm?: boolean;
  readonly backend?: BackendChoice;
  /** wasm threads (default: see backend.ts). */
  readonly threads?: number;
  /**
   * How ≥ 2 threads are used (parallel/mode.ts): `intra-op` (threads inside each operator), `data` (one replica
   * per thread, each on a share of every batch) or `auto` (default: data on wasm).
   */
  readonly parallel?: ParallelChoice;
  /** Return the trained weights (for export). */
  readonly returnWeights?: boolean;
  /**
   * Warm start (HotNAS): start from a trained model saved on disk (model-store.ts: `model.json` + `weights.bin`,
   * e.g. a zoo model) instead of from scratch; its weights are copied where they fit (inherit.ts). A path, not
   * the weights, so a task stays small; the worker reads it. `id` names it in the result.
   */
  readonly initialWeights?: { readonly model: string; readonly id?: string };
}

/** What a training measured. */
export interface TrainResult {
  readonly valAccuracy: number;
  readonly testAccuracy?: number;
  /** Mean training loss of the last epoch, and of every epoch. */
  readonly trainLoss: number;
  readonly trainLossHistory: number[];
  readonly epochs: number;
  readonly trainImages: number;
  readonly valImages: number;
  readonly parameters: number;
  readonly backend: BackendInfo;
  /** How the training used its threads (intra-op or data-parallel). */
  readonly parallel?: ParallelInfo;
  /** Training throughput (images per second of optimisation steps, data preparation included). */
  readonly imagesPerSecond: number;
  /** Wall time of the whole call, in ms. */
  readonly durationMs: number;
  readonly weights?: TrainedModel;
  /** With `initialWeights`: which model was inherited from and how much of the child it covered. */
  readonly inherited?: { readonly id?: string; readonly copied: number; readonly total: number };
}

const seedSchema = z.union([z.number(), z.string()]);
/** The training request's schema: the payload schema of the task `train`. */
export const trainRequestSchema = z.object({
  space: z.object({ name: z.string(), genes: z.array(z.any()), meta: z.looseObject({ family: z.string() }) }),
  genome: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  dataset: datasetRefSchema,
  epochs: z.number().int().min(1).max(1000).default(TRAINING_DEFAULTS.epochs),
  trainSubset: z.number().int().min(1).optional(),
  valSubset: z.number().int().min(1).optional(),
  evaluateTest: z.boolean().default(false),
  testSubset: z.number().int().min(1).optional(),
  valSize: z.number().int().min(1).optional(),
  batchSize: z.number().int().min(1).max(4096).default(TRAINING_DEFAULTS.batchSize),
  learningRate: z.number().positive().max(10).default(TRAINING_DEFAULTS.learningRate),
  seed: seedSchema.default(0),
  splitSeed: seedSchema.default(0),
  batchNorm: z.boolean().default(TRAINING_DEFAULTS.batchNorm),
  backend: z.enum(TRAINING_BACKENDS).default(TRAINING_DEFAULTS.backend),
  threads: z.number().int().min(1).max(256).optional(),
  parallel: z.enum(PARALLEL_MODES).default('auto'),
  returnWeights: z.boolean().default(false),
  initialWeights: z.object({ model: z.string().min(1), id: z.string().optional() }).strict().optional(),
});

/** A validated request with defaults filled in. */
export type ParsedTrainRequest = z.output<typeof trainRequestSchema>;

