/**
 * Training as a pool task, and the caller's side of it. A training that fails — NaN loss, bad input, out of
 * memory, a crashed worker, a cancelled search — is a failed trial with its reason, never the end of a search.
 *
 * Inside the worker ({@link trainTask}): every ending is an outcome with a typed reason (an Error's own fields do
 * not survive the trip between threads; plain data does). After a WebAssembly abort (e.g. its heap cannot grow)
 * the wasm runtime is dead, so the worker thread exits after answering and the pool starts a fresh one.
 * The caller's side is lib/eval/training-stage.ts.
 */
import { isMainThread } from 'node:worker_threads';
import { ConfigError, HwnasError, isInputError } from '../errors.js';
import type { BackendInfo } from './backend.js';
import { isWasmRuntimeError } from './kernels/simd/wasm-api.js';
import { trainGenome, type TrainRequest, type TrainResult } from './train.js';
import { TrainingError, type TrainFailureReason } from './failure.js';

/** How one training ended: the result of the task `train`, plain data whatever happened. */
export type TrainOutcome =
  | { readonly status: 'complete'; readonly result: TrainResult }
  | {
      readonly status: 'failed';
      readonly reason: TrainFailureReason;
      readonly error: string;
      readonly backend?: BackendInfo;
    };

/** The failure reason of an error thrown by a training, or of a worker that died (crash, heap limit). */
export function failureReason(err: unknown): TrainFailureReason {
  if (err instanceof TrainingError) return err.reason;
  if (err instanceof ConfigError) return 'input';
  if (isInputError(err)) return 'input';
  const msg = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  if (/out of memory|OOM|allocation failed|ERR_WORKER_OUT_OF_MEMORY|Cannot enlarge memory|Array buffer allocation/i.test(msg)) {
    return 'oom';
  }
  return 'crash';
}

/**
 * The body of the task `train`: the outcome of the training, a failure included (with its typed reason), so
 * the caller records a failed trial without parsing any message.
 */
export async function trainTask(payload: unknown, context: { signal?: AbortSignal } = {}): Promise<TrainOutcome> {
  try {
    return { status: 'complete', result: await trainGenome(payload as TrainRequest, { signal: context.signal }) };
  } catch (err) {
    if (isWasmRuntimeError(err) && !isMainThread) {
      // The wasm instance aborted and cannot be used again: let the pool replace this worker.
      setImmediate(() => process.exit(1));
    }
    return { status: 'failed', reason: failureReason(err), error: err instanceof Error ? err.message : String(err) };
  }
}
