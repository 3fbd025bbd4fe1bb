/**
 * Stage 2's client side: trains on an executor (the local worker pool, or a Redis queue) and turns every ending
 * into an outcome — a failed training, a worker that crashed or ran out of memory, a cancellation.
 */
import type { TaskExecutor } from './executor.js';
import { failureReason, type TrainOutcome } from '../train/task.js';
import type { TrainRequest } from '../train/train.js';

/**
 * Trains on `executor`. Resolves with an outcome in every case: a failed training (its reason comes back as
 * data), a worker that died (its error classified) and a cancellation (`signal`) are `failed` with their reason.
 */
export async function trainInPool(executor: TaskExecutor, request: TrainRequest, signal?: AbortSignal): Promise<TrainOutcome> {
  try {
    return await executor.run<TrainOutcome>('train', request, signal);
  } catch (err) {
    if (signal?.aborted) return { status: 'failed', reason: 'aborted', error: 'training was cancelled' };
    const cause = (err as { cause?: unknown }).cause ?? err;
    return { status: 'failed', reason: failureReason(cause), error: cause instanceof Error ? cause.message : String(cause) };
  }
}
