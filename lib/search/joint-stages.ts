/**
 * The two stages of a joint search, built from its configuration: the hardware model and tfjs training in a piscina pool,
 * one model per worker, whose trained weights are saved under `<run>/models/trial-<N>/`.
 */
import os from 'node:os';
import type { SearchConfig } from '../config.js';
import { WorkerPool } from '../eval/pool.js';
import type { TaskExecutor } from '../eval/executor.js';
import { createRedisTrainingPool } from '../eval/redis/from-config.js';
import type { HardwareStage, TrainingStage } from '../eval/two-stage.js';
import type { SearchSpace } from '../space/search-space.js';
import { hardwareModel, parseHardwareSpec, type HardwareModelName, type HardwareSpecInput } from '../../hardware/model.js';
import type { HardwareSpec } from '../../hardware/spec.js';

/** What a model's designs run on, in words (the FPGA device unless the model says otherwise). */
function targetOf(model: HardwareModelName, spec: HardwareSpec): string {
  return hardwareModel(model).target?.(spec) ?? spec.device.name;
}
import { ModelHardwareStage } from '../eval/hardware-stage.js';
import type { TrainRequest } from '../train/request.js';
import { PoolTrainingStage } from '../eval/training-stage.js';
import { threadsPerWorker } from '../train/backend.js';
import type { Genome } from '../space/genome.js';
import { openSearchZoo, warmRequestFields } from '../zoo/warm.js';

/** Per-child training fields of a hot-started search (`c.zoo`): inherit from the nearest zoo model, fine-tune briefly. */
function warmStartOf(c: SearchConfig, space: SearchSpace): ((genome: Genome) => Partial<TrainRequest>) | undefined {
  if (!c.zoo) return undefined;
  const zoo = openSearchZoo(c.zoo, c.dataset, space);
  return (genome) => warmRequestFields(zoo, space, genome, c.zoo!.warmImages);
}

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

/** The hardware stage of a joint search: the configured model, mapping in-process (one DP takes well under a millisecond, less than a round trip to a worker). */
export function jointHardwareStage(c: SearchConfig, space: SearchSpace): ModelHardwareStage {
  return new ModelHardwareStage({ space, spec: jointHardwareSpec(c), model: c.hardware.model as HardwareModelName });
}

/**
 * Builds both stages of a joint search. With `shared`, trains in that pool and leaves it open on close
 * (a comparison runs many searches on one pool); otherwise owns a new pool.
 */
export async function createJointStages(c: SearchConfig, space: SearchSpace, out: string, shared?: TrainingPool): Promise<JointStages> {
  const spec = parseHardwareSpec(jointHardwareSpec(c), 'hardware');
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
    hardware: jointHardwareStage(c, space),
    training: new PoolTrainingStage(tp.pool, base, out, c.fidelity?.resource, warmStartOf(c, space)),
    trainingIn: (dir, other) => new PoolTrainingStage(tp.pool, { ...base, space: other.toJSON() }, dir, c.fidelity?.resource),
    trainConcurrency: tp.workers,
    description: tp.description ? `${model} on ${targetOf(model, spec)}; ${tp.description}` : `${model} on ${targetOf(model, spec)}; training: ${tp.workers} worker${tp.workers > 1 ? 's' : ''} × ${tp.threads} thread${tp.threads > 1 ? 's' : ''}`,
    close: async () => {
      if (!shared) await tp.pool.close();
    },
  };
}
