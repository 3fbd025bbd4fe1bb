/**
 * Why a training failed, as a typed reason that travels with the result (through a worker thread or a queue as
 * plain data), never as text to parse back.
 */
import { HwnasError } from '../errors.js';
import type { FailureReason } from '../trial/index.js';

/** Why a training failed: a closed set, recorded on the failed trial (`failure`). */
export type TrainFailureReason = Exclude<FailureReason, 'evaluator'>;

/** A training that failed for a known reason (the search records it and goes on). */
export class TrainingError extends HwnasError {
  constructor(
    readonly reason: TrainFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`TRAIN_${reason.toUpperCase() as Uppercase<TrainFailureReason>}`, message, options);
    this.name = 'TrainingError';
  }
}
