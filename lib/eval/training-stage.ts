/**
 * Stage 2 on an executor: the training stage the two-stage evaluator calls, and its client side: trains on an executor (the local worker pool, or a Redis queue) and turns every ending
 * into an outcome — a failed training, a worker that crashed or ran out of memory, a cancellation.
 */
import type { EvalRequest } from './evaluator.js';
import type { TaskExecutor, WorkerInfo } from './executor.js';
import type { TrainingOutcome, TrainingStage } from './two-stage.js';
import { TrainingError } from '../train/failure.js';
import { saveTrainedModel, trialModelDir } from '../train/model-store.js';
import { failureReason, type TrainOutcome } from '../train/task.js';
import { TRAINING_DEFAULTS } from '../train/defaults.js';
import type { TrainRequest } from '../train/request.js';
import { TRAINING_METRICS } from './training-metrics.js';

export { TRAINING_METRICS };
import { datasetInfo, defaultValSize } from '../train/datasets/registry.js';

/** What a rung's budget fraction scales in a training request (lib/eval/fidelity). */
export type FidelityResource = 'images' | 'epochs';

/**
 * The training request of a rung: `budget` (a fraction of the full training) of the training images, or of the
 * epochs, at least one of either. A smaller image subset is a prefix of the full one (the split is seeded once).
 */
export function scaleTrainRequest(base: Omit<TrainRequest, 'genome' | 'seed'>, budget: number, resource: FidelityResource): Omit<TrainRequest, 'genome' | 'seed'> {
  if (budget >= 1) return base;
  if (resource === 'epochs') return { ...base, epochs: Math.max(1, Math.round((base.epochs ?? TRAINING_DEFAULTS.epochs) * budget)) };
  let full = base.trainSubset;
  if (full === undefined) {
    const info = datasetInfo(base.dataset);
    full = info.train - (base.valSize ?? defaultValSize(info.train));
  }
  return { ...base, trainSubset: Math.max(1, Math.round(full * budget)) };
}

/**
 * Trains on `executor`. Resolves with an outcome in every case: a failed training (its reason comes back as
 * data), a worker that died (its error classified) and a cancellation (`signal`) are `failed` with their reason.
 */
export async function trainInPool(executor: TaskExecutor, request: TrainRequest, signal?: AbortSignal): Promise<TrainOutcome> {
  try {
    return await executor.run('train', request, signal);
  } catch (err) {
    if (signal?.aborted) return { status: 'failed', reason: 'aborted', error: 'training was cancelled' };
    const cause = (err as { cause?: unknown }).cause ?? err;
    return { status: 'failed', reason: failureReason(cause), error: cause instanceof Error ? cause.message : String(cause) };
  }
}


/** Stage 2 in a worker pool: one training per worker at a time; the trained weights are saved in the run. */
export class PoolTrainingStage implements TrainingStage {
  constructor(
    private readonly pool: TaskExecutor,
    private readonly base: Omit<TrainRequest, 'genome' | 'seed'>,
    private readonly runDir: string,
    /** What a multi-fidelity rung's budget scales (default: training images). */
    private readonly resource: FidelityResource = 'images',
    /** Per-child request fields on top of `base`, before any rung scales them (a warm start: lib/zoo/warm.ts). */
    private readonly perGenome?: (genome: EvalRequest['genome']) => Partial<TrainRequest>,
  ) {}

  async train(request: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome> {
    const own = this.perGenome ? { ...this.base, ...this.perGenome(request.genome) } : this.base;
    const base = request.fidelity ? scaleTrainRequest(own, request.fidelity.budget, this.resource) : own;
    const payload: TrainRequest = { ...base, genome: request.genome, seed: request.seed, returnWeights: true };
    const outcome = await trainInPool(this.pool, payload, signal);
    signal?.throwIfAborted();
    // The two-stage evaluator turns a rejection into a failed trial carrying this message.
    if (outcome.status === 'failed') throw new TrainingError(outcome.reason, outcome.error);
    const r = outcome.result;
    if (r.weights) saveTrainedModel(trialModelDir(this.runDir, request.trialNumber), r.weights);
    const metrics: Partial<Record<(typeof TRAINING_METRICS)[number], number>> = {
      accuracy: r.valAccuracy,
      trainLoss: r.trainLoss,
      parameters: r.parameters,
      trainImagesPerS: r.imagesPerSecond,
    };
    if (r.testAccuracy !== undefined) metrics.testAccuracy = r.testAccuracy;
    // Trainings that ran on a `hwnas worker` say which one; local ones ran on this machine.
    const worker = ((outcome as { worker?: WorkerInfo }).worker ?? (r as { worker?: WorkerInfo }).worker)?.id ?? 'local';
    return { metrics, extra: { backend: r.parallel?.mode === 'data' ? `${r.backend.kind}${r.backend.simd ? '+simd' : ''}×1 data-parallel×${r.parallel.replicas}` : `${r.backend.kind}${r.backend.simd ? '+simd' : ''}×${r.backend.threads}`, worker, trainMs: r.durationMs, trainedImages: r.trainImages * r.epochs, model: r.weights ? trialModelDir('.', request.trialNumber) : undefined, ...(r.inherited ? { warmFrom: r.inherited.id, inherited: +(r.inherited.copied / r.inherited.total).toFixed(4) } : {}) } };
  }
}
