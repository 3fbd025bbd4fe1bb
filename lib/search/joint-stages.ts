/**
 * The two stages of a joint search, built from its configuration: the hardware model (in-process: a DP mapping
 * takes well under a millisecond, less than a round trip to a worker) and tfjs training in a piscina pool,
 * one model per worker, whose trained weights are saved under `<run>/models/trial-<N>/`.
 */
import os from 'node:os';
import type { SearchConfig } from '../config.js';
import type { EvalRequest } from '../eval/evaluator.js';
import { WorkerPool } from '../eval/pool.js';
import type { HardwareOutcome, HardwareStage, TrainingOutcome, TrainingStage } from '../eval/two-stage.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { evaluateBatch, parseHardwareSpec, type HardwareModelName, type HardwareReport, type HardwareSpec } from '../../hardware/model.js';
import type { TrainRequest, TrainResult } from '../train/train.js';
import { saveTrainedModel, trialModelDir } from '../train/model-store.js';
import { threadsPerWorker } from '../train/backend.js';

/** The stages plus what the runner needs to know of them. */
export interface JointStages {
  readonly hardware: HardwareStage;
  readonly training: TrainingStage;
  /** The same training, saving trained models under another run directory (baselines run several studies). */
  trainingIn(runDir: string): TrainingStage;
  readonly trainConcurrency: number;
  /** One line for the progress display, e.g. `lu2019-pipeline on ep4ce115; training: 2 workers`. */
  readonly description: string;
  close(): Promise<void>;
}

/** The validated hardware spec of a joint search configuration. */
export function jointHardwareSpec(c: SearchConfig): HardwareSpec {
  return parseHardwareSpec(
    {
      device: c.hardware.device,
      lutBudget: c.hardware.luts === undefined ? undefined : Math.floor(c.hardware.luts),
      minThroughput: c.hardware.throughput,
      maxLatencyMs: c.hardware.latencyMs,
      clockMHz: c.hardware.clockMHz,
    },
    'hardware',
  );
}

/** A hardware report as the metrics, violations and reason of a trial. */
export function hardwareOutcome(r: HardwareReport): HardwareOutcome {
  const metrics: Record<string, number> = {
    dsps: r.dsps,
    bramBits: r.bramBits,
    cycles: r.cycles,
    latencyMs: r.latencyMs,
    throughput: r.throughputImgPerS,
  };
  if (r.luts !== null) metrics.luts = r.luts;
  return { feasible: r.feasible, metrics, violations: r.violations, reason: r.reasonText, extra: { device: r.device, hardwareModel: r.model } };
}

/** Stage 1 in-process. */
export class InProcessHardwareStage implements HardwareStage {
  constructor(
    private readonly space: SearchSpace,
    private readonly spec: HardwareSpec,
    private readonly model: HardwareModelName,
  ) {}

  async evaluate(genomes: readonly Genome[]): Promise<HardwareOutcome[]> {
    return evaluateBatch(this.space, genomes, this.spec, this.model).map(hardwareOutcome);
  }
}

/** Stage 2 in a worker pool: one training per worker at a time; the trained weights are saved in the run. */
export class PoolTrainingStage implements TrainingStage {
  constructor(
    private readonly pool: WorkerPool,
    private readonly base: Omit<TrainRequest, 'genome' | 'seed'>,
    private readonly runDir: string,
  ) {}

  async train(request: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome> {
    const payload: TrainRequest = { ...this.base, genome: request.genome, seed: request.seed, returnWeights: true };
    const r = await this.pool.run<TrainResult>('train', payload, signal);
    if (r.weights) saveTrainedModel(trialModelDir(this.runDir, request.trialNumber), r.weights);
    const metrics: Record<string, number> = {
      accuracy: r.valAccuracy,
      trainLoss: r.trainLoss,
      parameters: r.parameters,
      trainImagesPerS: r.imagesPerSecond,
    };
    if (r.testAccuracy !== undefined) metrics.testAccuracy = r.testAccuracy;
    return { metrics, extra: { backend: `${r.backend.kind}${r.backend.simd ? '+simd' : ''}×${r.backend.threads}`, trainMs: r.durationMs, model: r.weights ? trialModelDir('.', request.trialNumber) : undefined } };
  }
}

/** A training pool sized for a configuration: `workers` workers × `threads` wasm threads = cores. */
export interface TrainingPool {
  readonly pool: WorkerPool;
  readonly workers: number;
  readonly threads: number;
}

/** Creates the training pool of a configuration. */
export function createTrainingPool(c: SearchConfig): TrainingPool {
  const workers = c.workers ?? Math.max(1, os.availableParallelism());
  // A worker that runs away (a huge net, a leak) dies alone and fails its trial.
  return { pool: new WorkerPool({ threads: workers, maxOldGenerationSizeMb: 1536 }), workers, threads: threadsPerWorker(workers) };
}

/**
 * Builds both stages of a joint search. With `shared`, trains in that pool and leaves it open on close
 * (a comparison runs many searches on one pool); otherwise owns a new pool.
 */
export async function createJointStages(c: SearchConfig, space: SearchSpace, out: string, shared?: TrainingPool): Promise<JointStages> {
  const spec = jointHardwareSpec(c);
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
    hardware: new InProcessHardwareStage(space, spec, model),
    training: new PoolTrainingStage(tp.pool, base, out),
    trainingIn: (dir) => new PoolTrainingStage(tp.pool, base, dir),
    trainConcurrency: tp.workers,
    description: `${model} on ${spec.device.name}; training: ${tp.workers} worker${tp.workers > 1 ? 's' : ''} × ${tp.threads} thread${tp.threads > 1 ? 's' : ''}`,
    close: async () => {
      if (!shared) await tp.pool.close();
    },
  };
}
