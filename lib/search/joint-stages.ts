/**
 * The two stages of a joint search, built from its configuration: the hardware model and tfjs training in a piscina pool,
 * one model per worker, whose trained weights are saved under `<run>/models/trial-<N>/`.
 */
import os from 'node:os';
import type { SearchConfig } from '../config.js';
import type { EvalRequest } from '../eval/evaluator.js';
import { WorkerPool } from '../eval/pool.js';
import type { TaskExecutor, WorkerInfo } from '../eval/executor.js';
import { createRedisTrainingPool } from '../eval/redis/from-config.js';
import type { HardwareStage, TrainingOutcome, TrainingStage } from '../eval/two-stage.js';
import type { SearchSpace } from '../space/search-space.js';
import { parseHardwareSpec, type HardwareModelName, type HardwareSpecInput } from '../../hardware/model.js';
import { ModelHardwareStage } from '../eval/hardware-stage.js';
import { TrainingError, type TrainRequest } from '../train/train.js';
import { trainInPool } from '../eval/training-stage.js';
import { saveTrainedModel, trialModelDir } from '../train/model-store.js';
import { threadsPerWorker } from '../train/backend.js';

/** The stages plus what the runner needs to know of them. */
export interface JointStages {
  readonly hardware: HardwareStage;
  readonly training: TrainingStage;
  /** The same training for genomes of `space`, saving models under another run directory (baselines run several studies). */
  trainingIn(runDir: string, space: SearchSpace): TrainingStage;
  readonly trainConcurrency: number;
  /** One line for the progress display, e.g. `lu2019-pipeline on ep4ce115; training: 2 workers`. */
  readonly description: string;
  close(): Promise<void>;
}

/** The hardware spec of a joint search configuration: its hardware block without the model's name. */
export function jointHardwareSpec(c: SearchConfig): HardwareSpecInput {
  const { model: _model, ...spec } = c.hardware;
  return spec;
}

/** Stage 2 in a worker pool: one training per worker at a time; the trained weights are saved in the run. */
export class PoolTrainingStage implements TrainingStage {
  constructor(
    private readonly pool: TaskExecutor,
    private readonly base: Omit<TrainRequest, 'genome' | 'seed'>,
    private readonly runDir: string,
  ) {}

  async train(request: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome> {
    const payload: TrainRequest = { ...this.base, genome: request.genome, seed: request.seed, returnWeights: true };
    const outcome = await trainInPool(this.pool, payload, signal);
    signal?.throwIfAborted();
    // The two-stage evaluator turns a rejection into a failed trial carrying this message.
    if (outcome.status === 'failed') throw new TrainingError(outcome.reason, outcome.error);
    const r = outcome.result;
    if (r.weights) saveTrainedModel(trialModelDir(this.runDir, request.trialNumber), r.weights);
    const metrics: Record<string, number> = {
      accuracy: r.valAccuracy,
      trainLoss: r.trainLoss,
      parameters: r.parameters,
      trainImagesPerS: r.imagesPerSecond,
    };
    if (r.testAccuracy !== undefined) metrics.testAccuracy = r.testAccuracy;
    // Trainings that ran on a `hwnas worker` say which one; local ones ran on this machine.
    const worker = ((outcome as { worker?: WorkerInfo }).worker ?? (r as { worker?: WorkerInfo }).worker)?.id ?? 'local';
    return { metrics, extra: { backend: `${r.backend.kind}${r.backend.simd ? '+simd' : ''}×${r.backend.threads}`, worker, trainMs: r.durationMs, model: r.weights ? trialModelDir('.', request.trialNumber) : undefined } };
  }
}

/** A training pool sized for a configuration: `workers` workers × `threads` wasm threads = cores. */
export interface TrainingPool {
  readonly pool: TaskExecutor;
  readonly workers: number;
  readonly threads: number;
  /** How training runs, for the progress line (default: workers × threads here). */
  readonly description?: string;
}

/** Creates the training pool of a configuration. */
export function createTrainingPool(c: SearchConfig): TrainingPool {
  if (c.executor?.kind === 'redis') return createRedisTrainingPool(c.executor, c.workers, c.out ?? '.');
  const workers = c.workers ?? Math.max(1, os.availableParallelism());
  // A worker that runs away (a huge net, a leak) dies alone and fails its trial.
  return { pool: new WorkerPool({ threads: workers, maxOldGenerationSizeMb: 1536 }), workers, threads: threadsPerWorker(workers) };
}

/**
 * Builds both stages of a joint search. With `shared`, trains in that pool and leaves it open on close
 * (a comparison runs many searches on one pool); otherwise owns a new pool.
 */
export async function createJointStages(c: SearchConfig, space: SearchSpace, out: string, shared?: TrainingPool): Promise<JointStages> {
  const specInput = jointHardwareSpec(c);
  const spec = parseHardwareSpec(specInput, 'hardware');
  const model = c.hardware.model as HardwareModelName;
  const tp = shared ?? createTrainingPool(c);
  const base: Omit<TrainRequest, 'genome' | 'seed'> = {
    space: space.toJSON(),
    dataset: c.dataset,
    epochs: c.training.epochs,
    trainSubset: c.training.trainSubset === 0 ? undefined : c.training.trainSubset,
    valSubset: c.training.valSubset,
    batchSize: c.training.batchSize,
    learningRate: c.training.learningRate,
    batchNorm: c.training.batchNorm,
    backend: c.training.backend,
    threads: tp.threads,
  };
  return {
    // Mapping in-process: one DP takes well under a millisecond, less than a round trip to a worker.
    hardware: new ModelHardwareStage({ space, spec: specInput, model }),
    training: new PoolTrainingStage(tp.pool, base, out),
    trainingIn: (dir, other) => new PoolTrainingStage(tp.pool, { ...base, space: other.toJSON() }, dir),
    trainConcurrency: tp.workers,
    description: tp.description ? `${model} on ${spec.device.name}; ${tp.description}` : `${model} on ${spec.device.name}; training: ${tp.workers} worker${tp.workers > 1 ? 's' : ''} × ${tp.threads} thread${tp.threads > 1 ? 's' : ''}`,
    close: async () => {
      if (!shared) await tp.pool.close();
    },
  };
}
